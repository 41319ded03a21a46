package web

import (
	"net/http"
	"testing"

	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store/storetest"
)

// The stations near a position: what is not a position on the Earth
// (NaN, infinities, out of range, half of one) is 400 reason position, and
// a real one lists every station with its distance in meters.
func TestStationsNearAPositionRefuseImpossiblePositions(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
			})
			if err := simulator.SeedCatalogue(t.Context(), env.Deps.Mobility, simulator.Layout("pos", 3, 4)); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{"lat=NaN&lon=NaN", "lat=nan&lon=14.78", "lat=41.13&lon=NaN", "lat=Inf&lon=14.78", "lat=41.13&lon=-Inf",
				"lat=91&lon=14.78", "lat=41.13&lon=180.5", "lat=41.13", "lon=14.78", "lat=north&lon=14.78"} {
				if p := wantProblem(t, env.do(t, "GET", "/api/v1/mobility/stations?"+q, "", ""), http.StatusBadRequest); p.Reason != "position" {
					t.Errorf("%s: reason %q, want position", q, p.Reason)
				}
			}
			var list struct{ Stations []mobility.StationView }
			rec := env.do(t, "GET", "/api/v1/mobility/stations?lat=41.1298&lon=14.7826", "", "")
			wantStatus(t, rec, http.StatusOK)
			decodeInto(t, rec, &list)
			if len(list.Stations) != 3 {
				t.Fatalf("stations %+v", list.Stations)
			}
			for _, st := range list.Stations {
				if st.DistanceMeters == nil || *st.DistanceMeters < 0 || *st.DistanceMeters > 5000 {
					t.Errorf("%s: distance %v, want a few hundred meters", st.ID, st.DistanceMeters)
				}
			}
		})
	}
}
