package participation_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A comment kept visible has its flags dismissed: those who flagged it may
// flag it again, and it comes back to the moderators' queue, counted from
// zero.
func TestKeptCommentMayBeFlaggedAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Sharp words, but fair")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, anna, c.ID, "rude"))
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentVisible))
		if flagged, err := f.svc.FlaggedComments(ctx, admin); err != nil || len(flagged) != 0 {
			t.Fatalf("queue after keeping the comment: %+v, %v", flagged, err)
		}
		// Anna thinks again and flags it: a flag of its own, not one
		// already recorded.
		must(t, f.svc.FlagComment(ctx, anna, c.ID, "ruder than I thought"))
		flagged, err := f.svc.FlaggedComments(ctx, admin)
		if err != nil || len(flagged) != 1 || flagged[0].ID != c.ID || flagged[0].FlagCount != 1 || flagged[0].State != participation.CommentFlagged {
			t.Fatalf("queue after a flag following the keep: %+v, %v; want the comment flagged once", flagged, err)
		}
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		if flagged, _ := f.svc.FlaggedComments(ctx, admin); len(flagged) != 1 || flagged[0].FlagCount != 2 {
			t.Fatalf("queue after a second flagger: %+v; want two flags", flagged)
		}
		// Hiding keeps the flags: the record of who reported it.
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		if flagged, _ := f.svc.FlaggedComments(ctx, admin); len(flagged) != 0 {
			t.Fatalf("a hidden comment is queued: %+v", flagged)
		}
	})
}

// A hidden comment cannot be flagged, by an earlier flagger or a new one:
// it is not found, as a comment that does not exist, and its flags, its
// count and its state stay as the administrator left them.
func TestHiddenCommentCannotBeFlagged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Words that cross the line")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, anna, c.ID, "rude"))
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		for _, who := range []identity.Caller{anna, bruno} {
			err := f.svc.FlagComment(ctx, who, c.ID, "still rude")
			wantCode(t, "flag a hidden comment", err, apperr.NotFound, "comment_not_found")
		}
		missing := f.svc.FlagComment(ctx, bruno, "cmt_nope", "rude")
		if apperr.ReasonOf(missing) != "comment_not_found" || apperr.MessageOf(missing) != apperr.MessageOf(f.svc.FlagComment(ctx, bruno, c.ID, "rude")) {
			t.Fatalf("a hidden comment is refused otherwise than a missing one: %v", missing)
		}
		must(t, db.Participation().View(ctx, func(tx participation.Tx) error {
			got, err := tx.Comment(ctx, c.ID)
			if err == nil && (got.State != participation.CommentHidden || got.FlagCount != 1) {
				t.Errorf("hidden comment after flags: state %s, %d flags; want hidden, 1", got.State, got.FlagCount)
			}
			return err
		}))
	})
}

// Flags racing an administrator keeping the comment: each is either
// dismissed with the others or counted after the keep, never lost nor
// counted without its record. Once every flagger has flagged again (a
// no-op for a flag that stayed), the count is exactly the flaggers.
func TestFlagsRacingKeepStayCounted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Contested words")
		must(t, err)
		const flaggers = 24
		citizens := make([]identity.Caller, flaggers)
		for i := range citizens {
			citizens[i] = identity.Caller{AccountID: fmt.Sprintf("acc_flagger_%02d", i), Name: "Flagger",
				Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		}
		// Half have flagged before the administrator looks.
		for _, who := range citizens[:flaggers/2] {
			must(t, f.svc.FlagComment(ctx, who, c.ID, "rude"))
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, flaggers+1)
		wg.Go(func() {
			<-start
			errs <- f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentVisible)
		})
		for _, who := range citizens {
			wg.Go(func() {
				<-start
				errs <- f.svc.FlagComment(ctx, who, c.ID, "rude")
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		for _, who := range citizens {
			must(t, f.svc.FlagComment(ctx, who, c.ID, "rude"))
		}
		flagged, err := f.svc.FlaggedComments(ctx, admin)
		if err != nil || len(flagged) != 1 || flagged[0].FlagCount != flaggers {
			t.Fatalf("queue after every flagger flagged again: %+v, %v; want the comment with %d flags", flagged, err, flaggers)
		}
	})
}

// Redacting a report, and approving or hiding an approved photo, moves its
// updated time: an Open311 client or an open data reader that syncs by it
// fetches the report again and drops what staff hid. A change the public
// does not see (hiding a pending photo) leaves it.
func TestRedactionAndPhotoModerationMoveUpdatedTime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		n := pothole(archLat, archLon)
		jpeg := []byte{0xff, 0xd8, 0xff, 0xd9}
		n.Photos = []participation.Photo{{Width: 1, Height: 1, Image: jpeg, Thumbnail: jpeg}, {Width: 1, Height: 1, Image: jpeg, Thumbnail: jpeg}}
		r := f.report(t, anna, n)
		v, err := f.svc.Report(ctx, roads, r.ID)
		must(t, err)
		shown, pending := v.Photos[0].ID, v.Photos[1].ID

		updated := func() time.Time {
			t.Helper()
			pr, err := f.svc.PublicReport(ctx, r.ID)
			must(t, err)
			return pr.UpdatedAt
		}
		last := updated()
		step := func(what string, moved bool, change func() error) {
			t.Helper()
			f.clock.Add(time.Hour)
			must(t, change())
			got := updated()
			if want := f.clock.Now(); moved && !got.Equal(want) {
				t.Fatalf("%s: updated at %v, want %v", what, got, want)
			}
			if !moved && !got.Equal(last) {
				t.Fatalf("%s: updated at %v, want it left at %v", what, got, last)
			}
			last = got
		}
		step("redacted", true, func() error { _, err := f.svc.Redact(ctx, roads, r.ID, true); return err })
		step("shown again", true, func() error { _, err := f.svc.Redact(ctx, roads, r.ID, false); return err })
		step("photo approved", true, func() error { return f.svc.ModeratePhoto(ctx, roads, shown, participation.PhotoApproved) })
		step("approved photo hidden", true, func() error { return f.svc.ModeratePhoto(ctx, roads, shown, participation.PhotoHidden) })
		step("pending photo hidden", false, func() error { return f.svc.ModeratePhoto(ctx, roads, pending, participation.PhotoHidden) })

		// The open data gives the redacted report with its new time.
		f.clock.Add(time.Hour)
		_, err = f.svc.Redact(ctx, roads, r.ID, true)
		must(t, err)
		od, err := f.svc.OpenData(ctx)
		must(t, err)
		if len(od.Reports) != 1 || !od.Reports[0].UpdatedAt.Equal(f.clock.Now()) || od.Reports[0].Description != participation.RedactedText {
			t.Fatalf("open data's reports after redaction: %+v", od.Reports)
		}
	})
}
