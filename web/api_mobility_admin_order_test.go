package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store/storetest"
)

// The JSON API's catalogue lists are in the order of the administrator's
// pages in Italian (TestBikeAdminListsInNameOrder): by the Italian name as
// a reader looks it up, whatever its case and accents, a bike by its id,
// then by id; the same on both engines, where they came in the stores'
// order of ids, which each engine collates its own way.
func TestAdminCatalogueAPIListsInNameOrder(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var svc *mobility.Service
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				svc = mobilitytest.NewService(env.DB.Mobility(), storetest.Logger(t))
				d.Mobility = svc
			})
			ctx, sys := context.Background(), identity.System()
			seg := []mobility.Segment{{StartMin: 0, RateCents: 5, IntervalMin: 1}}
			for _, p := range []mobility.PricingPlan{
				{ID: "p1", NameIT: "Tariffa zeta", NameEN: "Alpha fare"},
				{ID: "p2", NameIT: "tariffa base", NameEN: "Zulu fare"},
				{ID: "p3", NameIT: "Tariffa Èlite"},
				{ID: "p0", NameIT: "Tariffa zeta"}, // a name twice: by id
			} {
				p.UnlockCents, p.PerMin = 100, seg
				if _, err := svc.PutPricingPlan(ctx, sys, p); err != nil {
					t.Fatal(err)
				}
			}
			for _, v := range []mobility.VehicleType{
				{ID: "t1", NameIT: "Tandem", NameEN: "Tandem"},
				{ID: "t2", NameIT: "bici da città", NameEN: "City bike"},
				{ID: "t3", NameIT: "Èlettrica", NameEN: "Zapper"},
			} {
				v.Propulsion, v.PricingPlanID = mobility.Human, "p1"
				if _, err := svc.PutVehicleType(ctx, sys, v); err != nil {
					t.Fatal(err)
				}
			}
			for _, st := range []mobility.Station{
				{ID: "s1", NameIT: "Viale Mellusi", NameEN: "Mellusi Avenue"},
				{ID: "s2", NameIT: "arco di Traiano", NameEN: "Trajan's Arch"},
				{ID: "s3", NameIT: "Étoile"},
			} {
				st.Lat, st.Lon, st.Capacity, st.Open = 41.13, 14.78, 4, true
				if _, err := svc.PutStation(ctx, sys, st); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range []string{"b1", "b-2", "b_3", "a9"} {
				if _, err := svc.PutBike(ctx, sys, mobility.Bike{ID: id, VehicleTypeID: "t1", Active: true}); err != nil {
					t.Fatal(err)
				}
			}
			admin := env.login(t, identity.RoleAdmin)
			for path, want := range map[string][]string{
				"pricing-plans": {"p2", "p3", "p0", "p1"},
				"vehicle-types": {"t2", "t3", "t1"},
				"stations":      {"s2", "s3", "s1"},
				"bikes":         {"a9", "b-2", "b1", "b_3"},
			} {
				rec := mustStatus(t, env.do(t, "GET", "/api/v1/admin/mobility/"+path, admin, ""), http.StatusOK)
				var lists map[string][]struct{ ID string }
				if err := json.Unmarshal(rec.Body.Bytes(), &lists); err != nil || len(lists) != 1 {
					t.Fatalf("%s: %v %s", path, err, rec.Body.String())
				}
				for _, list := range lists {
					var got []string
					for _, v := range list {
						got = append(got, v.ID)
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s: %v, want %v", path, got, want)
					}
				}
			}
		})
	}
}
