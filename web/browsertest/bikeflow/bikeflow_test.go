// Package bikeflow drives the rider's and the operator's bike pages in a
// real headless Chromium on a real hub: SQLite, identity, wallet, the
// mobility service on the embedded MQTT broker, and simulated stations that
// answer unlocks and dock bikes. A rider signs in, finds the stations (in
// Italian, nearest first once the phone shares its position), unlocks a
// bike, watches the running ride, and after the simulator docks the bike
// sees the final fare, charged to the wallet to the cent. The operator sees
// the stations and a station's occupancy chart. Every page passes axe-core
// and leaves a phone-size screenshot.
package bikeflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/skip2/go-qrcode"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
	"cityhub/wallet"
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

// newFlow starts Chromium as an Italian phone whose fake camera shows
// cameraFile (an MJPEG), when given.
func newFlow(t *testing.T, url, cameraFile string) *flow {
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
	if cameraFile != "" {
		opts = append(opts, chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-video-capture", cameraFile))
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

func TestRiderUnlocksRidesAndDocksThroughThePages(t *testing.T) {
	ctx := context.Background()
	log := storetest.Logger(t)
	db := storetest.Open(t, "sqlite")
	keys, err := keyring.Load(ctx, db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	ids := identity.NewService(db.Identity(), keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2}, log)
	m := mobilitytest.New(t, db, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 3, Docks: 6, Log: log})
	m.Wallet.RegisterItems("ride", m.Svc)

	rider, err := ids.Register(ctx, identity.NewAccount{Email: "anna@example.org", Password: password, Name: "Anna Esposito", Locale: "it"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ids.Register(ctx, identity.NewAccount{Email: "bruno@example.org", Password: password, Name: "Bruno Romano", Locale: "it"}); err != nil {
		t.Fatal(err)
	}
	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := ids.CreateAccount(ctx, admin, identity.NewAccount{Email: "bici@comune.example", Password: password, Name: "Operatore Bici", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleOperator}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Wallet.Post(ctx, wallet.Transaction{Key: "seed-topup-anna", Kind: "topup", Memo: "Ricarica di prova",
		Entries: []wallet.Entry{{Account: wallet.CityFunding, Amount: -2000}, {Account: wallet.CitizenAccount(rider.ID), Amount: 2000}}}); err != nil {
		t.Fatal(err)
	}

	// The second station's day so far, as its telemetry would have left it:
	// emptied by the morning commute, refilled in the evening.
	var history []mobility.OccupancySample
	for i := 48; i >= 1; i-- {
		at := time.Now().Add(-time.Duration(i) * 30 * time.Minute)
		bikes := 4 - int(3*math.Sin(float64(i)/48*2*math.Pi)+0.5)
		history = append(history, mobility.OccupancySample{StationID: m.Stations[1].ID, At: at, Bikes: max(0, min(6, bikes)), FreeDocks: 6 - max(0, min(6, bikes))})
	}
	if err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error { return tx.PutOccupancy(ctx, history) }); err != nil {
		t.Fatal(err)
	}

	srv := web.New(web.Deps{Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys,
		PageAccounts: ids, PageWallet: m.Wallet, Wallet: m.Wallet, Mobility: m.Svc})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	first, second := m.Stations[0], m.Stations[1]
	// The camera sees the QR code on the frame of the first station's second
	// bike: a link ending in the bike's code.
	qrBike := first.Bikes[1]
	f := newFlow(t, ts.URL, writeCameraFile(t, "https://bici.comune.example/b/"+qrBike.ID))

	// The rider signs in and finds the stations in Italian, by name.
	f.login("anna@example.org")
	if st := f.open("/bikes"); st != 200 {
		t.Fatalf("stations page: %d", st)
	}
	if h := f.text("h1"); h != "Stazioni bici" {
		t.Errorf("stations heading = %q", h)
	}
	if n := f.text(fmt.Sprintf(`[data-station=%q] [data-testid=free-docks]`, first.ID)); n != "2" {
		t.Errorf("free docks at %s = %s, want 2", first.ID, n)
	}
	f.check("bikes-stations-it")

	// The phone shares its position (at the second station): the script
	// reloads the list nearest first.
	if _, err := chromedp.CallBrowser(f.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: string(browser.PermissionTypeGeolocation)}, Setting: browser.PermissionSettingGranted, Origin: ts.URL}); err != nil {
		t.Fatalf("grant geolocation: %v", err)
	}
	lat, lon := second.Lat, second.Lon
	if _, err := chromedp.Call(f.ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: ptr(10.0)}); err != nil {
		t.Fatalf("set position: %v", err)
	}
	if st := f.submit(chromedp.Click(chromedp.CSS(`#locate`))); st != 200 {
		t.Fatalf("stations near the phone: %d", st)
	}
	if p := f.path(); !strings.Contains(p, "lat=") {
		t.Fatalf("after sharing the position at %s", p)
	}
	if id := f.attr(`.bike-stations li`, "data-station"); id != second.ID {
		t.Errorf("nearest station = %s, want %s", id, second.ID)
	}
	if d := f.text(`.bike-stations li [data-testid=distance]`); !nearby.MatchString(d) {
		t.Errorf("distance to the nearest = %q", d)
	}
	f.check("bikes-stations-near-it")

	// The first station: its bikes, each with its price and an unlock button.
	if st := f.open("/bikes/stations/" + first.ID); st != 200 {
		t.Fatalf("station page: %d", st)
	}
	if c := f.text(`[data-testid=credit]`); c != "20,00\u00a0€" {
		t.Errorf("credit on the station page = %q", c)
	}
	f.check("bikes-station-it")
	bike := f.attr(`li.bike`, "data-bike")
	if st := f.submit(chromedp.Click(chromedp.CSS(`li.bike form.unlock-form button`))); st != 200 {
		t.Fatalf("unlock: %d", st)
	}
	if p := f.path(); !strings.HasPrefix(p, "/bikes/rides/ride_") {
		t.Fatalf("after unlocking at %s: %s", p, f.text("main"))
	}
	if s := f.text(`[data-testid=ride-state]`); s != "Corsa in corso" {
		t.Fatalf("ride state = %q", s)
	}
	if m.Sim.Unlocks() != 1 {
		t.Errorf("the station heard %d unlocks", m.Sim.Unlocks())
	}
	if c := f.text(`[data-testid=ride-cost]`); !strings.HasSuffix(c, "€") {
		t.Errorf("cost so far = %q", c)
	}
	f.check("bikes-ride-running-it")
	before := m.Balance(t, rider.ID)

	// The simulator docks the bike at the second station; the page, left
	// alone, shows the fare by itself.
	if _, _, err := m.Sim.Dock(bike, second.ID); err != nil {
		t.Fatal(err)
	}
	f.run(chromedp.Poll[chromedp.Void](`document.querySelector("[data-testid=ride-fare]") !== null`,
		chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(250*time.Millisecond)))
	if s := f.text(`[data-testid=ride-state]`); s != "Corsa conclusa" {
		t.Errorf("ride state after docking = %q", s)
	}
	var fare int64
	if _, err := fmt.Sscan(f.attr(`[data-testid=ride-fare]`, "data-cents"), &fare); err != nil || fare <= 0 {
		t.Fatalf("fare shown = %d (%v)", fare, err)
	}
	after := m.Balance(t, rider.ID)
	if before-after != fare {
		t.Errorf("the wallet went from %d to %d cents; the page shows a fare of %d", before, after, fare)
	}
	if left := f.text(`[data-testid=credit-left]`); left != euros(after) {
		t.Errorf("credit left on the page = %q, want %q", left, euros(after))
	}
	if done := f.text(`[data-testid=ride-done]`); !strings.Contains(done, euros(fare)) {
		t.Errorf("ride done message = %q", done)
	}
	f.check("bikes-ride-ended-it")

	if st := f.open("/bikes/rides"); st != 200 {
		t.Fatalf("ride history: %d", st)
	}
	if n := f.text(`.rides`); !strings.Contains(n, second.NameIT) || !strings.Contains(n, euros(fare)) {
		t.Errorf("ride history = %q", n)
	}
	f.check("bikes-rides-it")
	// The wallet shows the ride as a card and the lower balance.
	f.open("/wallet")
	if b := f.text(`[data-testid=balance]`); b != euros(after) {
		t.Errorf("wallet balance = %q, want %q", b, euros(after))
	}
	if body := f.text("main"); !strings.Contains(body, "Corsa in bici") {
		t.Errorf("wallet lacks the ride card:\n%s", body)
	}

	// The same pages in English.
	f.open("/bikes/rides")
	if st := f.submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`))); st != 200 {
		t.Fatalf("language switch: %d", st)
	}
	if h := f.text("h1"); h != "Your rides" {
		t.Errorf("ride history heading in English = %q", h)
	}
	f.check("bikes-rides-en")
	f.open("/bikes/stations/" + second.ID)
	if h := f.text("#code-heading"); h != "Unlock with the bike's code" {
		t.Errorf("code form heading in English = %q", h)
	}
	f.check("bikes-station-en")

	// The rider scans the QR code on a bike with the camera: it unlocks.
	f.open("/bikes/stations/" + first.ID)
	if st := f.submit(chromedp.Click(chromedp.CSS(`#bike-scan .scan-start`))); st != 200 {
		t.Fatalf("unlock by QR: %d", st)
	}
	if p := f.path(); !strings.HasPrefix(p, "/bikes/rides/ride_") {
		t.Fatalf("after scanning at %s: %s", p, f.text("main"))
	}
	if s := f.text(`[data-testid=ride-state]`); s != "Ride running" {
		t.Errorf("ride state after scanning = %q", s)
	}
	if cur, err := m.Svc.CurrentRide(ctx, rider.ID); err != nil || cur.BikeID != qrBike.ID {
		t.Errorf("ride after scanning: %+v %v", cur, err)
	}
	f.check("bikes-ride-running-en")

	// A rider without credit is told before unlocking, and has no button.
	f.login("bruno@example.org")
	f.open("/bikes/stations/" + first.ID)
	if msg := f.text(`[data-testid=credit-low]`); !strings.Contains(msg, "Credito insufficiente") {
		t.Errorf("credit message = %q", msg)
	}
	var buttons int
	f.eval(`document.querySelectorAll("form.unlock-form").length`, &buttons)
	if buttons != 0 {
		t.Errorf("%d unlock buttons for a rider without credit", buttons)
	}
	f.check("bikes-station-no-credit-it")

	// The operator: the dashboard card, every station, one station's chart.
	f.login("bici@comune.example")
	if p := f.path(); p != "/operator" {
		t.Fatalf("operator landed on %s", p)
	}
	if st := f.submit(chromedp.Click(chromedp.CSS(`a[href="/operator/bikes"]`))); st != 200 {
		t.Fatalf("operator stations: %d", st)
	}
	if h := f.text("h1"); h != "Stazioni bici" {
		t.Errorf("operator heading = %q", h)
	}
	f.check("bikes-operator-it")
	if st := f.open("/operator/bikes/stations/" + second.ID); st != 200 {
		t.Fatalf("operator station: %d", st)
	}
	var chart struct {
		Title string `json:"title"`
		Lines int    `json:"lines"`
		Rows  int    `json:"rows"`
	}
	f.eval(`(() => { const s = document.querySelector("[data-testid=occupancy-chart]");
		return {title: s.querySelector("title").textContent, lines: s.querySelectorAll("polyline").length,
			rows: document.querySelectorAll("[data-testid=occupancy-table] tbody tr").length}; })()`, &chart)
	if !strings.Contains(chart.Title, second.NameIT) || chart.Lines != 2 || chart.Rows < 20 {
		t.Errorf("occupancy chart = %+v", chart)
	}
	f.run(chromedp.Click(chromedp.CSS(`details.chart-data summary`)))
	f.check("bikes-operator-station-it")

	// The operator takes a dock out of service with a note, and closes the
	// third station; the overview lists both.
	third := m.Stations[2]
	f.open("/operator/bikes/stations/" + third.ID)
	if st := f.submit(
		chromedp.SetValue(chromedp.CSS("#note-6"), "lucchetto bloccato"),
		chromedp.Click(chromedp.CSS(`#dock-6 button[data-action=out-of-service]`)),
	); st != 200 {
		t.Fatalf("dock out of service: %d", st)
	}
	if s := f.text(`#dock-6`); !strings.Contains(s, "Fuori servizio") || !strings.Contains(s, "lucchetto bloccato") {
		t.Errorf("dock 6 after taking it out = %q", s)
	}
	if st := f.submit(chromedp.Click(chromedp.CSS(`button[data-action=close]`))); st != 200 {
		t.Fatalf("close station: %d", st)
	}
	if s := f.text(`[data-testid=station-open]`); s != "Chiusa" {
		t.Errorf("station state after closing = %q", s)
	}
	f.open("/operator/bikes")
	if row := f.text(fmt.Sprintf(`tr[data-station=%q]`, third.ID)); !strings.Contains(row, "Stallo 6 fuori servizio") || !strings.Contains(row, "Chiusa") {
		t.Errorf("overview row of the third station = %q", row)
	}
	f.check("bikes-operator-changes-it")
}

// nearby is the distance shown for a position rounded to four decimals.
var nearby = regexp.MustCompile(`^a [0-9]{1,2} m$`)

// writeCameraFile renders code as a QR on a 640x480 frame and writes it as
// a short MJPEG, which Chromium's fake camera plays in a loop.
func writeCameraFile(t *testing.T, code string) string {
	t.Helper()
	q, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	qr := q.Image(360)
	frame := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(frame, frame.Bounds(), &image.Uniform{color.RGBA{200, 200, 200, 255}}, image.Point{}, draw.Src)
	draw.Draw(frame, qr.Bounds().Add(image.Pt((640-360)/2, (480-360)/2)), qr, image.Point{}, draw.Src)
	var buf bytes.Buffer
	for range 10 {
		if err := jpeg.Encode(&buf, frame, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "camera.mjpeg")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func ptr[T any](v T) *T { return &v }

// euros formats cents as the Italian pages do.
func euros(cents int64) string {
	return fmt.Sprintf("%d,%02d\u00a0€", cents/100, cents%100)
}
