package participation_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// Keeping a comment visible is for one that is visible (flagged or not):
// a hidden comment is shown again only by ShowComment, which records
// comment.show. ModerateComment keeping a hidden one is 409
// (comment_hidden) and changes nothing, where it showed the comment again
// recorded as a moderation, the same decision audited two ways; and a
// moderator keeping a flagged comment another one hid meanwhile would have
// undone the hiding unknowingly.
func TestKeepingAHiddenCommentIsRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Words that cross the line")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		err = f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentVisible)
		wantCode(t, "keep a hidden comment", err, apperr.Conflict, "comment_hidden")
		hidden, err := f.svc.HiddenComments(ctx, admin, "", 0)
		if err != nil || len(hidden) != 1 || hidden[0].ID != c.ID || len(hidden[0].Flags) != 1 {
			t.Fatalf("hidden comments after a refused keep: %+v, %v; want the comment with its flag", hidden, err)
		}
		var moderated []audit.Entry
		must(t, db.Participation().View(ctx, func(tx participation.Tx) error {
			moderated, err = tx.ListAudit(ctx, audit.Filter{Action: "comment.moderate"})
			return err
		}))
		if len(moderated) != 1 {
			t.Fatalf("audit of moderation: %+v; want the hiding alone", moderated)
		}
		// Shown again, it may be kept as any visible comment.
		if state, err := f.svc.ShowComment(ctx, admin, c.ID); err != nil || state != participation.CommentVisible {
			t.Fatalf("show: %q, %v", state, err)
		}
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentVisible))
	})
}
