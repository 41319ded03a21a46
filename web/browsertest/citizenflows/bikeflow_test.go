// TestRiderUnlocksRidesAndDocksThroughThePages drives the rider's and the operator's bike pages in a
// real headless Chromium on a real hub: SQLite, identity, wallet, the
// mobility service on the embedded MQTT broker, and simulated stations that
// answer unlocks and dock bikes. A visitor sees the stations and a
// station's bikes, asked to sign in to unlock. A rider signs in, finds the stations (in
// Italian, nearest first once the phone shares its position), unlocks a
// bike, watches the running ride, and after the simulator docks the bike
// sees the final fare, charged to the wallet to the cent. Another rider
// reports a broken bike (a wrong code first, kept next to its field). The
// operator sees the stations and a station's occupancy chart, closes a
// station after a confirmation, and resolves the rider's report. Every page
// passes pagetest's checks on the phone and the desktop.

package citizenflows

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
)

func TestRiderUnlocksRidesAndDocksThroughThePages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids := h.Log, h.DB, h.Keys, h.IDs
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

	srv := web.New(web.Deps{Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: m.Wallet, Mobility: m.Svc})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	first, second := m.Stations[0], m.Stations[1]
	// The camera sees the QR code on the frame of the first station's second
	// bike: a link ending in the bike's code.
	qrBike := first.Bikes[1]
	f := newFlow(t, ts.URL, pagetest.WriteCameraFile(t, "https://bici.comune.example/b/"+qrBike.ID))

	// A visitor sees the stations and a station's bikes, and is asked to
	// sign in to unlock one.
	if st := f.Open("/bikes"); st != 200 {
		t.Fatalf("stations page for a visitor: %d", st)
	}
	if a := f.Text(`[data-testid=sign-in-to-unlock] a`); a != "Accedi per sbloccare una bici" {
		t.Errorf("visitor's sign-in link = %q", a)
	}
	f.Check("bikes-stations-visitor-it")
	if st := f.Open("/bikes/stations/" + first.ID); st != 200 {
		t.Fatalf("station page for a visitor: %d", st)
	}
	if a := f.Text(`[data-testid=sign-in-to-unlock] a`); a != "Accedi per sbloccare una bici" {
		t.Errorf("visitor's sign-in link on the station = %q", a)
	}
	f.Check("bikes-station-visitor-it")

	// The rider signs in and finds the stations in Italian, by name.
	f.Login("anna@example.org")
	if st := f.Open("/bikes"); st != 200 {
		t.Fatalf("stations page: %d", st)
	}
	if h := f.Text("h1"); h != "Stazioni bici" {
		t.Errorf("stations heading = %q", h)
	}
	if n := f.Text(fmt.Sprintf(`[data-station=%q] [data-testid=free-docks]`, first.ID)); n != "2" {
		t.Errorf("free docks at %s = %s, want 2", first.ID, n)
	}
	f.Check("bikes-stations-it")
	// The map: Leaflet shown above the list, a marker per station, no page
	// wider than the phone. Tiles may not load here; the list is the page.
	f.Run(chromedp.Poll[chromedp.Void](`document.querySelectorAll("#bike-map .leaflet-marker-icon").length === 3`,
		chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
	var wide bool
	f.Eval(`document.documentElement.scrollWidth > window.innerWidth`, &wide)
	if wide {
		t.Errorf("the stations page is wider than the %d px phone", pagetest.PhoneWidth)
	}
	// The map's own buttons speak the page's language.
	var zoom []string
	f.Eval(`[...document.querySelectorAll("#bike-map .leaflet-control-zoom a")].map(a => a.getAttribute("aria-label") + "|" + a.title)`, &zoom)
	if strings.Join(zoom, " ") != "Ingrandisci la mappa|Ingrandisci la mappa Rimpicciolisci la mappa|Rimpicciolisci la mappa" {
		t.Errorf("the map's zoom buttons on an Italian page: %q", zoom)
	}
	// A favourite goes first, and the page still passes axe-core.
	if st := f.Submit(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-station=%q] [data-testid=favourite-toggle]`, m.Stations[2].ID)))); st != 200 {
		t.Fatalf("favourite: %d", st)
	}
	if id := f.Attr(`.bike-stations li`, "data-station"); id != m.Stations[2].ID {
		t.Errorf("first station after marking a favourite = %s, want %s", id, m.Stations[2].ID)
	}
	f.Run(chromedp.Poll[chromedp.Void](`document.querySelectorAll("#bike-map .leaflet-marker-icon").length === 3`,
		chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
	f.Check("bikes-stations-map-favourite-it")
	var favName string
	f.Eval(`(() => { const h = document.querySelector(".bike-stations li .station-name").cloneNode(true);
		h.querySelectorAll("[aria-hidden=true]").forEach(e => e.remove()); return h.textContent.replace(/\s+/g, " ").trim(); })()`, &favName)
	if strings.ContainsAny(favName, "★☆") || !strings.HasSuffix(favName, "(preferita)") {
		t.Errorf("a favourite station's heading reads %q", favName)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-station=%q] [data-testid=favourite-toggle]`, m.Stations[2].ID)))); st != 200 {
		t.Fatalf("unmark favourite: %d", st)
	}

	// The phone shares its position (at the second station): the script
	// reloads the list nearest first.
	if _, err := chromedp.CallBrowser(f.Ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: string(browser.PermissionTypeGeolocation)}, Setting: browser.PermissionSettingGranted, Origin: ts.URL}); err != nil {
		t.Fatalf("grant geolocation: %v", err)
	}
	lat, lon := second.Lat, second.Lon
	if _, err := chromedp.Call(f.Ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: ptr(10.0)}); err != nil {
		t.Fatalf("set position: %v", err)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`#locate`))); st != 200 {
		t.Fatalf("stations near the phone: %d", st)
	}
	if p := f.Path(); !strings.Contains(p, "lat=") {
		t.Fatalf("after sharing the position at %s", p)
	}
	if id := f.Attr(`.bike-stations li`, "data-station"); id != second.ID {
		t.Errorf("nearest station = %s, want %s", id, second.ID)
	}
	if d := f.Text(`.bike-stations li [data-testid=distance]`); !nearby.MatchString(d) {
		t.Errorf("distance to the nearest = %q", d)
	}
	f.Check("bikes-stations-near-it")

	// The first station: its bikes, each with its price and an unlock button.
	if st := f.Open("/bikes/stations/" + first.ID); st != 200 {
		t.Fatalf("station page: %d", st)
	}
	if c := f.Text(`[data-testid=credit]`); c != "20,00\u00a0€" {
		t.Errorf("credit on the station page = %q", c)
	}
	f.Check("bikes-station-it")
	// The favourite's button is named by its words, not by the star drawn
	// before them ("stella bianca, Aggiungi ai preferiti").
	var said string
	f.Eval(`(() => { const b = document.querySelector("[data-testid=favourite-toggle]").cloneNode(true);
		b.querySelectorAll("[aria-hidden=true]").forEach(e => e.remove()); return b.textContent.trim(); })()`, &said)
	if said != "Aggiungi ai preferiti" {
		t.Errorf("the favourite's button reads %q", said)
	}
	bike := f.Attr(`li.bike`, "data-bike")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`li.bike form.unlock-form button`))); st != 200 {
		t.Fatalf("unlock: %d", st)
	}
	if p := f.Path(); !strings.HasPrefix(p, "/bikes/rides/ride_") {
		t.Fatalf("after unlocking at %s: %s", p, f.Text("main"))
	}
	if s := f.Text(`[data-testid=ride-state]`); s != "Corsa aperta" {
		t.Fatalf("ride state = %q", s)
	}
	if m.Sim.Unlocks() != 1 {
		t.Errorf("the station heard %d unlocks", m.Sim.Unlocks())
	}
	if c := f.Text(`[data-testid=ride-cost]`); !strings.HasSuffix(c, "€") {
		t.Errorf("cost so far = %q", c)
	}
	f.Check("bikes-ride-running-it")
	before := m.Balance(t, rider.ID)

	// The simulator docks the bike at the second station; the page, left
	// alone, shows the fare by itself.
	if _, _, err := m.Sim.Dock(bike, second.ID); err != nil {
		t.Fatal(err)
	}
	f.Run(chromedp.Poll[chromedp.Void](`document.querySelector("[data-testid=ride-fare]") !== null`,
		chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(250*time.Millisecond)))
	if s := f.Text(`[data-testid=ride-state]`); s != "Corsa conclusa" {
		t.Errorf("ride state after docking = %q", s)
	}
	var fare int64
	if _, err := fmt.Sscan(f.Attr(`[data-testid=ride-fare]`, "data-cents"), &fare); err != nil || fare <= 0 {
		t.Fatalf("fare shown = %d (%v)", fare, err)
	}
	after := m.Balance(t, rider.ID)
	if before-after != fare {
		t.Errorf("the wallet went from %d to %d cents; the page shows a fare of %d", before, after, fare)
	}
	if left := f.Text(`[data-testid=credit-now]`); left != euros(after) {
		t.Errorf("current credit on the page = %q, want %q", left, euros(after))
	}
	if done := f.Text(`[data-testid=ride-done]`); !strings.Contains(done, euros(fare)) {
		t.Errorf("ride done message = %q", done)
	}
	f.Check("bikes-ride-ended-it")

	if st := f.Open("/bikes/rides"); st != 200 {
		t.Fatalf("ride history: %d", st)
	}
	if n := f.Text(`.rides`); !strings.Contains(n, second.NameIT) || !strings.Contains(n, euros(fare)) {
		t.Errorf("ride history = %q", n)
	}
	f.Check("bikes-rides-it")
	// The wallet shows the ride as a card and the lower balance.
	f.Open("/wallet")
	if b := f.Text(`[data-testid=balance]`); b != euros(after) {
		t.Errorf("wallet balance = %q, want %q", b, euros(after))
	}
	if body := f.Text("main"); !strings.Contains(body, "Corsa in bici") {
		t.Errorf("wallet lacks the ride card:\n%s", body)
	}

	// The same pages in English.
	f.Open("/bikes/rides")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`))); st != 200 {
		t.Fatalf("language switch: %d", st)
	}
	if h := f.Text("h1"); h != "Your rides" {
		t.Errorf("ride history heading in English = %q", h)
	}
	f.Check("bikes-rides-en")
	f.Open("/bikes/stations/" + second.ID)
	if h := f.Text("#code-heading"); h != "Unlock with the bike's code" {
		t.Errorf("code form heading in English = %q", h)
	}
	f.Check("bikes-station-en")

	// The rider scans the QR code on a bike with the camera: it unlocks.
	f.Open("/bikes/stations/" + first.ID)
	if st := f.Submit(chromedp.Click(chromedp.CSS(`#bike-scan .scan-start`))); st != 200 {
		t.Fatalf("unlock by QR: %d", st)
	}
	if p := f.Path(); !strings.HasPrefix(p, "/bikes/rides/ride_") {
		t.Fatalf("after scanning at %s: %s", p, f.Text("main"))
	}
	if s := f.Text(`[data-testid=ride-state]`); s != "Ride in progress" {
		t.Errorf("ride state after scanning = %q", s)
	}
	if cur, err := m.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider.ID)); err != nil || cur.BikeID != qrBike.ID {
		t.Errorf("ride after scanning: %+v %v", cur, err)
	}
	f.Check("bikes-ride-running-en")

	// A rider without credit is told before unlocking, and has no button.
	f.Login("bruno@example.org")
	f.Open("/bikes/stations/" + first.ID)
	if msg := f.Text(`[data-testid=credit-low]`); !strings.Contains(msg, "Credito insufficiente") {
		t.Errorf("credit message = %q", msg)
	}
	var buttons int
	f.Eval(`document.querySelectorAll("form.unlock-form").length`, &buttons)
	if buttons != 0 {
		t.Errorf("%d unlock buttons for a rider without credit", buttons)
	}
	f.Check("bikes-station-no-credit-it")
	reportFault(f, first.ID, qrBike.ID)

	// The operator: the dashboard card, every station, one station's chart.
	f.Login("bici@comune.example")
	if p := f.Path(); p != "/operator" {
		t.Fatalf("operator landed on %s", p)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`a[href="/operator/bikes"]`))); st != 200 {
		t.Fatalf("operator stations: %d", st)
	}
	if h := f.Text("h1"); h != "Stazioni bici" {
		t.Errorf("operator heading = %q", h)
	}
	f.Check("bikes-operator-it")
	if st := f.Open("/operator/bikes/stations/" + second.ID); st != 200 {
		t.Fatalf("operator station: %d", st)
	}
	var chart struct {
		Title string `json:"title"`
		Lines int    `json:"lines"`
		Rows  int    `json:"rows"`
	}
	f.Eval(`(() => { const s = document.querySelector("[data-testid=occupancy-chart]");
		return {title: s.querySelector("title").textContent, lines: s.querySelectorAll("polyline").length,
			rows: document.querySelectorAll("[data-testid=occupancy-table] tbody tr").length}; })()`, &chart)
	if !strings.Contains(chart.Title, second.NameIT) || chart.Lines != 2 || chart.Rows < 20 {
		t.Errorf("occupancy chart = %+v", chart)
	}
	f.Run(chromedp.Click(chromedp.CSS(`details.chart-data summary`)))
	f.Check("bikes-operator-station-it")

	// The operator takes a dock out of service with a note, and closes the
	// third station; the overview lists both.
	third := m.Stations[2]
	f.Open("/operator/bikes/stations/" + third.ID)
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#note-6"), "lucchetto bloccato"),
		chromedp.Click(chromedp.CSS(`#dock-6 button[data-action=out-of-service]`)),
	); st != 200 {
		t.Fatalf("dock out of service: %d", st)
	}
	if s := f.Text(`#dock-6`); !strings.Contains(s, "Fuori servizio") || !strings.Contains(s, "lucchetto bloccato") {
		t.Errorf("dock 6 after taking it out = %q", s)
	}
	// Closing asks first, saying what it does.
	if st := f.Submit(chromedp.Click(chromedp.CSS(`a[data-action=close]`))); st != 200 {
		t.Fatalf("close station: %d", st)
	}
	f.Check("bikes-operator-close-confirm")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid=confirm-button]`))); st != 200 {
		t.Fatalf("confirm closing: %d", st)
	}
	if s := f.Text(`[data-testid=station-open]`); s != "Chiusa" {
		t.Errorf("station state after closing = %q", s)
	}
	f.Open("/operator/bikes")
	if row := f.Text(fmt.Sprintf(`tr[data-station=%q]`, third.ID)); !strings.Contains(row, "Stallo 6 fuori servizio") || !strings.Contains(row, "Chiusa") {
		t.Errorf("overview row of the third station = %q", row)
	}
	f.Check("bikes-operator-changes-it")
	resolveReport(f, qrBike.ID)
}

// reportFault files a rider's fault report on a bike from the station
// page: a code that is no bike's comes back next to its field with what
// was typed, the right one is confirmed on the page.
func reportFault(f *flow, stationID, bikeID string) {
	t := f.T
	const text = "il freno posteriore non frena"
	if st := f.Open("/bikes/stations/" + stationID); st != 200 {
		t.Fatalf("station page: %d", st)
	}
	if st := f.Submit(
		chromedp.Click(chromedp.CSS("#f-target-bike")),
		chromedp.SetValue(chromedp.CSS("#f-bike_id"), "bn-999-b99"),
		chromedp.SetValue(chromedp.CSS("#f-description"), text),
		chromedp.Click(chromedp.CSS(`[data-testid=fault-report] button[type=submit]`)),
	); st != 404 {
		t.Fatalf("report of no bike: %d", st)
	}
	if f.Text(`[data-field-error=bike_id]`) == "" || !strings.Contains(f.Attr("#f-bike_id", "class"), "is-invalid") {
		t.Fatal("no message next to the bike's code")
	}
	var typed []string
	f.Eval(`[document.querySelector("#f-bike_id").value, document.querySelector("#f-description").value]`, &typed)
	if typed[0] != "bn-999-b99" || typed[1] != text {
		t.Fatalf("the report form lost what was typed: %q", typed)
	}
	f.Check("bikes-report-error-it")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-bike_id"), bikeID),
		chromedp.Click(chromedp.CSS(`[data-testid=fault-report] button[type=submit]`)),
	); st != 200 {
		t.Fatalf("report: %d", st)
	}
	if got := f.Text(`[data-testid=report-sent]`); got == "" {
		t.Fatal("the station page does not confirm the report")
	}
	f.Check("bikes-report-sent-it")
}

// resolveReport: the operator finds the rider's report from the dashboard,
// with its bike and words, and resolves it.
func resolveReport(f *flow, bikeID string) {
	t := f.T
	if st := f.Open("/operator"); st != 200 {
		t.Fatalf("operator dashboard: %d", st)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`a[href="/operator/bikes/reports"]`))); st != 200 {
		t.Fatalf("reports page: %d", st)
	}
	row := f.Text(`[data-testid=report-list] li`)
	if !strings.Contains(row, bikeID) || !strings.Contains(row, "il freno posteriore non frena") {
		t.Fatalf("the operator's report reads %q", row)
	}
	f.Check("bikes-operator-reports-it")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid=report-list] li form button`))); st != 200 {
		t.Fatalf("resolve: %d", st)
	}
	if f.Text(`[data-testid=resolved]`) == "" || f.Text(`[data-testid=no-reports]`) == "" {
		t.Fatal("the resolved report is still listed, or not confirmed")
	}
}

// nearby is the distance shown for a position rounded to four decimals.
var nearby = regexp.MustCompile(`^a [0-9]{1,2} m$`)

func ptr[T any](v T) *T { return &v }

// euros formats cents as the Italian pages do.
func euros(cents int64) string {
	return fmt.Sprintf("%d,%02d\u00a0€", cents/100, cents%100)
}
