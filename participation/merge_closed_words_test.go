package participation_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A merge into a closed report, or of one, is refused in words that say
// how it closed, as English writes it ("was merged into another report"),
// where the status code was set in the sentence ("The report to merge
// into is duplicate", "A report that is duplicate cannot be merged").
func TestMergeIntoAClosedReportSaysHowItClosed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mine := f.report(t, anna, pothole(archLat, archLon))
		closed := func(status string) string {
			r := f.report(t, carla, pothole(nearArchLat, nearArchLon))
			var err error
			if status == participation.StatusDuplicate {
				other := f.report(t, bruno, pothole(nearArchLat, nearArchLon))
				_, err = f.svc.Merge(ctx, roads, r.ID, other.ID, "")
			} else {
				_, err = f.svc.ChangeStatus(ctx, roads, r.ID, status, "Not ours.")
			}
			must(t, err)
			return r.ID
		}
		for status, want := range map[string]string{
			participation.StatusFixed:     "The report to merge into is fixed: choose one still being worked.",
			participation.StatusRejected:  "The report to merge into was rejected: choose one still being worked.",
			participation.StatusDuplicate: "The report to merge into was merged into another report: choose one still being worked.",
		} {
			into := closed(status)
			for what, err := range map[string]error{
				"merge":  func() error { _, err := f.svc.Merge(ctx, roads, mine.ID, into, ""); return err }(),
				"target": func() error { _, err := f.svc.MergeTarget(ctx, roads, mine.ID, into); return err }(),
			} {
				wantCode(t, what+" into a report "+status, err, apperr.Conflict, "merge_target_closed")
				if got := apperr.MessageOf(err); got != want {
					t.Errorf("%s into a report %s: %q, want %q", what, status, got, want)
				}
			}
			// The closed report itself is refused a merge as plainly.
			_, err := f.svc.Merge(ctx, roads, into, mine.ID, "")
			wantCode(t, "merge a report "+status, err, apperr.Conflict, "bad_transition")
			if got, want := apperr.MessageOf(err), "This report "+map[string]string{participation.StatusFixed: "is fixed",
				participation.StatusRejected: "was rejected", participation.StatusDuplicate: "was merged into another report"}[status]+
				": a closed report cannot be merged."; got != want {
				t.Errorf("merge a report %s: %q, want %q", status, got, want)
			}
		}
	})
}
