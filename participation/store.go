package participation

import (
	"context"
	"time"

	"cityhub/audit"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/mail"
)

// Store is participation's view of the database.
type Store interface {
	// InTx runs fn in one database transaction; an error from fn rolls it back.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn for reads, outside a write transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is one database transaction. A report's status change, its recorded
// change and the e-mail telling the reporter commit together or not at
// all. Lock methods hold the row until the transaction ends; locks are
// taken report before report (in the order of their ids when two are
// merged), proposal before comment. Missing rows are NotFound.
type Tx interface {
	audit.Tx
	mail.Enqueuer
	// idem.Tx records a client's idempotency key in the transaction of
	// the report it made (SubmitReportWithKey).
	idem.Tx

	// AccountByID reads the account an e-mail is addressed to.
	AccountByID(ctx context.Context, id string) (identity.Account, error)

	InsertReport(ctx context.Context, r Report) error
	// UpdateReport writes status, status_note, merged_into, redacted,
	// public_name and updated_at.
	UpdateReport(ctx context.Context, r Report) error
	Report(ctx context.Context, id string) (Report, error)
	LockReport(ctx context.Context, id string) (Report, error)
	ReportByToken(ctx context.Context, token string) (Report, error)
	// ListReports lists reports matching f in f's order.
	ListReports(ctx context.Context, f ReportFilter) ([]Report, error)
	// AppendReportChange records a change; its id is assigned by the store.
	AppendReportChange(ctx context.Context, c Change) error
	// ReportChanges lists a report's changes, oldest first.
	ReportChanges(ctx context.Context, reportID string) ([]Change, error)
	// CountReports counts reports by contrada, category and status.
	CountReports(ctx context.Context) ([]ReportCount, error)

	InsertPhoto(ctx context.Context, p Photo) error
	// Photos lists a report's photos by position, without image data.
	Photos(ctx context.Context, reportID string) ([]Photo, error)
	// PhotosOf lists the photos of several reports by report and position,
	// without image data: one query for a page of reports.
	PhotosOf(ctx context.Context, reportIDs []string) ([]Photo, error)
	// PhotoData reads one photo with its image and thumbnail.
	PhotoData(ctx context.Context, id string) (Photo, error)
	// SetPhotoState moderates a photo; NotFound if missing.
	SetPhotoState(ctx context.Context, id, state, by string) error
	// Photo reads one photo without its image data.
	Photo(ctx context.Context, id string) (Photo, error)
	// PendingPhotos lists up to limit photos awaiting moderation of
	// reports of the offices (all when nil), oldest first, after the photo
	// with id after (from the first when empty; the photo need not be
	// pending any more), without image data.
	PendingPhotos(ctx context.Context, offices []string, after string, limit int) ([]Photo, error)
	// CountPendingPhotos counts the photos awaiting moderation of reports
	// of the offices (all when nil).
	CountPendingPhotos(ctx context.Context, offices []string) (int, error)

	InsertProposal(ctx context.Context, p Proposal) error
	Proposal(ctx context.Context, id string) (Proposal, error)
	// ProposalTitles gives the titles of the proposals with these ids, by
	// id, in one query; an id that is no proposal is left out.
	ProposalTitles(ctx context.Context, ids []string) (map[string]string, error)
	LockProposal(ctx context.Context, id string) (Proposal, error)
	// AnswerProposal writes answer, answered_at and answered_by.
	AnswerProposal(ctx context.Context, p Proposal) error
	// ListProposals lists proposals newest first, before the cursor (an id).
	ListProposals(ctx context.Context, f ProposalFilter) ([]Proposal, error)
	// AddSupport records accountID's support and counts it on the proposal,
	// unless that account already supports it or the proposal is answered;
	// added says which. The primary key decides among concurrent supports,
	// and the proposal's answer, read under the row's lock, against a
	// concurrent answer: not an earlier read.
	AddSupport(ctx context.Context, proposalID, accountID string, at time.Time) (added bool, err error)
	// AwaitingProposals lists up to limit unanswered proposals with at
	// least their threshold of supports, oldest first, after the proposal
	// with id after (from the oldest when empty).
	AwaitingProposals(ctx context.Context, after string, limit int) ([]Proposal, error)
	Supports(ctx context.Context, proposalID, accountID string) (bool, error)
	// CountSupports counts the support rows (the check of support_count).
	CountSupports(ctx context.Context, proposalID string) (int, error)

	// Follow and Unfollow are idempotent.
	Follow(ctx context.Context, proposalID, accountID string, at time.Time) error
	Unfollow(ctx context.Context, proposalID, accountID string) error
	Follows(ctx context.Context, proposalID, accountID string) (bool, error)
	Followers(ctx context.Context, proposalID string) ([]string, error)

	InsertComment(ctx context.Context, c Comment) error
	Comment(ctx context.Context, id string) (Comment, error)
	// LockComment is Comment, its row held until the transaction ends.
	LockComment(ctx context.Context, id string) (Comment, error)
	// Comments lists up to limit of a proposal's comments oldest first,
	// after the comment with id after (from the first when empty), hidden
	// ones included only when withHidden.
	Comments(ctx context.Context, proposalID string, withHidden bool, after string, limit int) ([]Comment, error)
	// FlagComment records accountID's flag once and marks a visible
	// comment flagged; added says whether the flag is new.
	FlagComment(ctx context.Context, commentID, accountID, reason string, at time.Time) (added bool, err error)
	// SetCommentState moderates a comment. Kept visible, its flags are
	// dismissed: deleted, its flag count back to zero, so that whoever
	// flagged it may flag it again. The comment's row is locked before its
	// flags are deleted, so that a flag racing the moderation either is
	// dismissed with the others or counts after it.
	SetCommentState(ctx context.Context, id, state, by string) error
	// FlaggedComments lists up to limit flagged comments oldest first,
	// after the comment with id after (from the first when empty; the
	// comment need not be flagged any more).
	FlaggedComments(ctx context.Context, after string, limit int) ([]Comment, error)
	// CountFlaggedComments counts the flagged comments.
	CountFlaggedComments(ctx context.Context) (int, error)
	// HiddenComments lists up to limit hidden comments oldest first, after
	// the comment with id after (from the first when empty; the comment
	// need not be hidden any more).
	HiddenComments(ctx context.Context, after string, limit int) ([]Comment, error)
	// CommentFlags gives the flags of each of the comments, oldest first.
	CommentFlags(ctx context.Context, commentIDs []string) (map[string][]CommentFlag, error)
	// Audited says whether the audit log holds an entry of action on the
	// object of type objectType with id objectID: something once done to
	// it that its row no longer shows. Read by the object's index.
	Audited(ctx context.Context, action, objectType, objectID string) (bool, error)

	// ProposalsBy lists an account's proposals, newest first.
	ProposalsBy(ctx context.Context, accountID string) ([]Proposal, error)
	// CommentsBy lists an account's comments, hidden ones included, oldest first.
	CommentsBy(ctx context.Context, accountID string) ([]Comment, error)
	// CommentIDsOn lists the ids of an account's comments on one proposal,
	// hidden ones included, read by the proposal's index.
	CommentIDsOn(ctx context.Context, proposalID, accountID string) ([]string, error)
	// SupportedBy and FollowedBy list the proposals an account supports
	// and follows.
	SupportedBy(ctx context.Context, accountID string) ([]string, error)
	FollowedBy(ctx context.Context, accountID string) ([]string, error)
	// FlagsBy lists the flags an account raised on comments, with their
	// reasons, oldest first.
	FlagsBy(ctx context.Context, accountID string) ([]OwnFlag, error)

	// ReserveLoginAttempt and ReleaseLoginAttempt are identity's limits
	// of failed logins (identity.Tx), used for API key checks.
	ReserveLoginAttempt(ctx context.Context, attempt string, buckets []identity.LoginBucket, at time.Time) (bool, time.Time, error)
	ReleaseLoginAttempt(ctx context.Context, attempt string) error

	InsertAPIKey(ctx context.Context, k APIKey) error
	APIKey(ctx context.Context, id string) (APIKey, error)
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey sets revoked_at unless already set; false when it was.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) (bool, error)
}

// ReportFilter selects reports; zero fields match all.
type ReportFilter struct {
	IDs        []string
	Categories []string
	Statuses   []string
	Offices    []string
	Contrada   string
	ReporterID string
	// Within keeps reports located in the box.
	Within *Box
	Since  time.Time // created at or after
	Until  time.Time // created at or before
	// Before is a cursor: reports created before the report with this id
	// (newest-first order only).
	Before string
	// OldestFirst orders by creation time ascending (triage queues);
	// otherwise newest first.
	OldestFirst bool
	// After is a cursor: reports created after the report with this id
	// (oldest-first order only).
	After string
	Limit int // 0: MaxListLimit
	// Offset skips this many reports of the order first (pages of a list
	// whose clients count pages, as Open311's do).
	Offset int
}

// ProposalFilter selects proposals.
type ProposalFilter struct {
	Before string
	Limit  int // 0: MaxListLimit
}

// ReportCount is how many reports of a category in a contrada have a
// status.
type ReportCount struct {
	Contrada string `json:"contrada"`
	Category string `json:"category"`
	Status   string `json:"status"`
	Count    int    `json:"count"`
}
