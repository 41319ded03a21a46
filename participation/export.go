package participation

import (
	"context"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
)

// Export is what participation holds about a person, for a data-access
// request (GDPR art. 15), beside identity's export.
type Export struct {
	Reports   []ReportView `json:"reports"`
	Proposals []Proposal   `json:"proposals"`
	Comments  []OwnComment `json:"comments"`
	Supports  []string     `json:"supported_proposals"`
	Follows   []string     `json:"followed_proposals"`
	// Flags are the person's own flags of other people's comments, with
	// the reasons they typed: theirs alone, never anyone else's.
	Flags []OwnFlag `json:"flagged_comments"`
	// ExportedAt is when the export was made.
	ExportedAt time.Time `json:"exported_at"`
}

// OwnComment is a person's comment as their data download gives it: the
// comment and whether everyone can read it, State "visible" (CommentVisible)
// or "hidden" (CommentHidden, hidden by an administrator). A comment other
// people flagged is visible to everyone until an administrator decides, so
// it is "visible" here; how many flagged it, and their reasons, are theirs,
// and the type has no field for them rather than one filled with a false 0.
type OwnComment struct {
	ID         string    `json:"id"`
	ProposalID string    `json:"proposal_id"`
	AuthorID   string    `json:"author_id,omitempty"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	State      string    `json:"state"`
	CreatedAt  time.Time `json:"created_at"`
}

// ownComment is cm as its author's download gives it.
func ownComment(cm Comment) OwnComment {
	state := cm.State
	if state == CommentFlagged {
		state = CommentVisible
	}
	return OwnComment{ID: cm.ID, ProposalID: cm.ProposalID, AuthorID: cm.AuthorID, AuthorName: cm.AuthorName,
		Body: cm.Body, State: state, CreatedAt: cm.CreatedAt}
}

// OwnFlag is a person's flag of a comment, as their data download gives
// it: which comment, on which proposal, when, and the reason they typed
// ("" when they gave none). Not the comment's words, which are its
// author's, nor anything of the other flags.
type OwnFlag struct {
	CommentID  string    `json:"comment_id"`
	ProposalID string    `json:"proposal_id"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// Export returns what participation holds about the calling person: their
// reports with their history and photos (without image data), proposals,
// comments (hidden ones too, without their flags: see OwnComment),
// supports, follows, and the flags they raised on comments with their
// reasons (until a moderator dismisses them, which deletes them).
// Unauthenticated without an account.
func (s *Service) Export(ctx context.Context, c identity.Caller) (Export, error) {
	if c.AccountID == "" {
		return Export{}, apperr.R(apperr.Unauthenticated, "not_signed_in", "Sign in to export your data.")
	}
	out := Export{ExportedAt: s.now(), Reports: []ReportView{}}
	err := s.store.View(ctx, func(tx Tx) error {
		reports, err := allReportsBy(ctx, tx, c.AccountID)
		if err != nil {
			return err
		}
		for _, r := range reports {
			v := ReportView{Report: r}
			if v.Changes, err = tx.ReportChanges(ctx, r.ID); err != nil {
				return err
			}
			if v.Photos, err = tx.Photos(ctx, r.ID); err != nil {
				return err
			}
			v.Timing = TimingOf(r, v.Changes)
			v.Changes = changesFor(c, r, v.Changes)
			out.Reports = append(out.Reports, v)
		}
		if out.Proposals, err = tx.ProposalsBy(ctx, c.AccountID); err != nil {
			return err
		}
		comments, err := tx.CommentsBy(ctx, c.AccountID)
		if err != nil {
			return err
		}
		// Who in the city's staff answered a proposal, and who flagged a
		// comment, how many and why, are other people's doings, as the
		// staff in a report's history are (changesFor): the download gives
		// the answer and whether a comment is visible or hidden, not them.
		for i := range out.Proposals {
			out.Proposals[i].AnsweredBy = ""
		}
		out.Comments = make([]OwnComment, 0, len(comments))
		for _, cm := range comments {
			out.Comments = append(out.Comments, ownComment(cm))
		}
		if out.Supports, err = tx.SupportedBy(ctx, c.AccountID); err != nil {
			return err
		}
		if out.Follows, err = tx.FollowedBy(ctx, c.AccountID); err != nil {
			return err
		}
		out.Flags, err = tx.FlagsBy(ctx, c.AccountID)
		return err
	})
	if out.Flags == nil {
		out.Flags = []OwnFlag{}
	}
	return out, err
}

// allReportsBy reads every report of an account, a page at a time: an
// export holds everything, however many.
func allReportsBy(ctx context.Context, tx Tx, accountID string) ([]Report, error) {
	var out []Report
	before := ""
	for {
		page, err := tx.ListReports(ctx, ReportFilter{ReporterID: accountID, Before: before, Limit: MaxListLimit})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < MaxListLimit {
			return out, nil
		}
		before = page[len(page)-1].ID
	}
}
