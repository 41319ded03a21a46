package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
)

// A second POST of a code already in the catalogue is a 409 problem, and the
// first object stays exactly as it was created.
func TestCatalogueCreateOfATakenCodeIsAConflict(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				d.Mobility = mobility.NewService(env.DB.Mobility(), nil, nil)
			})
			admin := env.login(t, identity.RoleAdmin)
			for _, c := range []struct {
				path, first, second, reason string
			}{
				{"/api/v1/admin/mobility/stations", `{"id":"roma","name_it":"Piazza Roma","lat":41.13,"lon":14.78,"capacity":12,"open":true}`,
					`{"id":"roma","name_it":"Altra piazza","lat":40.1,"lon":13.2,"capacity":3,"open":false}`, "station_exists"},
				{"/api/v1/admin/mobility/pricing-plans", `{"id":"notte","name_it":"Notte","unlock_cents":50,"per_min_pricing":[{"start":0,"rate_cents":5,"interval":1}]}`,
					`{"id":"notte","name_it":"Giorno","unlock_cents":900,"per_min_pricing":[]}`, "pricing_plan_exists"},
				{"/api/v1/admin/mobility/vehicle-types", `{"id":"city","name_it":"Città","propulsion":"human","pricing_plan_id":"notte"}`,
					`{"id":"city","name_it":"Cargo","propulsion":"human","pricing_plan_id":"notte"}`, "vehicle_type_exists"},
				{"/api/v1/admin/mobility/bikes", `{"id":"b-1","vehicle_type_id":"city","active":true}`,
					`{"id":"b-1","vehicle_type_id":"city","active":false}`, "bike_exists"},
			} {
				rec := env.do(t, "POST", c.path, admin, c.first)
				if rec.Code != http.StatusCreated {
					t.Fatalf("POST %s: %d %s", c.path, rec.Code, rec.Body.String())
				}
				created := rec.Body.String()
				p := wantProblem(t, env.do(t, "POST", c.path, admin, c.second), http.StatusConflict)
				if p.Reason != c.reason {
					t.Errorf("POST %s again: reason %q, want %s", c.path, p.Reason, c.reason)
				}
				var id struct{ ID string }
				decodeInto(t, rec, &id)
				if got := env.do(t, "GET", c.path+"/"+id.ID, admin, ""); got.Code != http.StatusOK || got.Body.String() != created {
					t.Errorf("after the refused POST %s:\n got %s\nwant %s", c.path, got.Body.String(), created)
				}
			}
			// A PUT edits only: a deleted id is a 404 and is not brought back.
			if rec := env.do(t, "DELETE", "/api/v1/admin/mobility/bikes/b-1", admin, ""); rec.Code != http.StatusNoContent {
				t.Fatalf("DELETE: %d %s", rec.Code, rec.Body.String())
			}
			wantProblem(t, env.do(t, "PUT", "/api/v1/admin/mobility/bikes/b-1", admin, `{"vehicle_type_id":"city","active":true}`), http.StatusNotFound)
			wantProblem(t, env.do(t, "GET", "/api/v1/admin/mobility/bikes/b-1", admin, ""), http.StatusNotFound)
		})
	}
}
