package ui

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

func TestOccupancyChartGeometry(t *testing.T) {
	l := &locale{Lang: "it", zone: mustZone(t, "Europe/Rome"), msgs: map[string]string{"mobility.chart.desc": "%d %d %d %d %d", "mobility.chart.no_data": "none", "mobility.chart.yesterday": "ieri %s"}}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	samples := []mobility.OccupancySample{
		{At: now.Add(-24 * time.Hour), Bikes: 0, FreeDocks: 10},
		// 01:10 and 01:50 in Rome: one hourly table row, the later sample's.
		{At: now.Add(-11*time.Hour - 50*time.Minute), Bikes: 5, FreeDocks: 5},
		{At: now.Add(-11*time.Hour - 10*time.Minute), Bikes: 6, FreeDocks: 4},
		{At: now, Bikes: 10, FreeDocks: 0},
	}
	c := buildOccupancyChart(l, samples, 10, now)
	// x runs from 24 hours ago (left, 36) to now (right, 468); y from 0
	// (bottom, 208) to the capacity (top, 12); each count holds until the
	// next sample.
	if want := "36,208 255,208 255,110 267,110 267,90 468,90 468,12 468,12"; c.BikesPoints != want {
		t.Errorf("bikes points = %q, want %q", c.BikesPoints, want)
	}
	if len(c.XTicks) != 4 || len(c.YTicks) != 3 || c.YTicks[2].Label != "10" || c.YTicks[2].Pos != chartTop {
		t.Errorf("ticks x %v y %v", c.XTicks, c.YTicks)
	}
	if len(c.Rows) != 3 || c.Rows[1].Bikes != 6 || c.Rows[0].Hour != "ieri 13:00" || c.Rows[2].Hour != "13:00" || c.Desc != "4 0 10 10 0" {
		t.Errorf("rows %v desc %q", c.Rows, c.Desc)
	}
	if e := buildOccupancyChart(l, nil, 10, now); !e.Empty || e.BikesPoints != "" || e.Desc != "none" {
		t.Errorf("empty chart %+v", e)
	}
}

// Area catalogues merge into their language's catalogue; a key defined twice
// (in one file or in two) or a file of an unknown language stops the start.
func TestCatalogueSplit(t *testing.T) {
	base := func() fstest.MapFS {
		return fstest.MapFS{
			"i18n/it.json":          {Data: []byte(`{"a": "uno"}`)},
			"i18n/en.json":          {Data: []byte(`{"a": "one"}`)},
			"i18n/mobility.it.json": {Data: []byte(`{"m": "bici"}`)},
			"i18n/mobility.en.json": {Data: []byte(`{"m": "bike"}`)},
		}
	}
	locs, err := loadCataloguesFrom(base())
	if err != nil || locs["it"].T("m") != "bici" || locs["en"].T("a") != "one" || len(locs["en"].keys()) != 2 {
		t.Fatalf("merged: %v %v", locs, err)
	}
	for name, mutate := range map[string]func(fstest.MapFS){
		"across files": func(f fstest.MapFS) { f["i18n/tickets.it.json"] = &fstest.MapFile{Data: []byte(`{"m": "biglietto"}`)} },
		"in one file": func(f fstest.MapFS) {
			f["i18n/mobility.it.json"] = &fstest.MapFile{Data: []byte(`{"m": "bici", "m": "bici"}`)}
		},
		"unknown lang": func(f fstest.MapFS) { f["i18n/mobility.de.json"] = &fstest.MapFile{Data: []byte(`{"m": "Fahrrad"}`)} },
		"not strings":  func(f fstest.MapFS) { f["i18n/mobility.en.json"] = &fstest.MapFile{Data: []byte(`{"m": {"x": "y"}}`)} },
		"no base":      func(f fstest.MapFS) { delete(f, "i18n/en.json") },
	} {
		f := base()
		mutate(f)
		if _, err := loadCataloguesFrom(f); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	// The real catalogues include the mobility area, in both languages.
	real, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range pageLanguages {
		if !real[lang].Has("mobility.ride.fare") || !real[lang].Has("wallet.title") && !real[lang].Has("nav.wallet") {
			t.Errorf("%s catalogue lacks the merged keys", lang)
		}
	}
}

// Keys the bike pages build at run time or name in Go code exist in both
// languages (the template keys are checked by TestEveryKeyUsedExists).
func TestBikePageKeysExist(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"mobility.credit_short", "mobility.duration_minutes", "mobility.duration_hours", "mobility.since_minutes",
		"mobility.since_hours", "mobility.distance_m", "mobility.distance_km", "mobility.chart.desc", "mobility.chart.no_data", "mobility.chart.yesterday",
		"mobility.panel.title", "mobility.panel.text", "nav.bikes"}
	for _, s := range []mobility.RideStatus{mobility.RidePending, mobility.RideActive, mobility.RideEnded, mobility.RideFailed} {
		keys = append(keys, "mobility.ride.state."+string(s))
	}
	for _, lang := range pageLanguages {
		for _, k := range keys {
			if !locs[lang].Has(k) {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
	it, en := locs["it"], locs["en"]
	if got := rideDuration(it, 3725); got != "1 h 02 min" {
		t.Errorf("duration = %q", got)
	}
	if got := rideDuration(en, 65); got != "1 min 05 s" {
		t.Errorf("duration = %q", got)
	}
	if got := distanceText(it, 1249); got != "a 1,2 km" {
		t.Errorf("distance = %q", got)
	}
	if got := distanceText(en, 350); got != "350 m away" {
		t.Errorf("distance = %q", got)
	}
}

// Whatever the query says, a position is either absent or a real one.
func FuzzBikePosition(f *testing.F) {
	for _, seed := range [][2]string{{"41.13", "14.78"}, {"NaN", "1"}, {"91", "0"}, {"-0", "-180"}, {"1e308", "Inf"}, {"", "14"}, {"0x1p-2", "1_0"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, lat, lon string) {
		r := httptest.NewRequest("GET", "/bikes?"+url.Values{"lat": {lat}, "lon": {lon}}.Encode(), nil)
		p, ok := positionOf(r)
		if ok != (p != nil) {
			t.Fatalf("ok %v with position %v", ok, p)
		}
		if p != nil && !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180) {
			t.Fatalf("position %+v from %q, %q", *p, lat, lon)
		}
	})
}

// The stations map starts at the middle of the stations it shows, wherever
// the city is; with none there is no map and no centre.
func TestStationsCentre(t *testing.T) {
	list := []mobility.StationView{{Station: mobility.Station{Lat: 45.0, Lon: 7.0}}, {Station: mobility.Station{Lat: 45.2, Lon: 7.4}}}
	if got := stationsCentre(list); got != "45.10000,7.20000" {
		t.Errorf("two stations: %q", got)
	}
	if got := stationsCentre(nil); got != "" {
		t.Errorf("no station: %q", got)
	}
}

// A station clock off by 30 s or more is named on the operator's pages, in
// the reader's language, with the direction; a clock within that, or not
// learnt yet, says nothing.
func TestClockText(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	lag := func(ms int64) mobility.OperatorStation {
		d := time.Duration(ms) * time.Millisecond
		return mobility.OperatorStation{ClockLagMS: &ms, ClockOff: d >= mobility.ClockOffAfter || d <= -mobility.ClockOffAfter}
	}
	cases := []struct {
		lang string
		st   mobility.OperatorStation
		want string
	}{
		{"en", lag(5*60_000 + 400), "Clock 5 min behind"},
		{"it", lag(5*60_000 + 400), "Orologio indietro di 5 min"},
		{"en", lag(-45_000), "Clock 45 s ahead"},
		{"it", lag(2*3_600_000 + 60_000), "Orologio indietro di 2 h 01 min"},
		{"en", lag(29_999), ""},
		{"en", mobility.OperatorStation{}, ""},
	}
	for _, c := range cases {
		if got := clockText(locs[c.lang], c.st); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.lang, c.st.ClockLagMS, got, c.want)
		}
	}
}

// failingPageWallet fails every balance read, as a wallet whose store is down.
type failingPageWallet struct{ PageWallet }

var errWalletDown = errors.New("wallet store down")

func (failingPageWallet) AccountFor(context.Context, wallet.Reader, wallet.AccountID) (wallet.Account, error) {
	return wallet.Account{}, apperr.Wrap(errWalletDown, apperr.Internal, "read balance")
}

// An unlock refused (no credit) whose station page then fails to build shows
// and logs the page's failure, not the refusal.
func TestUnlockRefusedPageFailureShown(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	m := mobilitytest.New(t, db, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 1, Docks: 2})
	var logs testutil.Buffer
	u := New(Deps{Log: slog.New(slog.NewTextHandler(&logs, nil)), Mobility: m.Svc,
		Wallet: failingPageWallet{m.Wallet}})
	rider := mobilitytest.Citizen(m.Rider(t, 0))
	st := m.Stations[0]
	form := url.Values{"request_id": {"unl_page_fails"}, "station_id": {st.ID}, "dock": {"1"}, "bike_id": {st.Bikes[0].ID}}
	r := httptest.NewRequest("POST", "/bikes/unlock", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	u.bikes.handleBikeUnlock(w, r, rider)
	if logged := logs.String(); w.Code != http.StatusInternalServerError || !strings.Contains(logged, errWalletDown.Error()) {
		t.Fatalf("failed page after a refused unlock: %d, log %q\n%s", w.Code, logged, w.Body.String())
	}
}

// A station's address of two lines is refused by the domain (reason
// station_address), and the form shows the refusal on the address field,
// in the reader's language.
func TestStationFormAddressRefusedOnItsField(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"it": "L'indirizzo è una sola riga di al massimo 300 caratteri, senza caratteri di controllo.",
		"en": "The address is one line of at most 300 characters, without control characters.",
	}
	for _, lang := range pageLanguages {
		p := &bikeAdminFormPage{ID: "s1", Values: map[string]string{}, Errors: map[string]string{}}
		f := url.Values{"name_it": {"Stazione"}, "address": {"Via Roma\n1"}, "lat": {"41,13"}, "lon": {"14,78"}, "capacity": {"4"}}
		write := (&bikeAdminPages{}).parseAndCheck(context.Background(), identity.Caller{}, locs[lang], kindStations, f, p)
		if write != nil || p.Errors["address"] != want[lang] || len(p.Errors) != 1 || p.Problem != "" {
			t.Errorf("%s: errors %q, problem %q, write %t; want %q on the address alone", lang, p.Errors, p.Problem, write != nil, want[lang])
		}
	}
}
