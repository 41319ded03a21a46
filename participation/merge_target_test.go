package participation_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// MergeTarget, which a page asks before it asks a person to confirm a
// merge, refuses what Merge refuses, with Merge's reasons, and changes
// nothing; what it takes, Merge takes.
func TestMergeTargetAnswersAsMerge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mine := f.report(t, anna, pothole(archLat, archLon))
		twin := f.report(t, bruno, pothole(nearArchLat, nearArchLon))
		fixed := f.report(t, carla, pothole(nearArchLat, nearArchLon))
		_, err := f.svc.ChangeStatus(ctx, roads, fixed.ID, participation.StatusFixed, "Filled.")
		must(t, err)
		sign := f.report(t, bruno, participation.NewReport{Category: "signage", Located: true, Lat: nearArchLat, Lon: nearArchLon,
			Description: "A stop sign knocked down."})
		lamp := f.report(t, carla, participation.NewReport{Category: "lighting", Located: true, Lat: nearArchLat, Lon: nearArchLon,
			Description: "Lamp out here."})

		for _, c := range []struct {
			what, into string
			code       apperr.Code
			reason     string
		}{
			{"no target", "", apperr.Invalid, "missing_field"},
			{"itself", mine.ID, apperr.Invalid, "same_report"},
			{"a report that does not exist", "rep_nope", apperr.NotFound, "report_not_found"},
			{"another office's", lamp.ID, apperr.Forbidden, "merge_other_office"},
			{"another category", sign.ID, apperr.Conflict, "merge_other_category"},
			{"a fixed report", fixed.ID, apperr.Conflict, "merge_target_closed"},
		} {
			_, err := f.svc.MergeTarget(ctx, roads, mine.ID, c.into)
			wantCode(t, "target: "+c.what, err, c.code, c.reason)
			_, err = f.svc.Merge(ctx, roads, mine.ID, c.into, "")
			wantCode(t, "merge: "+c.what, err, c.code, c.reason)
		}
		_, err = f.svc.MergeTarget(ctx, carla, mine.ID, twin.ID)
		wantCode(t, "a citizen asks", err, apperr.Forbidden, "")

		target, err := f.svc.MergeTarget(ctx, roads, mine.ID, twin.ID)
		if err != nil || target.ID != twin.ID {
			t.Fatalf("the twin as a target: %+v, %v", target, err)
		}
		if v, err := f.svc.Report(ctx, roads, mine.ID); err != nil || v.Report.Status != participation.StatusOpen || v.Report.MergedInto != "" {
			t.Fatalf("asking for the target changed the report: %+v, %v", v.Report, err)
		}
		merged, err := f.svc.Merge(ctx, roads, mine.ID, twin.ID, "")
		if err != nil || merged.MergedInto != twin.ID {
			t.Fatalf("the merge the target promised: %+v, %v", merged, err)
		}
		_, err = f.svc.MergeTarget(ctx, roads, mine.ID, twin.ID)
		wantCode(t, "a report merged already", err, apperr.Conflict, "bad_transition")
	})
}
