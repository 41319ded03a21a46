package participation_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// Erasing an account moves the updated_at (Open311's updated_datetime) of
// each report whose name the public saw, in the erasure's transaction, so
// that an open data reader or Open311 client that syncs by it fetches the
// report again and drops the name; a report whose name was never public
// (not chosen, or redacted) keeps its time. A report changed after the
// erasure's clock still moves, just past where it stood.
func TestErasureMovesNamedReports(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		named := func(lat, lon float64) participation.NewReport {
			n := pothole(lat, lon)
			n.PublicName = true
			return n
		}
		shown := f.report(t, bruno, named(archLat, archLon))
		quiet := f.report(t, bruno, pothole(nearArchLat, nearArchLon))
		hidden := f.report(t, bruno, named(stationLat, stationLon))
		_, err := f.svc.Redact(ctx, roads, hidden.ID, true)
		must(t, err)
		other := f.report(t, anna, named(archLat, archLon))
		f.clock.Add(time.Hour)
		erasedAt := f.clock.Now()
		f.clock.Add(time.Hour)
		// Staff show again a report of bruno's after the erasure's
		// clock reads (another replica's clock, behind).
		late := f.report(t, bruno, named(nearArchLat, nearArchLon))
		late, err = f.svc.Redact(ctx, roads, late.ID, false)
		must(t, err)
		before := publicTimes(t, f)

		// An erasure that fails later in its transaction moves nothing.
		failed := errors.New("later step failed")
		err = db.Identity().InTx(ctx, func(tx identity.Tx) error {
			if err := identity.EraseTx(ctx, tx, bruno.AccountID, erasedAt); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("erase: %v", err)
		}
		if got := publicTimes(t, f); !equalTimes(got, before) {
			t.Fatalf("a rolled back erasure moved %v to %v", before, got)
		}

		must(t, db.Identity().InTx(ctx, func(tx identity.Tx) error { return identity.EraseTx(ctx, tx, bruno.AccountID, erasedAt) }))
		after := publicTimes(t, f)
		want := map[string]time.Time{
			shown.ID: erasedAt, quiet.ID: before[quiet.ID], hidden.ID: before[hidden.ID], other.ID: before[other.ID],
			late.ID: late.UpdatedAt.Add(time.Microsecond),
		}
		for id, w := range want {
			if !after[id].Equal(w) {
				t.Errorf("report %s: updated_at %v, want %v (was %v)", id, after[id], w, before[id])
			}
		}

		od, err := f.svc.OpenData(ctx)
		must(t, err)
		var w bytes.Buffer
		must(t, participation.WriteReportsCSV(&w, od))
		if strings.Contains(w.String(), bruno.Name) {
			t.Fatalf("reports.csv keeps the erased name:\n%s", w.String())
		}
		rows, err := csv.NewReader(&w).ReadAll()
		must(t, err)
		for _, row := range rows[1:] {
			if row[0] == shown.ID && row[12] != erasedAt.Format(time.RFC3339) {
				t.Errorf("reports.csv: updated_at %s, want %s", row[12], erasedAt.Format(time.RFC3339))
			}
		}
	})
}

// publicTimes is every public report's updated_at by id, as the open data
// gives it.
func publicTimes(t *testing.T, f *fixture) map[string]time.Time {
	t.Helper()
	od, err := f.svc.OpenData(context.Background())
	must(t, err)
	out := map[string]time.Time{}
	for _, r := range od.Reports {
		out[r.ID] = r.UpdatedAt
	}
	return out
}

func equalTimes(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !b[k].Equal(v) {
			return false
		}
	}
	return true
}

// Erasing an account blanks the reasons it typed when it flagged comments:
// the flags stay (the comment's count and the moderators' record of it),
// the words, which were the person's own, go; other people's stay.
func TestErasureBlanksFlagReasons(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, carla, p.ID, "Sharp words")
		must(t, err)
		t0 := f.clock.Now()
		must(t, f.svc.FlagComment(ctx, bruno, c.ID, "I am Bruno from via Roma and this insults me"))
		f.clock.Add(time.Minute)
		must(t, f.svc.FlagComment(ctx, anna, c.ID, "Insults another citizen"))

		must(t, db.Identity().InTx(ctx, func(tx identity.Tx) error { return identity.EraseTx(ctx, tx, bruno.AccountID, f.clock.Now()) }))
		queue, err := f.svc.FlaggedComments(ctx, admin, "", 0)
		must(t, err)
		if len(queue) != 1 || queue[0].ID != c.ID || queue[0].FlagCount != 2 || len(queue[0].Flags) != 2 {
			t.Fatalf("after the erasure the queue is %+v; want the comment with its two flags", queue)
		}
		want := []participation.CommentFlag{{Reason: "", At: t0}, {Reason: "Insults another citizen", At: t0.Add(time.Minute)}}
		for i, w := range want {
			if got := queue[0].Flags[i]; got.Reason != w.Reason || !got.At.Equal(w.At) {
				t.Errorf("flag %d after the erasure: %+v; want %+v", i, got, w)
			}
		}
	})
}
