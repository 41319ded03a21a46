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
		if flagged, err := f.svc.FlaggedComments(ctx, admin, "", 0); err != nil || len(flagged) != 0 {
			t.Fatalf("queue after keeping the comment: %+v, %v", flagged, err)
		}
		// Anna thinks again and flags it: a flag of its own, not one
		// already recorded.
		must(t, f.svc.FlagComment(ctx, anna, c.ID, "ruder than I thought"))
		flagged, err := f.svc.FlaggedComments(ctx, admin, "", 0)
		if err != nil || len(flagged) != 1 || flagged[0].ID != c.ID || flagged[0].FlagCount != 1 || flagged[0].State != participation.CommentFlagged {
			t.Fatalf("queue after a flag following the keep: %+v, %v; want the comment flagged once", flagged, err)
		}
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		if flagged, _ := f.svc.FlaggedComments(ctx, admin, "", 0); len(flagged) != 1 || flagged[0].FlagCount != 2 {
			t.Fatalf("queue after a second flagger: %+v; want two flags", flagged)
		}
		// Hiding keeps the flags: the record of who reported it.
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		if flagged, _ := f.svc.FlaggedComments(ctx, admin, "", 0); len(flagged) != 0 {
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
		flagged, err := f.svc.FlaggedComments(ctx, admin, "", 0)
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

// A comment hidden by mistake is listed for administrators and shown
// again by one: visible to everyone, its flags dismissed as a kept
// comment's are, the showing audited. Only an administrator may; showing
// a comment that is not hidden changes nothing, as hiding a hidden one.
func TestHiddenCommentShownAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Sharp words, but fair")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		hidden, err := f.svc.HiddenComments(ctx, admin, "", 0)
		if err != nil || len(hidden) != 1 || hidden[0].ID != c.ID || len(hidden[0].Flags) != 1 || hidden[0].Flags[0].Reason != "rude" {
			t.Fatalf("hidden comments: %+v, %v; want the comment with its flag", hidden, err)
		}
		for _, who := range []identity.Caller{carla, bruno, roads, nobody} {
			_, err := f.svc.ShowComment(ctx, who, c.ID)
			wantCode(t, "show by "+who.AccountID, err, apperr.Forbidden, "not_admin")
			_, err = f.svc.HiddenComments(ctx, who, "", 0)
			wantCode(t, "hidden list for "+who.AccountID, err, apperr.Forbidden, "not_admin")
		}
		if state, err := f.svc.ShowComment(ctx, admin, c.ID); err != nil || state != participation.CommentVisible {
			t.Fatalf("show: %q, %v; want visible", state, err)
		}
		if cs, err := f.svc.Comments(ctx, p.ID, "", 0); err != nil || len(cs) != 1 || cs[0].ID != c.ID {
			t.Fatalf("proposal's comments once shown: %+v, %v", cs, err)
		}
		if hidden, _ := f.svc.HiddenComments(ctx, admin, "", 0); len(hidden) != 0 {
			t.Fatalf("a shown comment is still listed hidden: %+v", hidden)
		}
		// Its flags were dismissed: Bruno's new flag counts from zero.
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "still rude"))
		if flagged, _ := f.svc.FlaggedComments(ctx, admin, "", 0); len(flagged) != 1 || flagged[0].FlagCount != 1 {
			t.Fatalf("queue after a flag following the showing: %+v; want one flag", flagged)
		}
		// A comment not hidden (flagged, here) stays as it is.
		if state, err := f.svc.ShowComment(ctx, admin, c.ID); err != nil || state != participation.CommentFlagged {
			t.Fatalf("show a flagged comment: %q, %v; want it left flagged", state, err)
		}
		_, err = f.svc.ShowComment(ctx, admin, "cmt_missing")
		wantCode(t, "show a missing comment", err, apperr.NotFound, "comment_not_found")
		if shows := f.audited(t, "comment.show", ""); len(shows) != 1 || shows[0].ObjectID != c.ID || shows[0].ActorID != admin.AccountID {
			t.Fatalf("audit of showing: %+v; want one entry, the first showing's", shows)
		}
	})
}

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
		if moderated := f.audited(t, "comment.moderate", ""); len(moderated) != 1 {
			t.Fatalf("audit of moderation: %+v; want the hiding alone", moderated)
		}
		// Shown again, it may be kept as any visible comment.
		if state, err := f.svc.ShowComment(ctx, admin, c.ID); err != nil || state != participation.CommentVisible {
			t.Fatalf("show: %q, %v", state, err)
		}
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentVisible))
	})
}

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
		other := secondAdmin
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Words that cross the line")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		must(t, f.svc.ModerateComment(ctx, other, c.ID, participation.CommentHidden))
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		if got := f.audited(t, "comment.moderate", c.ID); len(got) != 1 || got[0].ActorID != admin.AccountID || got[0].Detail["state"] != participation.CommentHidden {
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
		if got := f.audited(t, "comment.moderate", c.ID); len(got) != 2 || got[1].ActorID != other.AccountID {
			t.Fatalf("audit after a hiding of the comment shown again: %+v; want it recorded", got)
		}
	})
}

// The hidden comments are read a page at a time, oldest first, each page
// after the last comment of the one before, where the list was the oldest
// MaxListLimit with no way past them. A comment shown again since its page
// was read still marks where the next page starts; a cursor that is no
// comment is bad_cursor, a page size outside 1 to MaxListLimit bad_limit.
func TestHiddenCommentsPaged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		var want []string
		for i := range 5 {
			f.clock.Add(time.Minute)
			c, err := f.svc.AddComment(ctx, carla, p.ID, fmt.Sprintf("Comment number %d", i))
			must(t, err)
			must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
			want = append(want, c.ID)
		}
		// One visible comment among them is not listed.
		f.clock.Add(time.Minute)
		_, err := f.svc.AddComment(ctx, carla, p.ID, "A fair remark")
		must(t, err)
		page := func(after string, limit int) []string {
			t.Helper()
			cs, err := f.svc.HiddenComments(ctx, admin, after, limit)
			must(t, err)
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return ids
		}
		first := page("", 2)
		if fmt.Sprint(first) != fmt.Sprint(want[:2]) {
			t.Fatalf("first page: %v, want %v", first, want[:2])
		}
		// The first page's last comment is shown again: the next page
		// still starts after it.
		if _, err := f.svc.ShowComment(ctx, admin, first[1]); err != nil {
			t.Fatal(err)
		}
		if got := page(first[1], 2); fmt.Sprint(got) != fmt.Sprint(want[2:4]) {
			t.Fatalf("second page: %v, want %v", got, want[2:4])
		}
		if got := page(want[3], 2); fmt.Sprint(got) != fmt.Sprint(want[4:]) {
			t.Fatalf("last page: %v, want %v", got, want[4:])
		}
		if got := page("", 0); len(got) != 4 {
			t.Fatalf("a page of the default size: %v, want the four still hidden", got)
		}
		_, err = f.svc.HiddenComments(ctx, admin, "cmt_missing", 2)
		wantCode(t, "a cursor that is no comment", err, apperr.Invalid, "bad_cursor")
		for _, limit := range []int{-1, participation.MaxListLimit + 1} {
			_, err = f.svc.HiddenComments(ctx, admin, "", limit)
			wantCode(t, fmt.Sprintf("limit %d", limit), err, apperr.Invalid, "bad_limit")
		}
	})
}

// A moderator reads the comment they are about to hide, with its author's
// name and its flags, in whatever state; no one else may (not_admin), and
// an unknown comment is comment_not_found.
func TestModeratedCommentRead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Sharp words, but fair")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
		got, err := f.svc.ModeratedComment(ctx, admin, c.ID)
		if err != nil || got.ID != c.ID || got.Body != c.Body || got.AuthorName != carla.Name {
			t.Fatalf("the comment to moderate: %+v, %v", got, err)
		}
		for _, who := range []identity.Caller{carla, bruno, roads, nobody} {
			_, err := f.svc.ModeratedComment(ctx, who, c.ID)
			wantCode(t, "read by "+who.AccountID, err, apperr.Forbidden, "not_admin")
		}
		_, err = f.svc.ModeratedComment(ctx, admin, "cmt_missing")
		wantCode(t, "a missing comment", err, apperr.NotFound, "comment_not_found")
	})
}

// The flagged comments are read a page at a time, oldest first, each page
// after the last comment of the one before, where the queue was the oldest
// MaxListLimit with no way past them. A comment moderated since its page
// was read still marks where the next page starts; a cursor that is no
// comment is bad_cursor, a page size outside 1 to MaxListLimit bad_limit.
func TestFlaggedCommentsPaged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		var want []string
		for i := range 5 {
			f.clock.Add(time.Minute)
			c, err := f.svc.AddComment(ctx, carla, p.ID, fmt.Sprintf("Comment number %d", i))
			must(t, err)
			must(t, f.svc.FlagComment(ctx, bruno, c.ID, "rude"))
			want = append(want, c.ID)
		}
		// A visible comment and a hidden one among them are not listed.
		f.clock.Add(time.Minute)
		_, err := f.svc.AddComment(ctx, carla, p.ID, "A fair remark")
		must(t, err)
		f.clock.Add(time.Minute)
		gone, err := f.svc.AddComment(ctx, carla, p.ID, "A rude remark")
		must(t, err)
		must(t, f.svc.FlagComment(ctx, bruno, gone.ID, "rude"))
		must(t, f.svc.ModerateComment(ctx, admin, gone.ID, participation.CommentHidden))
		page := func(after string, limit int) []string {
			t.Helper()
			cs, err := f.svc.FlaggedComments(ctx, admin, after, limit)
			must(t, err)
			var ids []string
			for _, c := range cs {
				if len(c.Flags) != 1 || c.Flags[0].Reason != "rude" {
					t.Fatalf("flagged comment %s listed with flags %+v, want its one", c.ID, c.Flags)
				}
				ids = append(ids, c.ID)
			}
			return ids
		}
		first := page("", 2)
		if fmt.Sprint(first) != fmt.Sprint(want[:2]) {
			t.Fatalf("first page: %v, want %v", first, want[:2])
		}
		// The first page's last comment is kept, leaving the queue: the
		// next page still starts after it.
		must(t, f.svc.ModerateComment(ctx, admin, first[1], participation.CommentVisible))
		if got := page(first[1], 2); fmt.Sprint(got) != fmt.Sprint(want[2:4]) {
			t.Fatalf("second page: %v, want %v", got, want[2:4])
		}
		if got := page(want[3], 2); fmt.Sprint(got) != fmt.Sprint(want[4:]) {
			t.Fatalf("last page: %v, want %v", got, want[4:])
		}
		if got := page("", 0); len(got) != 4 {
			t.Fatalf("a page of the default size: %v, want the four still flagged", got)
		}
		_, err = f.svc.FlaggedComments(ctx, admin, "cmt_missing", 2)
		wantCode(t, "a cursor that is no comment", err, apperr.Invalid, "bad_cursor")
		for _, limit := range []int{-1, participation.MaxListLimit + 1} {
			_, err = f.svc.FlaggedComments(ctx, admin, "", limit)
			wantCode(t, fmt.Sprintf("limit %d", limit), err, apperr.Invalid, "bad_limit")
		}
		for _, who := range []identity.Caller{carla, roads, nobody} {
			_, err := f.svc.FlaggedComments(ctx, who, "", 2)
			wantCode(t, "flagged list for "+who.AccountID, err, apperr.Forbidden, "not_admin")
		}
	})
}

// Moderators showing one hidden comment at once: it is shown once, one
// showing is recorded, and a flag given once it is visible stands.
func TestHiddenCommentShownOnceUnderARace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Sharp words, but fair")
		must(t, err)
		must(t, f.svc.ModerateComment(ctx, admin, c.ID, participation.CommentHidden))
		const n = 8
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, n+1)
		for range n {
			wg.Go(func() {
				<-start
				_, err := f.svc.ShowComment(ctx, admin, c.ID)
				errs <- err
			})
		}
		// A citizen flags it as soon as it shows, while the others race.
		wg.Go(func() {
			<-start
			for {
				err := f.svc.FlagComment(ctx, bruno, c.ID, "rude")
				if err == nil || apperr.CodeOf(err) != apperr.NotFound {
					errs <- err
					return
				}
			}
		})
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		if shows := f.audited(t, "comment.show", ""); len(shows) != 1 {
			t.Fatalf("one comment shown by %d racing moderators, recorded %d times", n, len(shows))
		}
		if flagged, _ := f.svc.FlaggedComments(ctx, admin, "", 0); len(flagged) != 1 || flagged[0].FlagCount != 1 {
			t.Fatalf("the flag given once it showed: %+v; want it standing", flagged)
		}
	})
}

// The reports queue shows how many comments wait for the administrators:
// a count of the flagged ones (not the visible or hidden), administrators
// only, as the queue.
func TestFlaggedCount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		var ids []string
		for i := range 4 {
			cm, err := f.svc.AddComment(ctx, carla, p.ID, fmt.Sprintf("Comment %d", i))
			must(t, err)
			ids = append(ids, cm.ID)
		}
		for _, id := range ids[:3] {
			must(t, f.svc.FlagComment(ctx, bruno, id, ""))
		}
		must(t, f.svc.ModerateComment(ctx, admin, ids[2], participation.CommentHidden))
		if n, err := f.svc.FlaggedCount(ctx, admin); err != nil || n != 2 {
			t.Fatalf("flagged count: %d, %v; want the two still flagged", n, err)
		}
		_, err := f.svc.FlaggedCount(ctx, roads)
		wantCode(t, "office staff", err, apperr.Forbidden, "not_admin")
	})
}
