package mobility_test

import (
	"context"
	"math"
	"testing"

	"cityhub/apperr"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A dock's number outside the station's docks is answered with the
// station's range whatever its size: 99 was "This station has docks 1 to
// 6." while 99999999999999999999 (read as the largest int) and -1 were
// "Give the dock's number.", which the rider had given. Only a report
// without a number (0) is asked for one. Nothing is filed.
func TestFaultReportDockOutOfRangeNamesTheRange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("rng", 1, 6)); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_anna")
		for _, tc := range []struct {
			dock int
			want string
		}{
			{7, "This station has docks 1 to 6."},
			{99, "This station has docks 1 to 6."},
			{mobility.MaxCapacity + 1, "This station has docks 1 to 6."},
			{math.MaxInt, "This station has docks 1 to 6."},
			{-1, "This station has docks 1 to 6."},
			{math.MinInt, "This station has docks 1 to 6."},
			{0, "Give the dock's number."},
		} {
			_, _, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "rng-001", Target: mobility.TargetDock, Dock: tc.dock, Description: "non si blocca"})
			if apperr.ReasonOf(err) != "report_dock" || !apperr.Has(err, apperr.Invalid) || apperr.MessageOf(err) != tc.want {
				t.Errorf("dock %d: %v, want report_dock %q", tc.dock, err, tc.want)
			}
		}
		if mine, err := svc.MyReports(ctx, anna); err != nil || len(mine) != 0 {
			t.Errorf("refused reports filed %+v %v", mine, err)
		}
	})
}
