package participation_test

import (
	"context"
	"fmt"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// Keeping a comment that is visible already changes nothing, as hiding a
// hidden one does: no second comment.moderate entry, where each keep
// recorded one, and no error, so that a second moderator acting on a page
// read before the first one kept it is answered as the first was. A
// comment no one flagged has nothing to dismiss: keeping it records
// nothing either. Flagged again, it may be kept again, recorded anew.
func TestKeepingAVisibleCommentChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		other := secondAdmin
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Sharp words, but fair")
		must(t, err)
		plain, err := f.svc.AddComment(ctx, carla, p.ID, "A fair remark")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		for _, who := range []identity.Caller{admin, other, admin} {
			must(t, f.svc.ModerateComment(ctx, who, c.ID, participation.CommentVisible))
		}
		must(t, f.svc.ModerateComment(ctx, other, plain.ID, participation.CommentVisible))
		if got := f.audited(t, "comment.moderate", c.ID); len(got) != 1 || got[0].ActorID != admin.AccountID || got[0].Detail["state"] != participation.CommentVisible {
			t.Fatalf("audit of three keeps of one comment: %+v; want the first alone", got)
		}
		if got := f.audited(t, "comment.moderate", plain.ID); len(got) != 0 {
			t.Fatalf("audit of keeping a comment no one flagged: %+v; want none", got)
		}
		cs, err := f.svc.Comments(ctx, p.ID, "", 0)
		if err != nil || len(cs) != 2 {
			t.Fatalf("the proposal's comments after the keeps: %+v, %v; want both", cs, err)
		}

		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "ruder than I thought"))
		must(t, f.svc.ModerateComment(ctx, other, c.ID, participation.CommentVisible))
		if got := f.audited(t, "comment.moderate", c.ID); len(got) != 2 || got[1].ActorID != other.AccountID {
			t.Fatalf("audit after a keep of the comment flagged again: %+v; want it recorded", got)
		}
		if flagged, _ := f.svc.FlaggedComments(ctx, admin, "", 0); len(flagged) != 0 {
			t.Fatalf("queue after the second keep: %+v; want it empty", flagged)
		}
	})
}

// Two moderators keeping one flagged comment at once: it is kept once,
// one comment.moderate entry recorded, the other keep answered as a keep
// of a visible comment is. Many comments, each raced, so that the keeps
// overlap for real.
func TestKeepingACommentOnceUnderARace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		other := secondAdmin
		p := proposal(t, f, anna, 0)
		for i := range 16 {
			c, err := f.svc.AddComment(ctx, carla, p.ID, fmt.Sprintf("Contested words number %d", i))
			must(t, err)
			must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
			turn := make(chan identity.Caller, 2)
			turn <- admin
			turn <- other
			ok, errs := race(2, func() error { return f.svc.ModerateComment(ctx, <-turn, c.ID, participation.CommentVisible) })
			if ok != 2 {
				t.Fatalf("comment %d: keeps failed: %v", i, errs)
			}
			if got := f.audited(t, "comment.moderate", c.ID); len(got) != 1 {
				t.Fatalf("comment %d kept by two moderators at once, recorded %d times: %+v", i, len(got), got)
			}
		}
	})
}
