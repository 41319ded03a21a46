package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// bikeAdminEnv is a hub with the mobility service on a real store (no
// broker: the catalogue pages never talk to stations) behind the pages.
type bikeAdminEnv struct {
	env *testEnv
	svc *mobility.Service
	srv *httptest.Server
}

func newBikeAdminEnv(t *testing.T, engine string) *bikeAdminEnv {
	t.Helper()
	var svc *mobility.Service
	_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
		svc = mobilitytest.NewService(env.DB.Mobility(), storetest.Logger(t))
		d.Mobility = svc
	})
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	return &bikeAdminEnv{env: env, svc: svc, srv: srv}
}

func (b *bikeAdminEnv) signIn(t *testing.T, role identity.Role) *webtest.PageClient {
	t.Helper()
	a, _ := b.env.account(t, role)
	pc := webtest.SignedIn(t, b.srv.URL, a.Email, testPassword)
	return pc
}

// english makes the client read the pages in English.
func english(pc *webtest.PageClient) {
	u, _ := url.Parse(pc.URL)
	pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_lang", Value: "en"}})
}

// seed stores one object of each kind through the service.
func (b *bikeAdminEnv) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := b.svc.PutPricingPlan(ctx, identity.System(), mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100,
		PerMin: []mobility.Segment{{StartMin: 0, RateCents: 5, IntervalMin: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.PutVehicleType(ctx, identity.System(), mobility.VehicleType{ID: "city", NameIT: "Bici da città", Propulsion: mobility.Human, PricingPlanID: "base"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.PutStation(ctx, identity.System(), mobility.Station{ID: "duomo", NameIT: "Piazza Duomo", Lat: 41.13, Lon: 14.78, Capacity: 8, Open: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.PutBike(ctx, identity.System(), mobility.Bike{ID: "b-001", VehicleTypeID: "city", Active: true}); err != nil {
		t.Fatal(err)
	}
}

// catalogueState is everything the admin pages can write, to prove a
// refused request wrote nothing.
func (b *bikeAdminEnv) catalogueState(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var sb strings.Builder
	sts, err1 := b.svc.Stations(ctx, identity.System())
	bikes, err2 := b.svc.Bikes(ctx, identity.System())
	types, err3 := b.svc.VehicleTypes(ctx, identity.System())
	plans, err4 := b.svc.PricingPlans(ctx, identity.System())
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range sts {
		s.CreatedAt, s.UpdatedAt = time.Time{}, time.Time{}
		sb.WriteString(fmtAny(s) + "\n")
	}
	for _, x := range bikes {
		x.UpdatedAt = time.Time{}
		sb.WriteString(fmtAny(x) + "\n")
	}
	for _, x := range types {
		x.UpdatedAt = time.Time{}
		sb.WriteString(fmtAny(x) + "\n")
	}
	for _, x := range plans {
		x.UpdatedAt = time.Time{}
		sb.WriteString(fmtAny(x) + "\n")
	}
	return sb.String()
}

func fmtAny(v any) string { return fmt.Sprintf("%+v", v) }

// Every page and every action of the catalogue is the city admin's alone:
// anonymous visitors are sent to log in, citizens, shopkeepers, door staff
// and operators get 403, and their posts (with a valid CSRF token) change
// nothing; the admin's own post without the token changes nothing either.
func TestBikeAdminPagesRoles(t *testing.T) {
	t.Parallel()
	b := newBikeAdminEnv(t, "sqlite")
	b.seed(t)
	pages := []string{"/admin/bikes"}
	actions := []struct {
		path string
		form url.Values
	}{}
	for _, k := range []struct{ base, id string }{{"/admin/bikes/stations", "duomo"}, {"/admin/bikes/fleet", "b-001"},
		{"/admin/bikes/vehicle-types", "city"}, {"/admin/bikes/pricing-plans", "base"}} {
		pages = append(pages, k.base, k.base+"/new", k.base+"/"+k.id, k.base+"/"+k.id+"/delete")
		actions = append(actions,
			struct {
				path string
				form url.Values
			}{k.base, url.Values{"id": {"zz-new"}, "name_it": {"Nuovo"}, "lat": {"41,1"}, "lon": {"14,7"}, "capacity": {"5"}, "open": {"1"},
				"vehicle_type_id": {"city"}, "propulsion": {"human"}, "pricing_plan_id": {"base"}, "unlock": {"1"}}},
			struct {
				path string
				form url.Values
			}{k.base + "/" + k.id, url.Values{"name_it": {"Cambiato"}, "lat": {"41,1"}, "lon": {"14,7"}, "capacity": {"5"},
				"vehicle_type_id": {"city"}, "propulsion": {"human"}, "pricing_plan_id": {"base"}, "unlock": {"9"}}},
			struct {
				path string
				form url.Values
			}{k.base + "/" + k.id + "/delete", url.Values{}})
	}
	before := b.catalogueState(t)

	anon := webtest.NewPageClient(t, b.srv.URL)
	for _, p := range pages {
		if res, _ := anon.Get(p); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Errorf("anonymous GET %s: %d %s", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, role := range []identity.Role{identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator} {
		pc := b.signIn(t, role)
		for _, p := range pages {
			if res, body := pc.Get(p); res.StatusCode != http.StatusForbidden || strings.Contains(body, "Piazza Duomo") {
				t.Errorf("%s GET %s: %d, want 403", role, p, res.StatusCode)
			}
		}
		tok := pc.CSRF("/privacy")
		for _, a := range actions {
			form := url.Values{"csrf_token": {tok}}
			for k, v := range a.form {
				form[k] = v
			}
			if res, _ := pc.Post(a.path, form); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", role, a.path, res.StatusCode)
			}
		}
	}
	admin := b.signIn(t, identity.RoleAdmin)
	for _, p := range pages {
		if res, body := admin.Get(p); res.StatusCode != http.StatusOK || strings.Contains(body, "[madmin.") {
			t.Errorf("admin GET %s: %d (or a missing message)\n%s", p, res.StatusCode, body)
		}
	}
	for _, a := range actions {
		if res, _ := admin.Post(a.path, a.form); res.StatusCode != http.StatusForbidden {
			t.Errorf("admin POST %s without CSRF: %d, want 403", a.path, res.StatusCode)
		}
	}
	if after := b.catalogueState(t); after != before {
		t.Fatalf("refused requests changed the catalogue:\nbefore %s\nafter  %s", before, after)
	}
	// The admin dashboard has the card.
	if res, body := admin.Get("/admin"); res.StatusCode != 200 || !strings.Contains(body, `href="/admin/bikes"`) || !strings.Contains(body, "Bici: stazioni, flotta e tariffe") {
		t.Errorf("admin dashboard lacks the bikes card: %d", res.StatusCode)
	}
	if res, _ := admin.Get("/admin/bikes/stations/nope"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown station's form: %d", res.StatusCode)
	}
	if res, _ := admin.Post("/admin/bikes/stations/nope", url.Values{"csrf_token": {admin.CSRF("/admin/bikes")}, "name_it": {"X"}, "lat": {"41"}, "lon": {"14"}, "capacity": {"3"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("editing an unknown station: %d", res.StatusCode)
	}
	if _, err := b.svc.Station(context.Background(), identity.System(), "nope"); err == nil {
		t.Errorf("editing an unknown station created it")
	}
}

// The admin builds a small catalogue through the forms, edits and deletes
// it, on both engines; the list shows what a ride costs, computed by the
// plan's own fare function.
func TestBikeAdminRoundTrip(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			b := newBikeAdminEnv(t, engine)
			ctx := context.Background()
			admin := b.signIn(t, identity.RoleAdmin)
			tok := admin.CSRF("/admin/bikes")
			post := func(path string, form url.Values, want int) string {
				t.Helper()
				form.Set("csrf_token", tok)
				res, body := admin.Post(path, form)
				if res.StatusCode != want {
					t.Fatalf("POST %s: %d, want %d\n%s", path, res.StatusCode, want, body)
				}
				return res.Header.Get("Location")
			}

			// Forms that need something first say so.
			if _, body := admin.Get("/admin/bikes/vehicle-types/new"); !strings.Contains(body, `data-testid="needs-first"`) {
				t.Errorf("the type form does not ask for a plan first")
			}
			// A plan: 1,50 to unlock, 0,20 a minute for the first half hour, then 0,50 every 5 minutes.
			loc := post("/admin/bikes/pricing-plans", url.Values{"id": {"standard"}, "name_it": {"Tariffa standard"}, "name_en": {"Standard fare"},
				"unlock": {"1,50"}, "seg_start_0": {"0"}, "seg_interval_0": {"1"}, "seg_rate_0": {"0,20"}, "seg_end_0": {"30"},
				"seg_start_1": {"30"}, "seg_interval_1": {"5"}, "seg_rate_1": {"0.5"}}, http.StatusSeeOther)
			if loc != "/admin/bikes/pricing-plans?saved=standard" {
				t.Errorf("after creating a plan: %s", loc)
			}
			plan, err := b.svc.PricingPlan(ctx, identity.System(), "standard")
			want := []mobility.Segment{{StartMin: 0, RateCents: 20, IntervalMin: 1, EndMin: 30}, {StartMin: 30, RateCents: 50, IntervalMin: 5}}
			if err != nil || plan.UnlockCents != 150 || len(plan.PerMin) != 2 || plan.PerMin[0] != want[0] || plan.PerMin[1] != want[1] || plan.NameEN != "Standard fare" {
				t.Fatalf("stored plan: %+v %v", plan, err)
			}
			money := func(c int64) string { return fmt.Sprintf("%d,%02d\u00a0€", c/100, c%100) } // as the Italian pages write it
			_, body := admin.Get(loc)
			preview := "Una corsa di 10 minuti costa " + money(plan.Fare(10*time.Minute)) + ", di 30 minuti " + money(plan.Fare(30*time.Minute)) +
				", di 60 minuti " + money(plan.Fare(60*time.Minute)) + "."
			if plan.Fare(10*time.Minute) != 350 || !strings.Contains(body, preview) || !strings.Contains(body, "Salvato: Tariffa standard.") || !strings.Contains(body, "Sblocco 1,50\u00a0€") {
				t.Errorf("plan list lacks %q:\n%s", preview, body)
			}
			// The form shows the amounts back in the reader's language.
			if _, body = admin.Get("/admin/bikes/pricing-plans/standard"); !strings.Contains(body, `name="unlock" value="1,50"`) || !strings.Contains(body, `name="seg_rate_1" value="0,50"`) {
				t.Errorf("plan form in Italian lacks 1,50 and 0,50")
			}
			en := b.signIn(t, identity.RoleAdmin)
			english(en)
			if _, body = en.Get("/admin/bikes/pricing-plans/standard"); !strings.Contains(body, `name="unlock" value="1.50"`) ||
				!strings.Contains(body, "A 10-minute ride costs €3.50") || strings.Contains(body, "[madmin.") {
				t.Errorf("plan form in English:\n%s", body)
			}
			// A preview does not save.
			post("/admin/bikes/pricing-plans/standard", url.Values{"name_it": {"Tariffa standard"}, "unlock": {"2"}, "seg_start_0": {"0"}, "seg_interval_0": {"1"}, "seg_rate_0": {"0,10"}, "preview": {"1"}}, http.StatusOK)
			if p, _ := b.svc.PricingPlan(ctx, identity.System(), "standard"); p.UnlockCents != 150 {
				t.Errorf("a preview saved the plan: %+v", p)
			}

			// A type (an e-bike, 60,5 km), a station and a bike.
			post("/admin/bikes/vehicle-types", url.Values{"id": {"ebike"}, "name_it": {"Bici elettrica"}, "propulsion": {"electric_assist"},
				"max_range_km": {"60,5"}, "pricing_plan_id": {"standard"}}, http.StatusSeeOther)
			if vt, err := b.svc.VehicleType(ctx, identity.System(), "ebike"); err != nil || vt.MaxRangeMeters != 60500 || vt.PricingPlanID != "standard" {
				t.Fatalf("stored type: %+v %v", vt, err)
			}
			// Registering a station issues its broker credential and shows the
			// secret on the answer to the post, and never again.
			res, body := admin.Post("/admin/bikes/stations", url.Values{"csrf_token": {tok}, "id": {"stazione-centrale"}, "name_it": {"Stazione Centrale"}, "name_en": {"Central Station"},
				"address": {"Piazza Colonna"}, "lat": {"41,1335"}, "lon": {"14.7816"}, "capacity": {"12"}, "open": {"1"}})
			secret := regexp.MustCompile(`data-testid="cred-secret">([A-Za-z0-9_-]{32,})<`).FindStringSubmatch(body)
			if res.StatusCode != http.StatusOK || secret == nil || res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("registering a station: %d, Cache-Control %q, no secret shown:\n%s", res.StatusCode, res.Header.Get("Cache-Control"), body)
			}
			if ok, err := b.svc.AuthenticateStation(ctx, "stazione-centrale", secret[1]); !ok || err != nil {
				t.Errorf("the secret shown does not open the broker: %v", err)
			}
			if _, body := admin.Get("/admin/bikes/stations/stazione-centrale/credential"); strings.Contains(body, secret[1]) || !strings.Contains(body, `data-testid="cred-state"`) {
				t.Errorf("the credential page shows the secret again:\n%s", body)
			}
			// Revoking cuts the station off: it asks first, and only the
			// confirmed post revokes.
			res, body = admin.Post("/admin/bikes/stations/stazione-centrale/credential", url.Values{"csrf_token": {tok}, "do": {"revoke"}})
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="confirm-button"`) || !strings.Contains(body, `name="do" value="revoke"`) {
				t.Fatalf("revoke without confirmation: %d\n%s", res.StatusCode, body)
			}
			if ok, _ := b.svc.AuthenticateStation(ctx, "stazione-centrale", secret[1]); !ok {
				t.Fatal("the credential was revoked before the confirmation")
			}
			post("/admin/bikes/stations/stazione-centrale/credential", url.Values{"do": {"revoke"}, "confirm": {"yes"}}, http.StatusSeeOther)
			if ok, _ := b.svc.AuthenticateStation(ctx, "stazione-centrale", secret[1]); ok {
				t.Error("a credential revoked on the page still opens")
			}
			st, err := b.svc.Station(ctx, identity.System(), "stazione-centrale")
			if err != nil || st.Lat != 41.1335 || st.Lon != 14.7816 || st.Capacity != 12 || !st.Open || st.NameEN != "Central Station" {
				t.Fatalf("stored station: %+v %v", st, err)
			}
			post("/admin/bikes/fleet", url.Values{"id": {"eb-0001"}, "vehicle_type_id": {"ebike"}, "active": {"1"}}, http.StatusSeeOther)
			if bk, err := b.svc.Bike(ctx, identity.System(), "eb-0001"); err != nil || !bk.Active || bk.VehicleTypeID != "ebike" {
				t.Fatalf("stored bike: %+v %v", bk, err)
			}
			for path, want := range map[string]string{"/admin/bikes/stations": "Stazione Centrale", "/admin/bikes/fleet": "eb-0001",
				"/admin/bikes/vehicle-types": "Autonomia 60,5 km", "/admin/bikes": "Stazioni: 1."} {
				if _, body := admin.Get(path); !strings.Contains(body, want) {
					t.Errorf("%s lacks %q", path, want)
				}
			}

			// Edit: the station closes and grows; the bike leaves service.
			loc = post("/admin/bikes/stations/stazione-centrale", url.Values{"name_it": {"Stazione Centrale"}, "lat": {"41,1335"}, "lon": {"14,7816"}, "capacity": {"16"}}, http.StatusSeeOther)
			if st, _ := b.svc.Station(ctx, identity.System(), "stazione-centrale"); st.Open || st.Capacity != 16 || st.CreatedAt.IsZero() {
				t.Errorf("edited station: %+v", st)
			}
			if _, body := admin.Get(loc); !strings.Contains(body, `data-testid="saved"`) || !strings.Contains(body, `name="capacity" value="16"`) {
				t.Errorf("edited station form after saving (%s)", loc)
			}
			post("/admin/bikes/fleet/eb-0001", url.Values{"vehicle_type_id": {"ebike"}}, http.StatusSeeOther)
			if bk, _ := b.svc.Bike(ctx, identity.System(), "eb-0001"); bk.Active {
				t.Errorf("bike still active after unticking")
			}

			// Delete: a plan or a type in use is not offered for deleting
			// (its page says why, its confirmation has no delete), and a
			// delete posted anyway is refused; the rest go.
			const planDelete = `href="/admin/bikes/pricing-plans/standard/delete"`
			for _, k := range []struct{ page, del, why string }{
				{"/admin/bikes/pricing-plans/standard", planDelete, "Un tipo di bici usa questo piano"},
				{"/admin/bikes/vehicle-types/ebike", `href="/admin/bikes/vehicle-types/ebike/delete"`, "Alcune bici sono di questo tipo"},
			} {
				if _, body := admin.Get(k.page); strings.Contains(body, k.del) || !strings.Contains(body, `data-testid="delete-in-use">`+k.why) {
					t.Errorf("%s in use offers a delete, or does not say why:\n%s", k.page, body)
				}
				if _, body := admin.Get(k.page + "/delete"); strings.Contains(body, `action="`+k.page+`/delete"`) || !strings.Contains(body, k.why) ||
					!strings.Contains(body, `data-testid="delete-in-use"`) || !strings.Contains(body, `href="`+k.page+`" data-testid="delete-back"`) {
					t.Errorf("the delete confirmation of %s in use:\n%s", k.page, body)
				}
			}
			res, body = admin.Post("/admin/bikes/pricing-plans/standard/delete", url.Values{"csrf_token": {tok}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Un tipo di bici usa questo piano") || strings.Contains(body, `action="/admin/bikes/pricing-plans/standard/delete"`) {
				t.Errorf("deleting a plan in use: %d\n%s", res.StatusCode, body)
			}
			if _, err := b.svc.PricingPlan(ctx, identity.System(), "standard"); err != nil {
				t.Fatalf("the plan in use was deleted: %v", err)
			}
			post("/admin/bikes/stations/stazione-centrale/delete", url.Values{}, http.StatusSeeOther)
			post("/admin/bikes/fleet/eb-0001/delete", url.Values{}, http.StatusSeeOther)
			post("/admin/bikes/vehicle-types/ebike/delete", url.Values{}, http.StatusSeeOther)
			// Used by no type now, the plan offers its delete.
			if _, body := admin.Get("/admin/bikes/pricing-plans/standard"); !strings.Contains(body, planDelete) || strings.Contains(body, "delete-in-use") {
				t.Errorf("the plan used by no type offers no delete:\n%s", body)
			}
			if _, body := admin.Get("/admin/bikes/pricing-plans/standard/delete"); !strings.Contains(body, "Vuoi davvero eliminare «Tariffa standard»?") {
				t.Errorf("delete confirmation:\n%s", body)
			}
			loc = post("/admin/bikes/pricing-plans/standard/delete", url.Values{}, http.StatusSeeOther)
			if _, body := admin.Get(loc); !strings.Contains(body, "Eliminato: standard.") {
				t.Errorf("after deleting the plan: %s", loc)
			}
			if st := b.catalogueState(t); st != "" {
				t.Errorf("left after deleting everything: %s", st)
			}
		})
	}
}

// A bad price, bad coordinates or a taken code come back with a message
// next to the field, in the reader's language, and nothing is written.
func TestBikeAdminRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := newBikeAdminEnv(t, "sqlite")
	b.seed(t)
	admin := b.signIn(t, identity.RoleAdmin)
	tok := admin.CSRF("/admin/bikes")
	before := b.catalogueState(t)
	plan := func(unlock, rate string) url.Values {
		return url.Values{"csrf_token": {tok}, "id": {"nuovo"}, "name_it": {"Nuovo"}, "unlock": {unlock}, "seg_start_0": {"0"}, "seg_interval_0": {"1"}, "seg_rate_0": {rate}}
	}
	station := func(lat, lon string) url.Values {
		return url.Values{"csrf_token": {tok}, "id": {"nuova"}, "name_it": {"Nuova"}, "lat": {lat}, "lon": {lon}, "capacity": {"10"}}
	}
	cases := []struct {
		name, path string
		form       url.Values
		field, msg string
	}{
		{"fraction of a cent", "/admin/bikes/pricing-plans", plan("1,5055", "0,10"), "unlock", "frazioni di centesimo"},
		{"negative unlock", "/admin/bikes/pricing-plans", plan("-1", "0,10"), "unlock", "non può essere negativo"},
		{"thousand or three decimals", "/admin/bikes/pricing-plans", plan("1,505", "0,10"), "unlock", "I centesimi hanno al massimo due cifre"},
		{"unlock over the cap", "/admin/bikes/pricing-plans", plan("600", "0,10"), "unlock", "da 0 a 500,00"},
		{"negative rate", "/admin/bikes/pricing-plans", plan("1", "−0,10"), "seg_rate_0", "non può essere negativo"},
		{"rate with a fraction", "/admin/bikes/pricing-plans", plan("1", "0,001"), "seg_rate_0", "frazioni di centesimo"},
		{"latitude out of bounds", "/admin/bikes/stations", station("91", "14,7"), "lat", "tra −90 e 90"},
		{"longitude not a number", "/admin/bikes/stations", station("41,1", "est"), "lon", "tra −180 e 180"},
		{"null island", "/admin/bikes/stations", station("0", "0"), "lat", "non possono essere entrambe 0"},
		{"taken code", "/admin/bikes/stations", url.Values{"csrf_token": {tok}, "id": {"duomo"}, "name_it": {"Doppia"}, "lat": {"41"}, "lon": {"14"}, "capacity": {"3"}}, "id", "Esiste già"},
		{"reserved code", "/admin/bikes/fleet", url.Values{"csrf_token": {tok}, "id": {"new"}, "vehicle_type_id": {"city"}}, "id", "riservato"},
		{"bad code", "/admin/bikes/fleet", url.Values{"csrf_token": {tok}, "id": {"Bici 1"}, "vehicle_type_id": {"city"}}, "id", "da 1 a 64 caratteri"},
		{"e-bike without range", "/admin/bikes/vehicle-types", url.Values{"csrf_token": {tok}, "id": {"eb"}, "name_it": {"E"}, "propulsion": {"electric_assist"}, "pricing_plan_id": {"base"}}, "max_range_km", "autonomia in km"},
		{"capacity zero", "/admin/bikes/stations", url.Values{"csrf_token": {tok}, "id": {"nuova"}, "name_it": {"Nuova"}, "lat": {"41"}, "lon": {"14"}, "capacity": {"0"}}, "capacity", "tra 1 e 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := admin.Post(c.path, c.form)
			want := http.StatusBadRequest
			if c.name == "taken code" {
				// Refused by the create itself, as the API's 409 is.
				want = http.StatusConflict
			}
			if res.StatusCode != want {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, want, body)
			}
			i := strings.Index(body, `data-field-error="`+c.field+`">`)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+300)], c.msg) {
				t.Errorf("no message %q next to %s:\n%s", c.msg, c.field, body)
			}
			if !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `data-testid="form-problem"`) {
				t.Errorf("the field is not marked invalid")
			}
			// What was typed comes back.
			for k, v := range c.form {
				if k != "csrf_token" && strings.HasPrefix(k, "seg_") && !strings.Contains(body, `name="`+k+`" value="`+v[0]+`"`) {
					t.Errorf("typed %s=%q is not in the form again", k, v[0])
				}
			}
		})
	}
	// Every mistake at once: the page's own (a coordinate, the capacity)
	// and the service's (the name, the address), each by its field.
	all := url.Values{"csrf_token": {tok}, "id": {"tutta-sbagliata"}, "name_it": {" "}, "address": {"Via\u202e Roma"},
		"lat": {"41,13"}, "lon": {"est"}, "capacity": {"0"}}
	if res, body := admin.Post("/admin/bikes/stations", all); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a station wrong in every field: %d", res.StatusCode)
	} else {
		for _, field := range []string{"name_it", "address", "lon", "capacity"} {
			if !strings.Contains(body, `data-field-error="`+field+`"`) {
				t.Errorf("no message by %s among the others:\n%s", field, body)
			}
		}
		// The position the page could not read is said once, by its
		// coordinate, not again by the latitude.
		if strings.Contains(body, `data-field-error="lat"`) {
			t.Errorf("a message by the latitude, which was read:\n%s", body)
		}
	}
	// A wrong English name is said by the English name, not the Italian.
	enName := url.Values{"csrf_token": {tok}, "id": {"nome-inglese"}, "name_it": {"Nuova"}, "name_en": {"Ne\u202ew"}, "lat": {"41,13"}, "lon": {"14,78"}, "capacity": {"4"}}
	if res, body := admin.Post("/admin/bikes/stations", enName); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `data-field-error="name_en"`) || strings.Contains(body, `data-field-error="name_it"`) {
		t.Errorf("a station with a wrong English name: %d\n%s", res.StatusCode, body)
	}
	// A vehicle type: its name and its missing plan together.
	vt := url.Values{"csrf_token": {tok}, "id": {"eb2"}, "name_it": {""}, "propulsion": {"human"}}
	if res, body := admin.Post("/admin/bikes/vehicle-types", vt); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `data-field-error="name_it"`) || !strings.Contains(body, `data-field-error="pricing_plan_id"`) ||
		strings.Contains(body, `data-field-error="id"`) || strings.Contains(body, "Il codice deve") {
		t.Errorf("a vehicle type without name or plan: %d\n%s", res.StatusCode, body)
	}
	// A bike without a type: "choose one" by the list, once.
	bike := url.Values{"csrf_token": {tok}, "id": {"bici-senza-tipo"}}
	if res, body := admin.Post("/admin/bikes/fleet", bike); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `data-field-error="vehicle_type_id"`) || strings.Contains(body, "Il codice deve") {
		t.Errorf("a bike without a type: %d\n%s", res.StatusCode, body)
	}

	// In English, the English message.
	en := b.signIn(t, identity.RoleAdmin)
	english(en)
	form := plan("2,9999", "0,10")
	form.Set("csrf_token", en.CSRF("/admin/bikes"))
	if res, body := en.Post("/admin/bikes/pricing-plans", form); res.StatusCode != 400 || !strings.Contains(body, "a price cannot hold fractions of a cent") {
		t.Errorf("English refusal: %d\n%s", res.StatusCode, body)
	}
	// A crafted link cannot announce what did not happen.
	if _, body := admin.Get("/admin/bikes/stations?saved=nope&deleted=duomo"); strings.Contains(body, `data-testid="saved"`) || strings.Contains(body, `data-testid="deleted"`) {
		t.Errorf("notices for things that did not happen:\n%s", body)
	}
	if after := b.catalogueState(t); after != before {
		t.Fatalf("refused forms changed the catalogue:\nbefore %s\nafter  %s", before, after)
	}
}
