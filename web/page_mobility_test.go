package web

import (
	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/simulator"
	"cityhub/web/webtest"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/wallet"
)

// bikePagesEnv is a hub with the real mobility service, the embedded broker
// and simulated stations behind the pages.
type bikePagesEnv struct {
	env *testEnv
	m   *mobilitytest.Env
	srv *httptest.Server
}

func newBikePagesEnv(t *testing.T) *bikePagesEnv {
	t.Helper()
	return newBikePagesEnvWith(t, nil)
}

// newBikePagesEnvWith is newBikePagesEnv with the simulated stations set by
// sim (nil: as they come).
func newBikePagesEnvWith(t *testing.T, sim func(*simulator.Config)) *bikePagesEnv {
	t.Helper()
	return newBikePagesEnvOn(t, "sqlite", sim)
}

// newBikePagesEnvOn is newBikePagesEnvWith on the store engine given.
func newBikePagesEnvOn(t *testing.T, engine string, sim func(*simulator.Config)) *bikePagesEnv {
	t.Helper()
	var m *mobilitytest.Env
	_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
		m = mobilitytest.New(t, env.DB, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 2, Docks: 6, Sim: sim})
		d.Mobility = m.Svc
		d.Wallet = m.Wallet
	})
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	return &bikePagesEnv{env: env, m: m, srv: srv}
}

// signIn creates an account with role and signs it in through the login page.
func (b *bikePagesEnv) signIn(t *testing.T, role identity.Role) (*webtest.PageClient, identity.Account) {
	t.Helper()
	a, _ := b.env.account(t, role)
	pc := webtest.SignedIn(t, b.srv.URL, a.Email, testPassword)
	return pc, a
}

func (b *bikePagesEnv) topUp(t *testing.T, accountID string, cents int64) {
	t.Helper()
	if _, err := b.m.Wallet.Post(context.Background(), wallet.Transaction{Key: "topup:" + accountID + ":" + time.Now().String(), Kind: "topup", Entries: []wallet.Entry{
		{Account: wallet.CityFunding, Amount: -cents}, {Account: wallet.CitizenAccount(accountID), Amount: cents}}}); err != nil {
		t.Fatal(err)
	}
}

var unlockFormRE = regexp.MustCompile(`(?s)<form method="post" action="/bikes/unlock".*?name="request_id" value="([^"]+)".*?name="dock" value="(\d+)">\s*<input type="hidden" name="bike_id" value="([^"]+)">`)

func TestBikePagesRoles(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	st := b.m.Stations[0].ID
	anon := webtest.NewPageClient(t, b.srv.URL)
	for _, p := range []string{"/bikes/rides", "/operator/bikes", "/operator/bikes/stations/" + st} {
		if res, _ := anon.Get(p); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Errorf("anonymous GET %s: %d %s", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The stations and their bikes are everyone's, as GBFS and the station
	// API are (TestBikePagesOpenToVisitors); unlocking asks for a sign-in.
	for _, p := range []string{"/bikes", "/bikes/stations/" + st} {
		if res, body := anon.Get(p); res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="sign-in-to-unlock"`) {
			t.Errorf("anonymous GET %s: %d", p, res.StatusCode)
		}
	}

	citizen, _ := b.signIn(t, identity.RoleCitizen)
	for _, p := range []string{"/operator/bikes", "/operator/bikes/stations/" + st} {
		if res, body := citizen.Get(p); res.StatusCode != http.StatusForbidden || strings.Contains(body, "occupancy-chart") {
			t.Errorf("citizen GET %s: %d", p, res.StatusCode)
		}
	}
	tok := citizen.CSRF("/bikes")
	if res, _ := citizen.Post("/operator/bikes/stations/"+st+"/open", url.Values{"csrf_token": {tok}, "open": {"false"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("citizen closes a station: %d", res.StatusCode)
	}
	if res, _ := citizen.Post("/operator/bikes/stations/"+st+"/docks/1", url.Values{"csrf_token": {tok}, "in_service": {"false"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("citizen takes a dock out: %d", res.StatusCode)
	}
	if s, err := b.m.Svc.Station(context.Background(), identity.System(), st); err != nil || !s.Open {
		t.Fatalf("station after the citizen's attempts: %+v %v", s, err)
	}
	if docks, err := b.m.Svc.Docks(context.Background(), identity.System(), st); err != nil || len(docks) != 0 {
		t.Fatalf("dock settings after the citizen's attempts: %+v %v", docks, err)
	}

	operator, _ := b.signIn(t, identity.RoleOperator)
	if res, _ := operator.Get("/bikes/rides"); res.StatusCode != http.StatusForbidden {
		t.Errorf("operator GET /bikes/rides: %d, want 403", res.StatusCode)
	}
	// An operator sees the stations as anyone does, without unlocking.
	for _, p := range []string{"/bikes", "/bikes/stations/" + st} {
		if res, body := operator.Get(p); res.StatusCode != http.StatusOK || strings.Contains(body, `action="/bikes/unlock"`) || strings.Contains(body, `data-testid="sign-in-to-unlock"`) {
			t.Errorf("operator GET %s: %d", p, res.StatusCode)
		}
	}
	if _, body := operator.Get("/bikes/stations/" + st); !strings.Contains(body, `data-testid="riders-only"`) {
		t.Errorf("operator's station page does not say who unlocks:\n%s", body)
	}
	// The operator's dashboard has the bikes card.
	if res, body := operator.Get("/operator"); res.StatusCode != 200 || !strings.Contains(body, `href="/operator/bikes"`) || !strings.Contains(body, "Stazioni bici") {
		t.Errorf("operator dashboard: %d\n%s", res.StatusCode, body)
	}
}

// A rider without credit is told so on the station page and refused
// cleanly; a forged unlock (no CSRF token) never reaches the station; a
// double submit of one form is one unlock; the ride page follows the ride to
// its fare, charged to the wallet.
func TestBikeUnlockRideDockPages(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	ctx := context.Background()
	st := b.m.Stations[0]
	rider, acct := b.signIn(t, identity.RoleCitizen)

	res, body := rider.Get("/bikes")
	if res.StatusCode != 200 || !strings.Contains(body, st.NameIT) || !strings.Contains(body, "Stazioni bici") {
		t.Fatalf("stations page: %d\n%s", res.StatusCode, body)
	}
	// With a position, nearest first and with distances.
	_, body = rider.Get("/bikes?lat=41.1338&lon=14.7826")
	if i, j := strings.Index(body, b.m.Stations[0].NameIT+"<"), strings.Index(body, b.m.Stations[1].NameIT+"<"); i < 0 || j < 0 || i > j ||
		!strings.Contains(body, `data-testid="distance"`) || !strings.Contains(body, "dalla più vicina") {
		t.Errorf("stations near a position are not nearest first (%d, %d)", i, j)
	}

	res, body = rider.Get("/bikes/stations/" + st.ID)
	if res.StatusCode != 200 || !strings.Contains(body, `data-testid="credit-low"`) || !strings.Contains(body, "Credito insufficiente per sbloccare: hai 0,00\u00a0€") {
		t.Fatalf("station page without credit: %d\n%s", res.StatusCode, body)
	}
	if unlockFormRE.MatchString(body) {
		t.Errorf("unlock buttons offered to a rider without credit")
	}
	tok := rider.CSRF("/bikes")
	bike := st.Bikes[0]
	form := url.Values{"csrf_token": {tok}, "request_id": {"unl_test_nocredit"}, "station_id": {st.ID}, "dock": {"1"}, "bike_id": {bike.ID}}
	res, body = rider.Post("/bikes/unlock", form)
	if res.StatusCode != http.StatusPaymentRequired || !strings.Contains(body, `data-reason="insufficient_credit"`) || !strings.Contains(body, "Ricarica il portafoglio") {
		t.Fatalf("unlock without credit: %d\n%s", res.StatusCode, body)
	}

	b.topUp(t, acct.ID, 1000)
	_, body = rider.Get("/bikes/stations/" + st.ID)
	m := unlockFormRE.FindStringSubmatch(body)
	if m == nil || strings.Contains(body, `data-testid="credit-low"`) {
		t.Fatalf("no unlock form with credit:\n%s", body)
	}
	requestID, dock, bikeID := m[1], m[2], m[3]

	// Without the CSRF token: refused before anything reaches the station.
	res, _ = rider.Post("/bikes/unlock", url.Values{"request_id": {requestID}, "station_id": {st.ID}, "dock": {dock}, "bike_id": {bikeID}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("unlock without CSRF: %d", res.StatusCode)
	}
	if n := b.m.Sim.Unlocks(); n != 0 {
		t.Fatalf("the station heard %d unlocks after refused requests", n)
	}

	// A double press: two concurrent posts of the same form are one unlock.
	form = url.Values{"csrf_token": {tok}, "request_id": {requestID}, "station_id": {st.ID}, "dock": {dock}, "bike_id": {bikeID}}
	locs := make(chan string, 2)
	for range 2 {
		go func() {
			res, err := rider.Client.PostForm(b.srv.URL+"/bikes/unlock", form)
			if err != nil {
				locs <- err.Error()
				return
			}
			res.Body.Close()
			locs <- res.Status + " " + res.Header.Get("Location")
		}()
	}
	l1, l2 := <-locs, <-locs
	if l1 != l2 || !strings.HasPrefix(l1, "303 See Other /bikes/rides/ride_") {
		t.Fatalf("double submit answered %q and %q", l1, l2)
	}
	if n := b.m.Sim.Unlocks(); n != 1 {
		t.Fatalf("the station heard %d unlocks for one double press", n)
	}
	ridePath := strings.TrimPrefix(l1, "303 See Other ")

	_, body = rider.Get(ridePath)
	if !strings.Contains(body, "Corsa aperta") || !strings.Contains(body, `data-testid="ride-cost"`) || !strings.Contains(body, `data-refresh=`) {
		t.Fatalf("running ride page:\n%s", body)
	}
	// The ride is on the stations page too, and a second unlock is refused.
	if _, body = rider.Get("/bikes"); !strings.Contains(body, `data-testid="ride-banner"`) {
		t.Errorf("stations page does not point to the running ride")
	}
	// Another rider cannot see this ride.
	other, _ := b.signIn(t, identity.RoleCitizen)
	if res, _ := other.Get(ridePath); res.StatusCode != http.StatusNotFound {
		t.Errorf("another rider's ride: %d", res.StatusCode)
	}

	before := b.m.Balance(t, acct.ID)
	if _, _, err := b.m.Sim.Dock(bikeID, b.m.Stations[1].ID); err != nil {
		t.Fatal(err)
	}
	var ride mobility.RideView
	testutil.Eventually(t, 10*time.Second, "the ride ends", func() bool {
		rides, err := b.m.Svc.RideHistory(ctx, mobilitytest.Citizen(acct.ID), time.Time{}, 5)
		if err != nil || len(rides) == 0 || rides[0].Status != mobility.RideEnded {
			return false
		}
		ride = rides[0]
		return true
	})
	_, body = rider.Get(ridePath)
	fare := fmt.Sprintf("%d,%02d\u00a0€", ride.FareCents/100, ride.FareCents%100) // as the Italian pages write it
	if ride.FareCents <= 0 || !strings.Contains(body, "Corsa conclusa") || !strings.Contains(body, `data-testid="ride-fare" data-cents="`) ||
		!strings.Contains(body, fare) || strings.Contains(body, "data-refresh=") || !strings.Contains(body, b.m.Stations[1].NameIT) {
		t.Fatalf("ended ride page (fare %d):\n%s", ride.FareCents, body)
	}
	if after := b.m.Balance(t, acct.ID); before-after != ride.FareCents {
		t.Errorf("balance %d → %d, fare %d", before, after, ride.FareCents)
	}
	if _, body = rider.Get("/bikes/rides"); !strings.Contains(body, ridePath) || !strings.Contains(body, fare) {
		t.Errorf("ride history lacks the ride:\n%s", body)
	}
	// The wallet cards list the ride with its fare.
	items, err := b.m.Svc.WalletItems(ctx, acct.ID)
	if err != nil || len(items) != 1 || items[0].Status != "ended" || *items[0].Value != ride.FareCents || items[0].Link != ridePath {
		t.Errorf("ride wallet items: %+v %v", items, err)
	}
	// The wallet page names the stations in its own language, as the ride
	// page does, where it gave the Italian names on the English page.
	end := b.m.Stations[1]
	b.m.Wallet.RegisterItems("ride", b.m.Svc) // as the hub does
	if _, body := rider.Get("/wallet"); !strings.Contains(body, `<h3 class="item-title">`+st.NameIT+" → "+end.NameIT+`</h3>`) {
		t.Errorf("Italian wallet page without the ride's stations:\n%s", body)
	}
	english(rider)
	if _, body := rider.Get(ridePath); !strings.Contains(body, end.NameEN) {
		t.Errorf("English ride page without %q:\n%s", end.NameEN, body)
	}
	if _, body := rider.Get("/wallet"); !strings.Contains(body, `<h3 class="item-title">`+st.NameEN+" → "+end.NameEN+`</h3>`) {
		t.Errorf("English wallet page without the ride's stations in English:\n%s", body)
	}
}

// Stations whose clocks run five minutes behind are named so on the
// operator's overview and station page, in Italian and in English.
func TestOperatorSeesAStationClockOff(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnvWith(t, func(c *simulator.Config) { c.ClockBehind = 5 * time.Minute })
	st := b.m.Stations[0]
	op, _ := b.signIn(t, identity.RoleOperator)
	for _, page := range []string{"/operator/bikes", "/operator/bikes/stations/" + st.ID} {
		res, body := op.Get(page)
		if res.StatusCode != 200 || !strings.Contains(body, `data-testid="clock">Orologio indietro di 5 min</span>`) {
			t.Fatalf("%s: %d, no clock named\n%s", page, res.StatusCode, body)
		}
	}
	if res, _ := op.Post("/language", url.Values{"csrf_token": {op.CSRF("/operator/bikes")}, "lang": {"en"}, "next": {"/operator/bikes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to English: %d", res.StatusCode)
	}
	if _, body := op.Get("/operator/bikes/stations/" + st.ID); !strings.Contains(body, `data-testid="clock">Clock 5 min behind</span>`) {
		t.Fatalf("in English, no clock named\n%s", body)
	}
}

// A station whose clock runs more than 2 minutes ahead has its messages
// refused: the operator's overview and station page say so, and by how
// much, where they showed it as it last was with nothing to check.
func TestOperatorSeesAStationClockRefused(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	st := b.m.Stations[0]
	if err := b.m.Svc.StationClockAhead(context.Background(), identity.System(), st.ID, time.Now(), 5*time.Minute+20*time.Second); err != nil {
		t.Fatal(err)
	}
	op, _ := b.signIn(t, identity.RoleOperator)
	for _, page := range []string{"/operator/bikes", "/operator/bikes/stations/" + st.ID} {
		res, body := op.Get(page)
		if res.StatusCode != 200 || !strings.Contains(body, `data-testid="clock">Orologio avanti di 5 min: i suoi messaggi sono rifiutati</span>`) {
			t.Fatalf("%s: %d, the refused clock not named\n%s", page, res.StatusCode, body)
		}
	}
	if _, body := op.Get("/operator/bikes/stations/" + b.m.Stations[1].ID); strings.Contains(body, `data-testid="clock"`) {
		t.Errorf("a station in time is named for its clock:\n%s", body)
	}
}

func TestOperatorBikePages(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	ctx := context.Background()
	st := b.m.Stations[0]
	op, _ := b.signIn(t, identity.RoleOperator)

	res, body := op.Get("/operator/bikes")
	if res.StatusCode != 200 || !strings.Contains(body, st.NameIT) || !strings.Contains(body, "Tutte le stazioni sono in linea") {
		t.Fatalf("operator stations: %d\n%s", res.StatusCode, body)
	}
	res, body = op.Get("/operator/bikes/stations/" + st.ID)
	if res.StatusCode != 200 || !strings.Contains(body, `<svg viewBox="0 0 480 240" role="img" aria-labelledby="chart-title chart-desc"`) ||
		!strings.Contains(body, `<title id="chart-title">`) || !strings.Contains(body, `data-testid="occupancy-table"`) ||
		!strings.Contains(body, "<polyline") {
		t.Fatalf("operator station page: %d\n%s", res.StatusCode, body)
	}
	if res, _ := op.Get("/operator/bikes/stations/nope"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown station: %d", res.StatusCode)
	}

	tok := op.CSRF("/operator/bikes/stations/" + st.ID)
	// Without the token nothing changes.
	if res, _ := op.Post("/operator/bikes/stations/"+st.ID+"/open", url.Values{"open": {"false"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("close without CSRF: %d", res.StatusCode)
	}
	// Without the confirmation nothing changes either: the post leads to
	// the page saying what closing does.
	res, _ = op.Post("/operator/bikes/stations/"+st.ID+"/open", url.Values{"csrf_token": {tok}, "open": {"false"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/operator/bikes/stations/"+st.ID+"/open?open=false" {
		t.Fatalf("close without confirmation: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if s, _ := b.m.Svc.Station(ctx, identity.System(), st.ID); !s.Open {
		t.Fatal("an unconfirmed close closed the station")
	}
	if _, body := op.Get("/operator/bikes/stations/" + st.ID + "/open?open=false"); !strings.Contains(body, `name="confirm" value="yes"`) {
		t.Fatalf("close confirmation:\n%s", body)
	}
	res, _ = op.Post("/operator/bikes/stations/"+st.ID+"/open", url.Values{"csrf_token": {tok}, "open": {"false"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close: %d", res.StatusCode)
	}
	if s, _ := b.m.Svc.Station(ctx, identity.System(), st.ID); s.Open {
		t.Fatal("station still open")
	}
	res, _ = op.Post("/operator/bikes/stations/"+st.ID+"/docks/2", url.Values{"csrf_token": {tok}, "in_service": {"false"}, "note": {"lucchetto bloccato"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/operator/bikes/stations/"+st.ID+"#dock-2" {
		t.Fatalf("dock out of service: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := op.Post("/operator/bikes/stations/"+st.ID+"/docks/99", url.Values{"csrf_token": {tok}, "in_service": {"false"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("dock 99: %d", res.StatusCode)
	}
	_, body = op.Get("/operator/bikes/stations/" + st.ID)
	if !strings.Contains(body, `data-testid="station-open">Chiusa`) || !strings.Contains(body, "lucchetto bloccato") || !strings.Contains(body, `data-action="open"`) {
		t.Errorf("station page after the changes:\n%s", body)
	}
	_, body = op.Get("/operator/bikes")
	if !strings.Contains(body, "Stallo 2 fuori servizio") {
		t.Errorf("overview lacks the dock out of service")
	}

	// A bike taken out of the fleet stays visible to the operator at its
	// dock, and riders are no longer offered it.
	parked := st.Bikes[0]
	if _, err := b.m.Svc.PutBike(ctx, identity.System(), mobility.Bike{ID: parked.ID, VehicleTypeID: "bike", Active: false}); err != nil {
		t.Fatal(err)
	}
	_, body = op.Get("/operator/bikes/stations/" + st.ID)
	if !regexp.MustCompile(`(?s)id="dock-` + strconv.Itoa(parked.Dock) + `".*?<code>` + parked.ID + `</code>`).MatchString(body) {
		t.Errorf("operator page lacks the inactive bike %s at dock %d", parked.ID, parked.Dock)
	}
	rider, _ := b.signIn(t, identity.RoleCitizen)
	if _, body = rider.Get("/bikes/stations/" + st.ID); strings.Contains(body, `data-bike="`+parked.ID+`"`) {
		t.Errorf("riders are offered the inactive bike")
	}

	// A station that stops reporting is listed as offline.
	b.m.Svc.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
	_, body = op.Get("/operator/bikes")
	if !strings.Contains(body, `data-testid="offline-list"`) || !strings.Contains(body, "ultimo segnale") {
		t.Errorf("overview an hour later shows no offline stations")
	}
}

// A station that refuses shows the station page again with the reason and
// charges nothing; a bike's code (typed, any case) unlocks that bike; a code
// of a bike at another station is refused on the page.
func TestBikeUnlockRefusedAndByCode(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	st := b.m.Stations[0]
	rider, acct := b.signIn(t, identity.RoleCitizen)
	b.topUp(t, acct.ID, 1000)
	tok := rider.CSRF("/bikes/stations/" + st.ID)

	b.m.Sim.SetBehaviour(1, 0, 0)
	res, body := rider.Post("/bikes/unlock", url.Values{"csrf_token": {tok}, "request_id": {"unl_refused_1"}, "station_id": {st.ID},
		"dock": {"1"}, "bike_id": {st.Bikes[0].ID}})
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `data-testid="unlock-error"`) ||
		!strings.Contains(body, "Non ti è stato addebitato nulla") || !strings.Contains(body, "<h1>"+st.NameIT+"</h1>") {
		t.Fatalf("refused unlock: %d\n%s", res.StatusCode, body)
	}
	if got := b.m.Balance(t, acct.ID); got != 1000 {
		t.Errorf("balance after a refused unlock = %d", got)
	}
	b.m.Sim.SetBehaviour(0, 0, 0)

	other := b.m.Stations[1].Bikes[0].ID
	res, body = rider.Post("/bikes/unlock", url.Values{"csrf_token": {tok}, "request_id": {"unl_code_other"}, "station_id": {st.ID}, "bike_id": {other}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "non è agganciata a questa stazione") {
		t.Fatalf("code of a bike elsewhere: %d\n%s", res.StatusCode, body)
	}
	res, body = rider.Post("/bikes/unlock", url.Values{"csrf_token": {tok}, "request_id": {"unl_code_bad"}, "station_id": {st.ID}, "bike_id": {"b/1"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "non è scritto correttamente") {
		t.Fatalf("malformed code: %d\n%s", res.StatusCode, body)
	}

	_, body = rider.Get("/bikes/stations/" + st.ID)
	m := regexp.MustCompile(`name="request_id" value="([^"]+)">\s*<input type="hidden" name="station_id" value="[^"]+">\s*<div class="field">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no code form:\n%s", body)
	}
	code := strings.ToUpper(st.Bikes[1].ID)
	res, _ = rider.Post("/bikes/unlock", url.Values{"csrf_token": {tok}, "request_id": {m[1]}, "station_id": {st.ID}, "bike_id": {" " + code + " "}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/bikes/rides/ride_") {
		t.Fatalf("unlock by code: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	cur, err := b.m.Svc.CurrentRide(context.Background(), mobilitytest.Citizen(acct.ID))
	if err != nil || cur.BikeID != st.Bikes[1].ID || cur.StartDock != st.Bikes[1].Dock {
		t.Fatalf("ride by code: %+v %v", cur, err)
	}
}

// The operator's reset button needs its confirmation box; a citizen cannot
// reset; the reset forgets the station's reported state.
func TestOperatorResetsStationPage(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	st := b.m.Stations[0].ID
	citizen, _ := b.signIn(t, identity.RoleCitizen)
	if res, _ := citizen.Post("/operator/bikes/stations/"+st+"/reset", url.Values{"csrf_token": {citizen.CSRF("/bikes")}, "confirm": {"yes"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("citizen resets a station: %d", res.StatusCode)
	}
	operator, _ := b.signIn(t, identity.RoleOperator)
	res, body := operator.Get("/operator/bikes/stations/" + st)
	if res.StatusCode != 200 || !strings.Contains(body, `action="/operator/bikes/stations/`+st+`/reset"`) || !strings.Contains(body, `data-testid="reset-confirm"`) {
		t.Fatalf("station page without the reset form: %d", res.StatusCode)
	}
	tok := operator.CSRF("/operator/bikes/stations/" + st)
	if res, _ := operator.Post("/operator/bikes/stations/"+st+"/reset", url.Values{"csrf_token": {tok}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("reset without the confirmation: %d, want 400", res.StatusCode)
	}
	if s, err := b.m.StationState(st); err != nil || s.LastReported.IsZero() {
		t.Fatalf("state changed by an unconfirmed reset: %+v %v", s, err)
	}
	if res, _ := operator.Post("/operator/bikes/stations/"+st+"/reset", url.Values{"csrf_token": {tok}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed reset: %d, want 303", res.StatusCode)
	}
	if _, err := b.m.StationState(st); !apperr.Has(err, apperr.NotFound) {
		t.Errorf("the station's state outlived the reset: %v", err)
	}
}
