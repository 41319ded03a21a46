package participation_test

import (
	"context"
	"testing"

	"cityhub/audit"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// Hiding a comment that is hidden already changes nothing: no second
// comment.moderate entry, where each hiding recorded one, the comment
// still hidden with its flags, and no error, so that a second moderator
// acting on a page read before the first one hid it is answered as the
// first was. A comment shown again may be hidden again, recorded anew.
func TestHidingAHiddenCommentChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		other := identity.Caller{AccountID: "acc_admin_two", Name: "Second admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Words that cross the line")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		moderated := func() []audit.Entry {
			t.Helper()
			var out []audit.Entry
			must(t, db.Participation().View(ctx, func(tx participation.Tx) error {
				var err error
				out, err = tx.ListAudit(ctx, audit.Filter{Action: "comment.moderate", ObjectID: c.ID})
				return err
			}))
			return out
		}
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		must(t, f.svc.ModerateComment(ctx, other, c.ID, participation.CommentHidden))
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		if got := moderated(); len(got) != 1 || got[0].ActorID != admin.AccountID || got[0].Detail["state"] != participation.CommentHidden {
			t.Fatalf("audit of three hidings of one comment: %+v; want the first alone", got)
		}
		hidden, err := f.svc.HiddenComments(ctx, admin, "", 0)
		if err != nil || len(hidden) != 1 || hidden[0].ID != c.ID || hidden[0].State != participation.CommentHidden || len(hidden[0].Flags) != 1 {
			t.Fatalf("hidden comments after hiding it again: %+v, %v; want the comment with its flag", hidden, err)
		}

		if state, err := f.svc.ShowComment(ctx, admin, c.ID); err != nil || state != participation.CommentVisible {
			t.Fatalf("show: %q, %v", state, err)
		}
		must(t, f.svc.ModerateComment(ctx, other, c.ID, participation.CommentHidden))
		if got := moderated(); len(got) != 2 || got[1].ActorID != other.AccountID {
			t.Fatalf("audit after a hiding of the comment shown again: %+v; want it recorded", got)
		}
	})
}
