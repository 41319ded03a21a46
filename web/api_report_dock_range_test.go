package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store/storetest"
)

// A fault report's dock outside the station's docks is answered with the
// station's range however the number is written: 99999999999999999999 and
// 1e10 were "Give the dock's number." (and 1e10 first a wrong type) where
// 99 was "This station has docks 1 to 6.". A report without a dock is
// asked for one.
func TestAPIFaultReportDockOutOfRange(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
			})
			if err := simulator.SeedCatalogue(t.Context(), env.Deps.Mobility, simulator.Layout("dkr", 1, 6)); err != nil {
				t.Fatal(err)
			}
			_, anna := env.account(t, identity.RoleCitizen)
			for _, tc := range []struct{ dock, detail string }{
				{"99", "This station has docks 1 to 6."},
				{"99999999999999999999", "This station has docks 1 to 6."},
				{"1e10", "This station has docks 1 to 6."},
				{"-1", "This station has docks 1 to 6."},
				{"-99999999999999999999", "This station has docks 1 to 6."},
				{"0", "Give the dock's number."},
			} {
				rec := env.do(t, "POST", "/api/v1/mobility/fault-reports", anna, `{"station_id":"dkr-001","target":"dock","dock":`+tc.dock+`,"description":"non si blocca"}`)
				if p := wantProblem(t, rec, http.StatusBadRequest); p.Reason != "report_dock" || p.Detail != tc.detail {
					t.Errorf("dock %s: %s %q, want report_dock %q", tc.dock, p.Reason, p.Detail, tc.detail)
				}
			}
			rec := env.do(t, "GET", "/api/v1/mobility/fault-reports", anna, "")
			if body := mustStatus(t, rec, http.StatusOK).Body.String(); body != "{\"reports\":[]}\n" {
				t.Errorf("refused reports filed: %s", body)
			}
		})
	}
}
