package participation_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/mail"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A report retried with its idempotency key answers the first report and
// makes nothing new, photos included; the same key with another report is
// a conflict; concurrent retries make one report.
func TestSubmitReportWithKeyReplays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		n := pothole(archLat, archLon)
		n.Photos = []participation.Photo{{Width: 2, Height: 2, Image: []byte("jpeg-1"), Thumbnail: []byte("thumb-1")}}

		first, replayed, err := f.svc.SubmitReportWithKey(ctx, anna, "k-1", n)
		must(t, err)
		if replayed {
			t.Fatal("first submission replayed")
		}
		again, replayed, err := f.svc.SubmitReportWithKey(ctx, anna, "k-1", n)
		must(t, err)
		if !replayed || again.ID != first.ID || again.Token != first.Token || !again.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("retry: replayed=%v %s, want the first report %s", replayed, again.ID, first.ID)
		}

		// Another photo under the same key is another request.
		other := n
		other.Photos = []participation.Photo{{Width: 2, Height: 2, Image: []byte("jpeg-2"), Thumbnail: []byte("thumb-2")}}
		_, _, err = f.svc.SubmitReportWithKey(ctx, anna, "k-1", other)
		wantCode(t, "same key, other photo", err, apperr.Conflict, "idempotency_key_reused")

		// The key is the citizen's own: another citizen's k-1 is new.
		if b, replayed, err := f.svc.SubmitReportWithKey(ctx, bruno, "k-1", n); err != nil || replayed || b.ID == first.ID {
			t.Fatalf("another citizen's key: %v replayed=%v", err, replayed)
		}

		// Sixteen racing retries of a new key make one report.
		ok, errs := race(16, func() error {
			_, _, err := f.svc.SubmitReportWithKey(ctx, carla, "k-race", n)
			return err
		})
		if ok != 16 {
			t.Fatalf("racing retries: %d succeeded, errors %v", ok, errs)
		}

		for who, want := range map[string]int{anna.AccountID: 1, carla.AccountID: 1} {
			c := anna
			if who == carla.AccountID {
				c = carla
			}
			mine, err := f.svc.MyReports(ctx, c, "", 0)
			must(t, err)
			if len(mine) != want {
				t.Fatalf("%s has %d reports, want %d", who, len(mine), want)
			}
		}
		v, err := f.svc.Report(ctx, anna, first.ID)
		must(t, err)
		if len(v.Photos) != 1 {
			t.Fatalf("the report has %d photos, want 1", len(v.Photos))
		}
		// One receipt a report, whatever its retries and races.
		receipts := map[string]int{}
		for _, m := range f.outbox(t) {
			if m.Kind == mail.KindReportReceived {
				receipts[m.To]++
			}
		}
		if receipts[anna.Email] != 1 || receipts[bruno.Email] != 1 || receipts[carla.Email] != 1 || len(receipts) != 3 {
			t.Fatalf("receipts %v, want one to each reporter", receipts)
		}
		// A bad key is refused before anything is made.
		_, _, err = f.svc.SubmitReportWithKey(ctx, anna, "bad key", n)
		wantCode(t, "bad key", err, apperr.Invalid, "idempotency_key_invalid")
	})
}
