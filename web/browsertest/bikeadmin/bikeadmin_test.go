// Package bikeadmin drives the city administrator's bike catalogue pages in
// a real headless Chromium on a real hub (SQLite, identity, the mobility
// service and the GBFS feeds it renders). The admin creates a pricing plan
// (after a price with a fraction of a cent is refused next to its field), a
// vehicle type, a station and a bike through the forms, sees them listed,
// and the new station appears in GBFS station_information. Every page
// passes axe-core and leaves a phone-size screenshot.
package bikeadmin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"cityhub/gbfs"
	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mobility"
	"cityhub/store/storetest"
	"cityhub/web"
)

const password = "una password lunga 2026"

const phoneWidth, phoneHeight = 390, 844

type flow struct {
	t   *testing.T
	ctx context.Context
	url string
	axe string
}

func (f *flow) run(steps ...chromedp.Action[chromedp.Void]) {
	f.t.Helper()
	if err := chromedp.Do(f.ctx, steps...); err != nil {
		f.t.Fatalf("browser: %v", err)
	}
}

func (f *flow) open(path string) int64 {
	f.t.Helper()
	res, err := chromedp.RunResponse(f.ctx, chromedp.Navigate(f.url+path))
	if err != nil {
		f.t.Fatalf("open %s: %v", path, err)
	}
	return res.Status
}

func (f *flow) submit(steps ...chromedp.Action[chromedp.Void]) int64 {
	f.t.Helper()
	res, err := chromedp.RunResponse(f.ctx, steps...)
	if err != nil {
		f.t.Fatalf("submit: %v", err)
	}
	return res.Status
}

func (f *flow) eval(js string, out any) {
	f.t.Helper()
	raw, err := chromedp.Run(f.ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		f.t.Fatalf("eval %s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			f.t.Fatalf("eval %s: decode %s: %v", js, raw, err)
		}
	}
}

func (f *flow) text(sel string) string {
	f.t.Helper()
	var out *string
	f.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel), &out)
	if out == nil {
		f.t.Fatalf("no element %s on %s", sel, f.path())
	}
	return strings.TrimSpace(*out)
}

func (f *flow) attr(sel, name string) string {
	f.t.Helper()
	var out *string
	f.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.getAttribute(%q) : null; })()`, sel, name), &out)
	if out == nil {
		f.t.Fatalf("no %s[%s] on %s", sel, name, f.path())
	}
	return *out
}

func (f *flow) path() string {
	var loc string
	f.eval(`location.pathname + location.search`, &loc)
	return loc
}

func (f *flow) login(email string) {
	f.t.Helper()
	if _, err := chromedp.Call(f.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		f.t.Fatalf("clear cookies: %v", err)
	}
	if st := f.open("/login"); st != 200 {
		f.t.Fatalf("login page: %d", st)
	}
	if st := f.submit(
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	); st != 200 {
		f.t.Fatalf("log in %s: %d", email, st)
	}
}

// check runs axe-core (WCAG 2.1 A/AA and best practices; any serious or
// critical violation fails) and saves a phone-size screenshot.
func (f *flow) check(name string) {
	f.t.Helper()
	var loaded bool
	f.eval(`typeof window.axe === "object"`, &loaded)
	if !loaded {
		if _, err := chromedp.Run(f.ctx, chromedp.Evaluate[chromedp.Void](f.axe)); err != nil {
			f.t.Fatalf("%s: inject axe-core: %v", name, err)
		}
	}
	var res struct {
		Violations []struct {
			ID     string `json:"id"`
			Impact string `json:"impact"`
			Help   string `json:"help"`
			Nodes  []struct {
				Target  []any  `json:"target"`
				Summary string `json:"failureSummary"`
			} `json:"nodes"`
		} `json:"violations"`
		Passes int `json:"passes"`
	}
	f.eval(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
		.then(r => ({violations: r.violations, passes: r.passes.length}))`, &res)
	if res.Passes == 0 {
		f.t.Errorf("%s: axe-core passed no rule at all; did it run?", name)
	}
	for _, v := range res.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			f.t.Logf("%s: axe %s (%s): %s", name, v.ID, v.Impact, v.Help)
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+": "+n.Summary)
		}
		f.t.Errorf("%s: axe %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
	png, err := chromedp.Run(f.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		f.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(artifacts(f.t), name+".png"), png, 0o644); err != nil {
		f.t.Fatalf("write screenshot: %v", err)
	}
}

// artifacts is where screenshots go, as for the other browser tests:
// $CITYHUB_TEST_ARTIFACTS/pages, else the repository's testdata/out/pages.
func artifacts(t *testing.T) string {
	dir := os.Getenv("CITYHUB_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "testdata", "out")
	}
	dir = filepath.Join(dir, "pages")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create artifacts dir: %v", err)
	}
	return dir
}

// newFlow starts Chromium as an Italian phone.
func newFlow(t *testing.T, url string) *flow {
	t.Helper()
	exe := os.Getenv("CITYHUB_TEST_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("chromium not found at %s (install it, or set CITYHUB_TEST_CHROMIUM): %v", exe, err)
	}
	axe, err := os.ReadFile(filepath.Join("..", "testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "it-IT"),
		chromedp.WindowSize(phoneWidth, phoneHeight),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	f := &flow{t: t, ctx: ctx, url: url, axe: string(axe)}
	f.run(chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait))
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "it-IT,it;q=0.9"}}); err != nil {
		t.Fatalf("set Accept-Language: %v", err)
	}
	return f
}

func TestAdminBuildsTheBikeCatalogueThroughThePages(t *testing.T) {
	ctx := context.Background()
	log := storetest.Logger(t)
	db := storetest.Open(t, "sqlite")
	keys, err := keyring.Load(ctx, db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	ids := identity.NewService(db.Identity(), keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2}, log)
	seed := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := ids.CreateAccount(ctx, seed, identity.NewAccount{Email: "mobilita@comune.example", Password: password, Name: "Ufficio Mobilità", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleAdmin}}}); err != nil {
		t.Fatal(err)
	}
	svc := mobility.NewService(db.Mobility(), nil, log)

	// The hub's public URL is the test server's, known only once it runs.
	var handler http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	feeds, err := gbfs.New(gbfs.MobilitySource{Service: svc}, gbfs.Config{System: gbfs.Benevento(), BaseURL: ts.URL, MinRefresh: 50 * time.Millisecond, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	// As in the hub, the feeds refresh in the background, soon after a change.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = feeds.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	handler = web.New(web.Deps{Log: log, PublicURL: ts.URL, Version: "test", Identity: ids, Keys: keys, PageAccounts: ids, Mobility: svc, GBFS: feeds})
	f := newFlow(t, ts.URL)

	// The admin signs in and follows the dashboard card.
	f.login("mobilita@comune.example")
	if p := f.path(); p != "/admin" {
		t.Fatalf("admin landed on %s", p)
	}
	if st := f.submit(chromedp.Click(chromedp.CSS(`.panels a[href="/admin/bikes"]`))); st != 200 {
		t.Fatalf("bike catalogue: %d", st)
	}
	if h := f.text("h1"); h != "Bike sharing: catalogo" {
		t.Errorf("overview heading = %q", h)
	}
	f.check("bikeadmin-overview-it")

	// A pricing plan: first with a price in fractions of a cent, refused
	// next to its field; nothing is stored.
	if st := f.submit(chromedp.Click(chromedp.CSS(`a[href="/admin/bikes/pricing-plans/new"]`))); st != 200 {
		t.Fatalf("new plan form: %d", st)
	}
	f.check("bikeadmin-plan-new-it")
	if st := f.submit(
		chromedp.SetValue(chromedp.CSS("#f-id"), "standard"),
		chromedp.SetValue(chromedp.CSS("#f-name_it"), "Tariffa standard"),
		chromedp.SetValue(chromedp.CSS("#f-name_en"), "Standard fare"),
		chromedp.SetValue(chromedp.CSS("#f-unlock"), "1,005"),
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
	if msg := f.text(`[data-field-error=unlock]`); !strings.Contains(msg, "frazioni di centesimo") {
		t.Errorf("unlock message = %q", msg)
	}
	if v := f.attr("#f-unlock", "aria-invalid"); v != "true" {
		t.Errorf("unlock field aria-invalid = %q", v)
	}
	if plans, err := svc.PricingPlans(ctx); err != nil || len(plans) != 0 {
		t.Fatalf("a refused plan was stored: %+v %v", plans, err)
	}
	f.check("bikeadmin-plan-error-it")
	// Corrected, previewed, then saved.
	if st := f.submit(chromedp.SetValue(chromedp.CSS("#f-unlock"), "1,50"), chromedp.Click(chromedp.CSS(`.admin-form button[name=preview]`))); st != 200 {
		t.Fatalf("plan preview: %d", st)
	}
	if p := f.text(`[data-testid=fare-preview]`); p != "Una corsa di 10 minuti costa 3,00\u00a0€, di 30 minuti 6,00\u00a0€, di 60 minuti 9,00\u00a0€." {
		t.Errorf("preview = %q", p)
	}
	f.check("bikeadmin-plan-preview-it")
	if st := f.submit(chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`))); st != 200 {
		t.Fatalf("save plan: %d", st)
	}
	if p := f.path(); p != "/admin/bikes/pricing-plans?saved=standard" {
		t.Fatalf("after saving the plan: %s", p)
	}
	plan, err := svc.PricingPlan(ctx, "standard")
	if err != nil || plan.UnlockCents != 150 || len(plan.PerMin) != 2 || plan.PerMin[1].RateCents != 100 {
		t.Fatalf("stored plan: %+v %v", plan, err)
	}
	if row := f.text(`li[data-id=standard]`); !strings.Contains(row, "Tariffa standard") || !strings.Contains(row, "di 60 minuti 9,00\u00a0€") {
		t.Errorf("plan row = %q", row)
	}
	f.check("bikeadmin-plans-it")

	// A vehicle type: an e-bike on that plan.
	if st := f.open("/admin/bikes/vehicle-types/new"); st != 200 {
		t.Fatalf("new type form: %d", st)
	}
	if st := f.submit(
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
	if row := f.text(`li[data-id=ebike]`); !strings.Contains(row, "Autonomia 70 km") || !strings.Contains(row, "Tariffa: Tariffa standard") {
		t.Errorf("type row = %q", row)
	}
	f.check("bikeadmin-types-it")

	// A station, then a bike of the new type.
	if st := f.open("/admin/bikes/stations/new"); st != 200 {
		t.Fatalf("new station form: %d", st)
	}
	f.check("bikeadmin-station-new-it")
	if st := f.submit(
		chromedp.SetValue(chromedp.CSS("#f-id"), "rocca-dei-rettori"),
		chromedp.SetValue(chromedp.CSS("#f-name_it"), "Rocca dei Rettori"),
		chromedp.SetValue(chromedp.CSS("#f-name_en"), "Rectors' Fortress"),
		chromedp.SetValue(chromedp.CSS("#f-address"), "Piazza Castello"),
		chromedp.SetValue(chromedp.CSS("#f-lat"), "41,1318"),
		chromedp.SetValue(chromedp.CSS("#f-lon"), "14,7826"),
		chromedp.SetValue(chromedp.CSS("#f-capacity"), "14"),
		chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`)),
	); st != 200 {
		t.Fatalf("save station: %d", st)
	}
	if row := f.text(`li[data-id=rocca-dei-rettori]`); !strings.Contains(row, "Rocca dei Rettori") || !strings.Contains(row, "14 stalli") || !strings.Contains(row, "Aperta") {
		t.Errorf("station row = %q", row)
	}
	f.check("bikeadmin-stations-it")
	if st := f.submit(chromedp.Click(chromedp.CSS(`li[data-id=rocca-dei-rettori] h2 a`))); st != 200 {
		t.Fatalf("station form: %d", st)
	}
	if v := f.attr("#f-lat", "value"); v != "41,1318" {
		t.Errorf("latitude shown back = %q", v)
	}
	f.check("bikeadmin-station-edit-it")
	if st := f.submit(chromedp.Click(chromedp.CSS(`a[href="/admin/bikes/stations/rocca-dei-rettori/delete"]`))); st != 200 {
		t.Fatalf("delete confirmation: %d", st)
	}
	if q := f.text(`[data-testid=delete-question]`); !strings.Contains(q, "Rocca dei Rettori") {
		t.Errorf("delete question = %q", q)
	}
	f.check("bikeadmin-station-delete-it")
	// The admin changes their mind.
	if st := f.submit(chromedp.Click(chromedp.CSS(`a.btn-ghost-dark`))); st != 200 {
		t.Fatalf("cancel delete: %d", st)
	}

	if st := f.open("/admin/bikes/fleet/new"); st != 200 {
		t.Fatalf("new bike form: %d", st)
	}
	if st := f.submit(
		chromedp.SetValue(chromedp.CSS("#f-id"), "eb-0042"),
		chromedp.SetValue(chromedp.CSS("#f-vehicle_type_id"), "ebike"),
		chromedp.Click(chromedp.CSS(`.admin-form button.btn-primary`)),
	); st != 200 {
		t.Fatalf("save bike: %d", st)
	}
	if row := f.text(`li[data-id=eb-0042]`); !strings.Contains(row, "Bici elettrica") || !strings.Contains(row, "In servizio") {
		t.Errorf("bike row = %q", row)
	}
	f.check("bikeadmin-bikes-it")
	f.open("/admin/bikes")
	for _, want := range []string{"Stazioni: 1.", "Piani tariffari: 1.", "Tipi di bici: 1.", "Bici nella flotta: 1."} {
		if body := f.text("main"); !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}

	// The operator's live page lists the new station at once (never heard
	// from yet).
	if st := f.open("/operator/bikes"); st != 200 {
		t.Fatalf("operator stations: %d", st)
	}
	if row := f.text(`tr[data-station=rocca-dei-rettori]`); !strings.Contains(row, "Rocca dei Rettori") {
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
	if err := svc.Ingest(ctx, []mobility.Telemetry{{StationID: "rocca-dei-rettori", Kind: mobility.KindStatus, Received: now,
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
	f.open("/admin/bikes/pricing-plans")
	if st := f.submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`))); st != 200 {
		t.Fatalf("language switch: %d", st)
	}
	if p := f.text(`li[data-id=standard] [data-testid=fare-preview]`); p != "A 10-minute ride costs €3.00, a 30-minute ride €6.00, a 60-minute ride €9.00." {
		t.Errorf("English preview = %q", p)
	}
	f.check("bikeadmin-plans-en")
	f.open("/admin/bikes/pricing-plans/standard")
	if v := f.attr("#f-unlock", "value"); v != "1.50" {
		t.Errorf("unlock fee shown in English = %q", v)
	}
	f.check("bikeadmin-plan-edit-en")
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
