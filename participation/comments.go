package participation

import (
	"context"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
)

// Comment states: a flagged comment stays visible until a moderator hides
// it (or dismisses the flags by keeping it visible).
const (
	CommentVisible = "visible"
	CommentFlagged = "flagged"
	CommentHidden  = "hidden"
)

// Comment is a citizen's comment on a proposal.
type Comment struct {
	ID         string    `json:"id"`
	ProposalID string    `json:"proposal_id"`
	AuthorID   string    `json:"author_id,omitempty"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	State      string    `json:"state"`
	FlagCount  int       `json:"flag_count"`
	CreatedAt  time.Time `json:"created_at"`
	// Flags are its flags, oldest first, on the moderators' queue only
	// (FlaggedComments): what each citizen who flagged it gave as the
	// reason, so that a moderator decides on it. Who flagged stays out.
	Flags []CommentFlag `json:"flags,omitempty"`
	// Lang is the language the text is written in, as far as the hub
	// knows it (writtenIn); empty for one written before it kept it. Not
	// in the JSON.
	Lang string `json:"-"`
}

// CommentFlag is one citizen's report of a comment as abusive.
type CommentFlag struct {
	// Reason is as the citizen typed it; "" when they gave none.
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// PublicComment is a comment as anyone sees it.
type PublicComment struct {
	ID         string    `json:"id"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
	// Lang is Comment's: pages mark the text with it. Not in the JSON.
	Lang string `json:"-"`
}

// AddComment adds the citizen's comment to a proposal, signed with their
// name. Forbidden, NotFound, Invalid (bad_comment).
func (s *Service) AddComment(ctx context.Context, c identity.Caller, proposalID, body string) (Comment, error) {
	if err := requireCitizen(c); err != nil {
		return Comment{}, err
	}
	body, err := cleanText(body, 1, MaxCommentLen, "bad_comment", "comment")
	if err != nil {
		return Comment{}, err
	}
	cm := Comment{ID: ids.New("cmt"), ProposalID: proposalID, AuthorID: c.AccountID, AuthorName: c.Name, Body: body,
		State: CommentVisible, CreatedAt: s.now(), Lang: writtenIn(c)}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Proposal(ctx, proposalID); err != nil {
			return proposalNotFound(err)
		}
		if err := tx.InsertComment(ctx, cm); err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		return s.audit(ctx, tx, c, "comment.create", "comment", cm.ID, map[string]any{"proposal": proposalID})
	})
	return cm, err
}

// Comment pages: how many comments a page holds by default and at most.
const (
	DefaultCommentPage = 100
	MaxCommentPage     = 500
)

// Comments lists a page of a proposal's visible comments, oldest first:
// limit of them (DefaultCommentPage when 0) after the comment with id after
// (from the first when empty); the last one's id is the next page's after.
// NotFound; Invalid (bad_limit, bad_cursor: after is no comment of this
// proposal).
func (s *Service) Comments(ctx context.Context, proposalID, after string, limit int) ([]PublicComment, error) {
	if limit < 0 || limit > MaxCommentPage {
		return nil, invalid("bad_limit", "The limit must be 1 to %d.", MaxCommentPage)
	}
	if limit == 0 {
		limit = DefaultCommentPage
	}
	out := []PublicComment{}
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Proposal(ctx, proposalID); err != nil {
			return proposalNotFound(err)
		}
		if err := checkCommentCursor(ctx, tx, proposalID, after); err != nil {
			return err
		}
		cs, err := tx.Comments(ctx, proposalID, false, after, limit)
		for _, c := range cs {
			out = append(out, PublicComment{ID: c.ID, AuthorName: c.AuthorName, Body: c.Body, CreatedAt: c.CreatedAt, Lang: c.Lang})
		}
		return err
	})
	return out, err
}

// checkCommentCursor refuses (bad_cursor) a cursor of a proposal's
// comments that is no comment of that proposal (another's would page from
// a place in a list it is not in); an empty one starts from the first.
func checkCommentCursor(ctx context.Context, tx Tx, proposalID, after string) error {
	if after == "" {
		return nil
	}
	cm, err := tx.Comment(ctx, after)
	if err != nil {
		return cursorError(err)
	}
	if cm.ProposalID != proposalID {
		return badCursor()
	}
	return nil
}

// FlagComment reports a comment as abusive; it goes to the moderators'
// queue and stays visible until one of them hides it. A citizen's second
// flag of one comment changes nothing. A hidden comment is no longer
// shown to anyone but administrators, so flagging it is NotFound, as for
// a comment that does not exist, and changes nothing. Its author may not
// flag it (Forbidden, own_comment): a flag is another citizen's report to
// the moderators. Forbidden, NotFound, Invalid (bad_reason).
func (s *Service) FlagComment(ctx context.Context, c identity.Caller, commentID, reason string) error {
	if err := requireCitizen(c); err != nil {
		return err
	}
	// One refusal, with the limit, whichever way the reason is wrong
	// (clean): the flag form's words for bad_reason name both and take
	// the limit from the refusal, so they cannot say another number.
	reason, err := cleanText(reason, 0, MaxNoteLen, "bad_reason", "reason")
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		cm, err := tx.Comment(ctx, commentID)
		if err := flaggable(cm, err); err != nil {
			return err
		}
		if cm.AuthorID == c.AccountID {
			return apperr.R(apperr.Forbidden, "own_comment", "A comment's author may not flag it.")
		}
		added, err := tx.FlagComment(ctx, commentID, c.AccountID, reason, s.now())
		if err != nil || !added {
			return err
		}
		// The flag's update holds the comment's row: read again, it shows
		// a hiding that committed since the first read, and the flag is
		// then rolled back with the transaction rather than counted on a
		// hidden comment. A hiding that comes later waits for this flag
		// and keeps it, as hiding keeps every flag.
		if err := flaggable(tx.Comment(ctx, commentID)); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, "comment.flag", "comment", commentID, nil)
	})
}

// flaggable refuses to flag a comment that is missing or hidden, alike
// (comment_not_found): a hidden comment is not shown to those who flag.
func flaggable(cm Comment, err error) error {
	if err != nil {
		return commentNotFound(err)
	}
	if cm.State == CommentHidden {
		return apperr.R(apperr.NotFound, "comment_not_found", "No such comment.")
	}
	return nil
}

func commentNotFound(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.NotFound, "comment_not_found", "No such comment.")
	}
	return err
}

// FlaggedComments is a page of the moderators' queue, oldest first, each
// comment with its flags' reasons: limit of them (MaxListLimit when 0)
// after the comment with id after (from the first when empty); the last
// one's id is the next page's after. A comment moderated since its page
// was read still marks its place, so the next page follows on. Forbidden
// unless c is a city administrator; Invalid (bad_limit, bad_cursor: after
// is no comment that was ever flagged, which the queue never gave).
func (s *Service) FlaggedComments(ctx context.Context, c identity.Caller, after string, limit int) ([]Comment, error) {
	return s.moderationPage(ctx, c, CommentFlagged, after, limit, Tx.FlaggedComments)
}

// FlaggedCount is how many comments wait in the administrators' queue,
// for a page that shows the number and not the comments. Administrators
// only (not_admin), as the queue.
func (s *Service) FlaggedCount(ctx context.Context, c identity.Caller) (int, error) {
	if err := requireAdmin(c); err != nil {
		return 0, err
	}
	var n int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		n, err = tx.CountFlaggedComments(ctx)
		return err
	})
	return n, err
}

// HiddenComments lists a page of the comments moderators hid, oldest
// first as the other moderation lists, each with the flags it was hidden
// with, so that one hidden by mistake can be found and shown again
// (ShowComment): limit of them (MaxListLimit when 0) after the comment
// with id after (from the first when empty); the last one's id is the
// next page's after. A comment shown again since its page was read still
// marks its place, so the next page follows on. Forbidden unless c is a
// city administrator; Invalid (bad_limit, bad_cursor: after is no comment
// that was ever hidden, which the list never gave).
func (s *Service) HiddenComments(ctx context.Context, c identity.Caller, after string, limit int) ([]Comment, error) {
	return s.moderationPage(ctx, c, CommentHidden, after, limit, Tx.HiddenComments)
}

// moderationPage is a page of the comments in state that list gives, with
// their flags, for an administrator: the paging of FlaggedComments and
// HiddenComments.
func (s *Service) moderationPage(ctx context.Context, c identity.Caller, state, after string, limit int,
	list func(tx Tx, ctx context.Context, after string, limit int) ([]Comment, error)) ([]Comment, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	limit, err := listLimit(limit)
	if err != nil {
		return nil, err
	}
	out := []Comment{}
	err = s.store.View(ctx, func(tx Tx) error {
		if err := checkModerationCursor(ctx, tx, state, after); err != nil {
			return err
		}
		cs, err := list(tx, ctx, after, limit)
		if err == nil {
			out, err = withFlags(ctx, tx, cs)
		}
		return err
	})
	return out, err
}

// onceIn is, for each moderators' list, the audited action that shows a
// comment no longer in the list's state was once in it: a flag
// (comment.flag, recorded for every flag added) for the queue, which a
// comment leaves when kept or hidden; a showing (comment.show) for the
// hidden comments, which a comment leaves only when shown again
// (ModerateComment does not keep a hidden one).
var onceIn = map[string]string{CommentFlagged: "comment.flag", CommentHidden: "comment.show"}

// checkModerationCursor refuses (bad_cursor) a cursor of the moderators'
// list of the comments in state that the list never gave, as one naming
// no comment: a comment that was never in that state (one no one flagged,
// in the queue; one never hidden, in the hidden comments) would page the
// list from where it stands among every comment. One the list gave still
// marks its place once moderated: it is in the state still, or the audit
// log holds what shows it was (onceIn). An empty cursor starts from the
// first.
func checkModerationCursor(ctx context.Context, tx Tx, state, after string) error {
	if after == "" {
		return nil
	}
	cm, err := tx.Comment(ctx, after)
	if err != nil {
		return cursorError(err)
	}
	if cm.State == state {
		return nil
	}
	was, err := tx.Audited(ctx, onceIn[state], "comment", cm.ID)
	if err != nil {
		return fmt.Errorf("read the page cursor's moderation: %w", err)
	}
	if !was {
		return badCursor()
	}
	return nil
}

// withFlags gives the comments with their flags, for an administrator.
func withFlags(ctx context.Context, tx Tx, cs []Comment) ([]Comment, error) {
	out := []Comment{}
	if len(cs) == 0 {
		return out, nil
	}
	ids := make([]string, len(cs))
	for i, cm := range cs {
		ids[i] = cm.ID
	}
	flags, err := tx.CommentFlags(ctx, ids)
	if err != nil {
		return out, err
	}
	for i := range cs {
		cs[i].Flags = flags[cs[i].ID]
	}
	return append(out, cs...), nil
}

// ModeratedComment is one comment whatever its state, its words and its
// author's name, without its flags (the queue gives those): what a
// moderator confirms before hiding it. Forbidden unless c is a city
// administrator; NotFound (comment_not_found).
func (s *Service) ModeratedComment(ctx context.Context, c identity.Caller, commentID string) (Comment, error) {
	if err := requireAdmin(c); err != nil {
		return Comment{}, err
	}
	var out Comment
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Comment(ctx, commentID)
		return commentNotFound(err)
	})
	return out, err
}

// ModerateComment hides a comment, or keeps it visible, dismissing its
// flags (they are deleted and its flag count is zero again: whoever flagged
// it may flag it again, and it comes back to the queue if they do), as a
// city administrator. A hidden comment is not kept: showing it again is
// ShowComment's, audited as comment.show, and a moderator keeping a
// flagged comment that another one hid meanwhile would undo the hiding
// unknowingly. Hiding a comment that is hidden already, or keeping one
// that is visible already (kept by another moderator, or never flagged:
// it has no flags to dismiss), changes nothing and records nothing (its
// moderator stays the one who moderated it): a second moderator acting on
// a page read before the first one acted is not refused, as ShowComment
// does not refuse a comment shown already. Forbidden, NotFound, Invalid
// (bad_state), Conflict (comment_hidden).
func (s *Service) ModerateComment(ctx context.Context, c identity.Caller, commentID, state string) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	if state != CommentHidden && state != CommentVisible {
		return invalid("bad_state", "A comment is hidden or kept visible.")
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		// Locked: a comment hidden by another moderator after this read
		// would otherwise be kept visible all the same.
		cm, err := tx.LockComment(ctx, commentID)
		if err != nil {
			return commentNotFound(err)
		}
		if cm.State == state {
			return nil
		}
		if cm.State == CommentHidden {
			return apperr.R(apperr.Conflict, "comment_hidden", "The comment is hidden: only a visible comment is kept; show a hidden one again instead.")
		}
		if err := tx.SetCommentState(ctx, commentID, state, c.AccountID); err != nil {
			return commentNotFound(err)
		}
		return s.audit(ctx, tx, c, "comment.moderate", "comment", commentID, map[string]any{"state": state})
	})
}

// ShowComment shows a hidden comment again, as a city administrator: it is
// visible and its flags are dismissed, as when a moderator keeps a flagged
// comment, since showing it is deciding it may stand. A comment that is
// not hidden is left as it is and its state answered, as hiding a hidden
// comment changes nothing either: a moderator acting on a page another
// moderator already acted on is not refused. Forbidden, NotFound.
func (s *Service) ShowComment(ctx context.Context, c identity.Caller, commentID string) (state string, err error) {
	if err := requireAdmin(c); err != nil {
		return "", err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		// Locked: two moderators showing it at once would otherwise both
		// read it hidden, and the second, after the first had committed
		// and a citizen had flagged the comment shown, would dismiss that
		// new flag and record a second showing.
		cm, err := tx.LockComment(ctx, commentID)
		if err != nil {
			return commentNotFound(err)
		}
		if state = cm.State; state != CommentHidden {
			return nil
		}
		if err := tx.SetCommentState(ctx, commentID, CommentVisible, c.AccountID); err != nil {
			return commentNotFound(err)
		}
		state = CommentVisible
		return s.audit(ctx, tx, c, "comment.show", "comment", commentID, nil)
	})
	return state, err
}
