// TestAdminBuildsTheBikeCatalogueThroughThePages drives the city administrator's bike catalogue pages in
// a real headless Chromium on a real hub (SQLite, identity, the mobility
// service and the GBFS feeds it renders). The admin creates a pricing plan
// (after a price with a fraction of a cent is refused next to its field,
// the form keeping what was typed), a vehicle type, a station (after a
// latitude off the globe is refused the same way; Italian decimals are
// taken) and a bike through the forms, sees them listed, and the new
// station appears in GBFS station_information. Every page passes
// pagetest's checks on the phone and the desktop.

package staffpages

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityhub/gbfs"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
)

func TestAdminBuildsTheBikeCatalogueThroughThePages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids := h.Log, h.DB, h.Keys, h.IDs
	seed := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := ids.CreateAccount(ctx, seed, identity.NewAccount{Email: "mobilita@comune.example", Password: password, Name: "Ufficio Mobilità", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleAdmin}}}); err != nil {
		t.Fatal(err)
	}
	svc := mobilitytest.NewService(db.Mobility(), log)

	// The hub's public URL is the test server's, known only once it runs.
	var handler http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	feeds, err := gbfs.New(gbfs.MobilitySource{Service: svc}, gbfs.Config{System: gbfs.CitySystem("Benevento", "Europe/Rome"), BaseURL: ts.URL, MinRefresh: 50 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	// As in the hub, the feeds refresh in the background, soon after a change.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = feeds.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	handler = web.New(web.Deps{Log: log, PublicURL: ts.URL, Version: "test", Identity: ids, Keys: keys, Mobility: svc, GBFS: feeds})
	f := newFlow(t, ts.URL)

	// The admin signs in and follows the dashboard card.
	f.Login("mobilita@comune.example")
	if p := f.Path(); p != "/admin" {
		t.Fatalf("admin landed on %s", p)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-panel="/admin/bikes"] a[href="/admin/bikes"]`))); st != 200 {
		t.Fatalf("bike catalogue: %d", st)
	}
	if h := f.Text("h1"); h != "Bike sharing: catalogo" {
		t.Errorf("overview heading = %q", h)
	}
	f.Check("bikeadmin-overview-it")

	// A pricing plan: first with a price in fractions of a cent, refused
	// next to its field; nothing is stored.
	if st := f.Submit(chromedp.Click(chromedp.CSS(`a[href="/admin/bikes/pricing-plans/new"]`))); st != 200 {
		t.Fatalf("new plan form: %d", st)
	}
	f.Check("bikeadmin-plan-new-it")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-id"), "standard"),
		chromedp.SetValue(chromedp.CSS("#f-name_it"), "Tariffa standard"),
		chromedp.SetValue(chromedp.CSS("#f-name_en"), "Standard fare"),
		chromedp.SetValue(chromedp.CSS("#f-unlock"), "1,0055"),
		chromedp.SetValue(chromedp.CSS("#seg-start-0"), "0"),
		chromedp.SetValue(chromedp.CSS("#seg-interval-0"), "1"),
		chromedp.SetValue(chromedp.CSS("#seg-rate-0"), "0,15"),
		chromedp.SetValue(chromedp.CSS("#seg-end-0"), "30"),
		chromedp.SetValue(chromedp.CSS("#seg-start-1"), "30"),
		chromedp.SetValue(chromedp.CSS("#seg-interval-1"), "10"),
		chromedp.SetValue(chromedp.CSS("#seg-rate-1"), "1"),
		chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`)),
	); st != 400 {
		t.Fatalf("plan with a fraction of a cent: %d", st)
	}
	if msg := f.Text(`[data-field-error=unlock]`); !strings.Contains(msg, "frazioni di centesimo") {
		t.Errorf("unlock message = %q", msg)
	}
	if v := f.Attr("#f-unlock", "aria-invalid"); v != "true" {
		t.Errorf("unlock field aria-invalid = %q", v)
	}
	var typed []string
	f.Eval(`["#f-name_it", "#f-unlock", "#seg-rate-0"].map(s => document.querySelector(s).value)`, &typed)
	if strings.Join(typed, "|") != "Tariffa standard|1,0055|0,15" {
		t.Errorf("the plan form came back as %q", typed)
	}
	if plans, err := svc.PricingPlans(ctx, identity.System()); err != nil || len(plans) != 0 {
		t.Fatalf("a refused plan was stored: %+v %v", plans, err)
	}
	f.Check("bikeadmin-plan-error-it")
	// Corrected, previewed, then saved.
	if st := f.Submit(chromedp.SetValue(chromedp.CSS("#f-unlock"), "1,50"), chromedp.Click(chromedp.CSS(`.admin-form button[name=preview]`))); st != 200 {
		t.Fatalf("plan preview: %d", st)
	}
	if p := f.Text(`[data-testid=fare-preview]`); p != "Una corsa di 10 minuti costa 3,00\u00a0€, di 30 minuti 6,00\u00a0€, di 60 minuti 9,00\u00a0€." {
		t.Errorf("preview = %q", p)
	}
	f.Check("bikeadmin-plan-preview-it")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`))); st != 200 {
		t.Fatalf("save plan: %d", st)
	}
	if p := f.Path(); p != "/admin/bikes/pricing-plans?saved=standard" {
		t.Fatalf("after saving the plan: %s", p)
	}
	plan, err := svc.PricingPlan(ctx, identity.System(), "standard")
	if err != nil || plan.UnlockCents != 150 || len(plan.PerMin) != 2 || plan.PerMin[1].RateCents != 100 {
		t.Fatalf("stored plan: %+v %v", plan, err)
	}
	if row := f.Text(`li[data-id=standard]`); !strings.Contains(row, "Tariffa standard") || !strings.Contains(row, "di 60 minuti 9,00\u00a0€") {
		t.Errorf("plan row = %q", row)
	}
	f.Check("bikeadmin-plans-it")

	// A vehicle type: an e-bike on that plan.
	if st := f.Open("/admin/bikes/vehicle-types/new"); st != 200 {
		t.Fatalf("new type form: %d", st)
	}
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-id"), "ebike"),
		chromedp.SetValue(chromedp.CSS("#f-name_it"), "Bici elettrica"),
		chromedp.SetValue(chromedp.CSS("#f-name_en"), "E-bike"),
		chromedp.Click(chromedp.CSS("#f-prop-electric")),
		chromedp.SetValue(chromedp.CSS("#f-max_range_km"), "70"),
		chromedp.SetValue(chromedp.CSS("#f-pricing_plan_id"), "standard"),
		chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`)),
	); st != 200 {
		t.Fatalf("save type: %d", st)
	}
	if row := f.Text(`li[data-id=ebike]`); !strings.Contains(row, "Autonomia 70 km") || !strings.Contains(row, "Tariffa: Tariffa standard") {
		t.Errorf("type row = %q", row)
	}
	f.Check("bikeadmin-types-it")

	// A station, then a bike of the new type.
	if st := f.Open("/admin/bikes/stations/new"); st != 200 {
		t.Fatalf("new station form: %d", st)
	}
	f.Check("bikeadmin-station-new-it")
	// A latitude off the globe comes back next to its field, the rest as
	// typed; corrected, the station is saved.
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-id"), "rocca-dei-rettori"),
		chromedp.SetValue(chromedp.CSS("#f-name_it"), "Rocca dei Rettori"),
		chromedp.SetValue(chromedp.CSS("#f-name_en"), "Rectors' Fortress"),
		chromedp.SetValue(chromedp.CSS("#f-address"), "Piazza Castello"),
		chromedp.SetValue(chromedp.CSS("#f-lat"), "411,318"),
		chromedp.SetValue(chromedp.CSS("#f-lon"), "14,7826"),
		chromedp.SetValue(chromedp.CSS("#f-capacity"), "14"),
		chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`)),
	); st != 400 {
		t.Fatalf("station off the globe: %d", st)
	}
	if f.Text(`[data-field-error=lat]`) == "" || f.Attr("#f-lat", "aria-invalid") != "true" {
		t.Error("no message next to the latitude")
	}
	f.Eval(`["#f-name_it", "#f-address", "#f-lat", "#f-lon", "#f-capacity"].map(s => document.querySelector(s).value)`, &typed)
	if strings.Join(typed, "|") != "Rocca dei Rettori|Piazza Castello|411,318|14,7826|14" {
		t.Errorf("the station form came back as %q", typed)
	}
	f.Check("bikeadmin-station-error-it")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-lat"), "41,1318"),
		chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`)),
	); st != 200 {
		t.Fatalf("save station: %d", st)
	}
	// Registering the station issued its broker credential, shown this once.
	if secret := f.Text(`[data-testid=cred-secret]`); len(secret) < 32 {
		t.Fatalf("new station's secret = %q", secret)
	}
	f.Check("bikeadmin-station-credential-it")
	// Rotating the secret cuts the station off until it has the new one:
	// it asks first; confirmed, the new secret is shown.
	first := f.Text(`[data-testid=cred-secret]`)
	if st := f.Open("/admin/bikes/stations/rocca-dei-rettori/credential"); st != 200 {
		t.Fatalf("credential page: %d", st)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`button[name=do][value=rotate]`))); st != 200 {
		t.Fatalf("rotate: %d", st)
	}
	if lead := f.Text(`[data-testid=confirm-lead]`); !strings.Contains(lead, "smette subito di funzionare") {
		t.Errorf("rotation confirmation says %q", lead)
	}
	f.Check("bikeadmin-credential-rotate-confirm-it")
	if ok, _ := svc.AuthenticateStation(ctx, "rocca-dei-rettori", first); !ok {
		t.Fatal("the secret was rotated before the confirmation")
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid=confirm-button]`))); st != 200 {
		t.Fatalf("confirm rotation: %d", st)
	}
	if second := f.Text(`[data-testid=cred-secret]`); len(second) < 32 || second == first {
		t.Errorf("the rotated secret shown is %q", second)
	}
	if ok, _ := svc.AuthenticateStation(ctx, "rocca-dei-rettori", first); ok {
		t.Error("the old secret still opens after the rotation")
	}
	if st := f.Open("/admin/bikes/stations"); st != 200 {
		t.Fatalf("station list: %d", st)
	}
	if row := f.Text(`li[data-id=rocca-dei-rettori]`); !strings.Contains(row, "Rocca dei Rettori") || !strings.Contains(row, "14 stalli") || !strings.Contains(row, "Aperta") {
		t.Errorf("station row = %q", row)
	}
	f.Check("bikeadmin-stations-it")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`li[data-id=rocca-dei-rettori] h2 a`))); st != 200 {
		t.Fatalf("station form: %d", st)
	}
	if v := f.Attr("#f-lat", "value"); v != "41,1318" {
		t.Errorf("latitude shown back = %q", v)
	}
	f.Check("bikeadmin-station-edit-it")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`a[href="/admin/bikes/stations/rocca-dei-rettori/delete"]`))); st != 200 {
		t.Fatalf("delete confirmation: %d", st)
	}
	if q := f.Text(`[data-testid=delete-question]`); !strings.Contains(q, "Rocca dei Rettori") {
		t.Errorf("delete question = %q", q)
	}
	f.Check("bikeadmin-station-delete-it")
	// The admin changes their mind.
	if st := f.Submit(chromedp.Click(chromedp.CSS(`a.btn-ghost-dark`))); st != 200 {
		t.Fatalf("cancel delete: %d", st)
	}

	if st := f.Open("/admin/bikes/fleet/new"); st != 200 {
		t.Fatalf("new bike form: %d", st)
	}
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-id"), "eb-0042"),
		chromedp.SetValue(chromedp.CSS("#f-vehicle_type_id"), "ebike"),
		chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`)),
	); st != 200 {
		t.Fatalf("save bike: %d", st)
	}
	if row := f.Text(`li[data-id=eb-0042]`); !strings.Contains(row, "Bici elettrica") || !strings.Contains(row, "In servizio") {
		t.Errorf("bike row = %q", row)
	}
	f.Check("bikeadmin-bikes-it")
	f.Open("/admin/bikes")
	for _, want := range []string{"Stazioni: 1.", "Piani tariffari: 1.", "Tipi di bici: 1.", "Bici nella flotta: 1."} {
		if body := f.Text("main"); !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}

	// The operator's live page lists the new station at once (never heard
	// from yet).
	if st := f.Open("/operator/bikes"); st != 200 {
		t.Fatalf("operator stations: %d", st)
	}
	if row := f.Text(`tr[data-station=rocca-dei-rettori]`); !strings.Contains(row, "Rocca dei Rettori") {
		t.Errorf("operator row of the new station = %q", row)
	}
	// GBFS publishes a station once it has reported (station_status needs a
	// last_reported): its first status arrives, as the MQTT ingest hands it
	// over, with the new bike in dock 1.
	docks := make([]mobility.DockState, 14)
	for i := range docks {
		docks[i] = mobility.DockState{Dock: i + 1}
	}
	battery := 90
	docks[0] = mobility.DockState{Dock: 1, BikeID: "eb-0042", Locked: true, Battery: &battery}
	now := time.Now()
	if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{{StationID: "rocca-dei-rettori", Kind: mobility.KindStatus, Received: now,
		Status: &mobility.StatusReport{TS: now, Online: true, Docks: docks}}}); err != nil {
		t.Fatal(err)
	}
	// The open data: the new station is in GBFS station_information, with
	// its names in both languages.
	var found string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && found == "" {
		found = gbfsStationName(t, ts.URL, "rocca-dei-rettori")
		if found == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if found != "it:Rocca dei Rettori en:Rectors' Fortress" {
		t.Errorf("GBFS station_information names for the new station = %q", found)
	}

	// The same pages in English: amounts formatted the English way.
	f.Open("/admin/bikes/pricing-plans")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`))); st != 200 {
		t.Fatalf("language switch: %d", st)
	}
	if p := f.Text(`li[data-id=standard] [data-testid=fare-preview]`); p != "A 10-minute ride costs €3.00, a 30-minute ride €6.00, a 60-minute ride €9.00." {
		t.Errorf("English preview = %q", p)
	}
	f.Check("bikeadmin-plans-en")
	f.Open("/admin/bikes/pricing-plans/standard")
	if v := f.Attr("#f-unlock", "value"); v != "1.50" {
		t.Errorf("unlock fee shown in English = %q", v)
	}
	f.Check("bikeadmin-plan-edit-en")
}

// gbfsStationName reads station_information and returns the station's names
// as "it:… en:…", or "" while it is not there.
func gbfsStationName(t *testing.T, base, id string) string {
	t.Helper()
	res, err := http.Get(base + "/gbfs/v3/station_information.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Logf("station_information: %d %s", res.StatusCode, b)
		return ""
	}
	var feed struct {
		Data struct {
			Stations []struct {
				ID   string `json:"station_id"`
				Name []struct {
					Text     string `json:"text"`
					Language string `json:"language"`
				} `json:"name"`
			} `json:"stations"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &feed); err != nil {
		t.Fatalf("station_information: %v\n%s", err, b)
	}
	for _, st := range feed.Data.Stations {
		if st.ID == id {
			var parts []string
			for _, n := range st.Name {
				parts = append(parts, n.Language+":"+n.Text)
			}
			return strings.Join(parts, " ")
		}
	}
	return ""
}
