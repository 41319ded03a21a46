package web

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
)

var (
	adminRowIDRE  = regexp.MustCompile(`<li class="card admin-row[^"]*" data-id="([^"]+)"`)
	adminOptionRE = regexp.MustCompile(`<option value="([^"]+)"`)
)

// The administrator's catalogue lists, and the choices of the forms that
// pick from them, are in the alphabetical order of the names the page
// shows, in its language, whatever their case and accents, then by id (a
// bike's name is its id): the same on both engines, where they came in the
// stores' order of ids, which each engine collates its own way.
func TestBikeAdminListsInNameOrder(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			b := newBikeAdminEnv(t, engine)
			ctx, sys := context.Background(), identity.System()
			seg := []mobility.Segment{{StartMin: 0, RateCents: 5, IntervalMin: 1}}
			for _, p := range []mobility.PricingPlan{
				{ID: "p1", NameIT: "Tariffa zeta", NameEN: "Alpha fare"},
				{ID: "p2", NameIT: "tariffa base", NameEN: "Zulu fare"},
				{ID: "p3", NameIT: "Tariffa Èlite"},
			} {
				p.UnlockCents, p.PerMin = 100, seg
				if _, err := b.svc.PutPricingPlan(ctx, sys, p); err != nil {
					t.Fatal(err)
				}
			}
			for _, v := range []mobility.VehicleType{
				{ID: "t1", NameIT: "Tandem", NameEN: "Tandem"},
				{ID: "t2", NameIT: "bici da città", NameEN: "City bike"},
				{ID: "t3", NameIT: "Èlettrica", NameEN: "Zapper"},
			} {
				v.Propulsion, v.PricingPlanID = mobility.Human, "p1"
				if _, err := b.svc.PutVehicleType(ctx, sys, v); err != nil {
					t.Fatal(err)
				}
			}
			for _, st := range []mobility.Station{
				{ID: "s1", NameIT: "Viale Mellusi", NameEN: "Mellusi Avenue"},
				{ID: "s2", NameIT: "arco di Traiano", NameEN: "Trajan's Arch"},
				{ID: "s3", NameIT: "Étoile"},
			} {
				st.Lat, st.Lon, st.Capacity, st.Open = 41.13, 14.78, 4, true
				if _, err := b.svc.PutStation(ctx, sys, st); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range []string{"b1", "b-2", "b_3"} {
				if _, err := b.svc.PutBike(ctx, sys, mobility.Bike{ID: id, VehicleTypeID: "t1", Active: true}); err != nil {
					t.Fatal(err)
				}
			}
			admin := b.signIn(t, identity.RoleAdmin)
			order := func(path string, re *regexp.Regexp) []string {
				t.Helper()
				res, body := admin.Get(path)
				if res.StatusCode != 200 {
					t.Fatalf("%s: %d", path, res.StatusCode)
				}
				var ids []string
				for _, m := range re.FindAllStringSubmatch(body, -1) {
					ids = append(ids, m[1])
				}
				return ids
			}
			check := func(lang string, want map[string][]string) {
				t.Helper()
				for path, ids := range want {
					re := adminRowIDRE
					if path == "/admin/bikes/fleet/new" || path == "/admin/bikes/vehicle-types/new" {
						re = adminOptionRE
					}
					if got := order(path, re); !slices.Equal(got, ids) {
						t.Errorf("%s %s: %v, want %v", lang, path, got, ids)
					}
				}
			}
			italian := map[string][]string{
				"/admin/bikes/pricing-plans":     {"p2", "p3", "p1"},
				"/admin/bikes/vehicle-types":     {"t2", "t3", "t1"},
				"/admin/bikes/stations":          {"s2", "s3", "s1"},
				"/admin/bikes/fleet":             {"b-2", "b1", "b_3"},
				"/admin/bikes/vehicle-types/new": {"p2", "p3", "p1"},
				"/admin/bikes/fleet/new":         {"t2", "t3", "t1"},
			}
			check("it", italian)
			english(admin)
			check("en", map[string][]string{
				"/admin/bikes/pricing-plans":     {"p1", "p3", "p2"},
				"/admin/bikes/vehicle-types":     {"t2", "t1", "t3"},
				"/admin/bikes/stations":          {"s3", "s1", "s2"},
				"/admin/bikes/fleet":             {"b-2", "b1", "b_3"},
				"/admin/bikes/vehicle-types/new": {"p1", "p3", "p2"},
				"/admin/bikes/fleet/new":         {"t2", "t1", "t3"},
			})
		})
	}
}
