package gbfs

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFeedsValidateAgainstSchemas(t *testing.T) {
	for name, snap := range map[string]Snapshot{"sample": sampleSnapshot(), "empty": {At: t0}} {
		t.Run(name, func(t *testing.T) {
			bodies := mustRender(t, snap)
			for _, feed := range FeedNames {
				if err := validateFeed(t, feed, bodies[feed]); err != nil {
					t.Error(err)
				}
			}
			if err := checkConsistent(t, bodies); err != nil {
				t.Error(err)
			}
		})
	}
}

// A catalogue without vehicle types still publishes vehicle_types.json,
// so every station's status carries vehicle_types_available and
// vehicle_docks_available, empty, as GBFS requires then.
func TestStationStatusWithoutVehicleTypes(t *testing.T) {
	snap := Snapshot{At: t0, Stations: []Station{{ID: "piazza-roma", NameIT: "Piazza Roma", Lat: 41.1307, Lon: 14.7795,
		Capacity: 2, Open: true, Online: true, LastReported: t0.Add(-time.Minute), Docks: []Dock{{Number: 1, InService: true}, {Number: 2, InService: true}}}}}
	bodies := mustRender(t, snap)
	for _, feed := range FeedNames {
		if err := validateFeed(t, feed, bodies[feed]); err != nil {
			t.Error(err)
		}
	}
	if s := string(bodies[FeedStationStatus]); !strings.Contains(s, `"vehicle_types_available":[]`) || !strings.Contains(s, `"vehicle_docks_available":[]`) {
		t.Errorf("station_status without vehicle types: %s", s)
	}
}

func TestStationStatusCounts(t *testing.T) {
	bodies := mustRender(t, sampleSnapshot())
	got := map[string]status{}
	for _, s := range decode[struct {
		Stations []status `json:"stations"`
	}](t, bodies[FeedStationStatus]).Data.Stations {
		got[s.StationID] = s
	}
	type want struct {
		bikes, ebikes, disabled, docks, docksOff int
		renting, returning                       bool
		reported                                 string
	}
	cases := map[string]want{
		// b3 is on a ride (a late status still shows it docked): not counted; b4 is inactive.
		"piazza-roma": {bikes: 1, ebikes: 1, disabled: 1, docks: 1, docksOff: 1, renting: true, returning: true, reported: "2026-05-04T11:29:40+02:00"},
		// b6 sits in a faulty dock; b5, an e-bike, came without its battery
		// (GBFS needs its range): both disabled. "intruder" is not a
		// registered bike; dock 5 never reported.
		"stazione-centrale": {disabled: 2, docks: 1, docksOff: 1, renting: true, returning: true, reported: "2026-05-04T11:29:55+02:00"},
		// Closed: takes bikes back, rents nothing.
		"rocca-dei-rettori": {bikes: 1, ebikes: 1, returning: true, reported: "2026-05-04T11:29:00+02:00"},
		// Offline: neither, with its last report's numbers and time.
		"santa-sofia": {bikes: 1, docks: 2, reported: "2026-05-04T09:30:00+02:00"},
	}
	if len(got) != len(cases) {
		t.Errorf("station_status has %d stations, want %d (a station that never reported is not published)", len(got), len(cases))
	}
	for id, w := range cases {
		s, ok := got[id]
		if !ok {
			t.Errorf("station %s missing", id)
			continue
		}
		types := map[string]int{}
		for _, tc := range s.VehicleTypesAvailable {
			types[tc.VehicleTypeID] = tc.Count
		}
		if types["bike"] != w.bikes || types["ebike"] != w.ebikes || s.NumVehiclesAvailable != w.bikes+w.ebikes ||
			s.NumVehiclesDisabled != w.disabled || s.NumDocksAvailable != w.docks || s.NumDocksDisabled != w.docksOff ||
			s.IsRenting != w.renting || s.IsReturning != w.returning || !s.IsInstalled || s.LastReported != w.reported {
			t.Errorf("station %s = %+v, want %+v", id, s, w)
		}
	}
	if strings.Contains(string(bodies[FeedStationInformation]), "arco-di-traiano") {
		t.Error("a station that never reported is published")
	}
}

func TestVehicleStatus(t *testing.T) {
	bodies := mustRender(t, sampleSnapshot())
	vs := decode[vehicleStatusData](t, bodies[FeedVehicleStatus]).Data.Vehicles
	// b1, b2, b4 (disabled), b5 (disabled: no battery), b6 (disabled), b8, b9, b10: docked and registered, not riding.
	if len(vs) != 8 {
		t.Fatalf("vehicle_status has %d bikes, want 8:\n%s", len(vs), bodies[FeedVehicleStatus])
	}
	b := builder{secret: []byte("test secret")}
	byID := map[string]vehicleStatus{}
	for _, v := range vs {
		byID[v.VehicleID] = v
	}
	for _, riding := range []struct {
		v       Vehicle
		station string
		dock    int
	}{{Vehicle{ID: "b3", Trip: "1"}, "piazza-roma", 5}} {
		if _, ok := byID[b.vehicleID(riding.v, riding.station, riding.dock)]; ok {
			t.Errorf("bike %s on a ride is published", riding.v.ID)
		}
	}
	b2, ok := byID[b.vehicleID(Vehicle{ID: "b2", Trip: "7"}, "piazza-roma", 2)]
	if !ok {
		t.Fatal("docked e-bike b2 missing")
	}
	if b2.IsDisabled || b2.StationID != "piazza-roma" || b2.VehicleTypeID != "ebike" || b2.PricingPlanID != "ebike" ||
		b2.CurrentRangeMeters == nil || *b2.CurrentRangeMeters != 48000 || b2.CurrentFuelPercent == nil || *b2.CurrentFuelPercent != 0.8 {
		t.Errorf("b2 = %+v", b2)
	}
	for _, v := range vs {
		for _, raw := range []string{"b1", "b2", "b3", "b4", "b5", "b6", "b8", "b9", "b10"} {
			if v.VehicleID == raw {
				t.Errorf("vehicle_status publishes the bike's own id %q", raw)
			}
		}
	}
	if strings.Contains(string(bodies[FeedVehicleStatus]), `"intruder"`) {
		t.Error("an unregistered bike is published")
	}
}

// TestVehicleIDRotatesAfterTrip: the published id is stable while a bike
// stands still and changes once a trip ends, even when the bike comes back
// to the same dock.
func TestVehicleIDRotatesAfterTrip(t *testing.T) {
	snap := sampleSnapshot()
	f, err := New(staticSource(snap), testConfig())
	if err != nil {
		t.Fatal(err)
	}
	ids := func(snap Snapshot) []string {
		f.src = staticSource(snap)
		var out []string
		for _, v := range decode[vehicleStatusData](t, mustBodies(t, f)[FeedVehicleStatus]).Data.Vehicles {
			out = append(out, v.VehicleID)
		}
		return out
	}
	before := ids(snap)
	again := ids(snap)
	if !slices.Equal(before, again) {
		t.Fatalf("ids changed without a trip: %v → %v", before, again)
	}
	// b1 rides and comes back to dock 1 of piazza-roma.
	snap.Vehicles[0].Trip = "4"
	after := ids(snap)
	var gone, kept int
	for _, id := range before {
		if slices.Contains(after, id) {
			kept++
		} else {
			gone++
		}
	}
	if gone != 1 || kept != len(before)-1 || len(after) != len(before) {
		t.Fatalf("after one trip: %d ids changed, %d kept (want 1 and %d)\nbefore %v\nafter  %v", gone, kept, len(before)-1, before, after)
	}

	// Another secret gives other ids: they cannot be computed from bike ids.
	cfg := testConfig()
	cfg.VehicleIDSecret = []byte("another secret")
	g, err := New(staticSource(snap), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range decode[vehicleStatusData](t, mustBodies(t, g)[FeedVehicleStatus]).Data.Vehicles {
		if slices.Contains(after, v.VehicleID) {
			t.Errorf("id %s is the same under another secret", v.VehicleID)
		}
	}
}

func TestPricingPlans(t *testing.T) {
	bodies := mustRender(t, sampleSnapshot())
	plans := decode[struct {
		Plans []struct {
			PlanID        string `json:"plan_id"`
			Price         any    `json:"price"`
			Currency      string `json:"currency"`
			Description   []Text `json:"description"`
			PerMinPricing []struct {
				Start, Interval int
				Rate            float64
				End             *int
			} `json:"per_min_pricing"`
		} `json:"plans"`
	}](t, bodies[FeedSystemPricingPlans]).Data.Plans
	if len(plans) != 2 || plans[0].PlanID != "ebike" || plans[1].PlanID != "standard" {
		t.Fatalf("plans = %+v", plans)
	}
	e := plans[0]
	if e.Price != 1.5 || e.Currency != "EUR" || len(e.PerMinPricing) != 2 || e.PerMinPricing[0].Rate != 0.25 ||
		e.PerMinPricing[0].End == nil || *e.PerMinPricing[0].End != 30 || e.PerMinPricing[1].Rate != 1.05 || e.PerMinPricing[1].End != nil {
		t.Errorf("ebike plan = %+v", e)
	}
	s := plans[1]
	if s.Description[0].Text != "Sblocco 1,00\u00a0€; dal minuto 0, 0,10\u00a0€ ogni 1 min." || s.Description[1].Text != "Unlock €1.00; from minute 0, €0.10 every 1 min." {
		t.Errorf("generated description = %+v", s.Description)
	}
	if !strings.Contains(string(bodies[FeedSystemPricingPlans]), `"rate":1.05`) {
		t.Errorf("prices are not exact decimals: %s", bodies[FeedSystemPricingPlans])
	}
}

func TestPrice(t *testing.T) {
	for cents, want := range map[int64]string{0: "0", 1: "0.01", 10: "0.1", 105: "1.05", 150: "1.5", 100: "1", 12345: "123.45", -5: "-0.05", -250: "-2.5"} {
		if got := Price(cents).String(); got != want {
			t.Errorf("Price(%d) = %s, want %s", cents, got, want)
		}
		var back Price
		if err := back.UnmarshalJSON([]byte(want)); err != nil || int64(back) != cents {
			t.Errorf("Price %s reads back as %d, %v", want, back, err)
		}
	}
	for _, bad := range []string{"1.005", "", ".5", "1e2", "abc", "1.x"} {
		var p Price
		if err := p.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("Price %q read as %d", bad, p)
		}
	}
}

func TestSystemInformation(t *testing.T) {
	cfg := testConfig()
	cfg.System.StartDate = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	cfg.System.PhoneNumber = "+390824772111"
	f, err := New(staticSource(Snapshot{At: t0}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	body := mustBodies(t, f)[FeedSystemInformation]
	if err := validateFeed(t, FeedSystemInformation, body); err != nil {
		t.Fatal(err)
	}
	si := decode[systemInformation](t, body).Data
	if si.Timezone != "Europe/Rome" || !slices.Equal(si.Languages, []string{"it", "en"}) || si.LicenseID != "CC-BY-4.0" ||
		si.OpeningHours == "" || si.FeedContactEmail == "" || si.URL != testBase+"/" || si.StartDate != "2026-04-01" ||
		len(si.Name) != 2 || si.Name[1].Text != "Benevento Bike Share" {
		t.Errorf("system_information = %+v", si)
	}
}

func TestConfigRefused(t *testing.T) {
	cases := map[string]func(c *Config){
		"no timezone":    func(c *Config) { c.System.Timezone = "" },
		"bad timezone":   func(c *Config) { c.System.Timezone = "Europe/Benevento" },
		"bad email":      func(c *Config) { c.System.FeedContactEmail = "opendata at comune" },
		"no hours":       func(c *Config) { c.System.OpeningHours = " " },
		"no system id":   func(c *Config) { c.System.SystemID = "" },
		"bad licence":    func(c *Config) { c.System.LicenseID = "CC BY 4.0" },
		"relative url":   func(c *Config) { c.BaseURL = "/hub" },
		"bad rider mail": func(c *Config) { c.System.Email = "x" },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig()
			edit(&cfg)
			if _, err := New(staticSource(Snapshot{}), cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := New(staticSource(Snapshot{}), testConfig()); err != nil {
		t.Fatalf("the city's defaults are refused: %v", err)
	}
}

// TestCitySystem: the system is said from the configured city's name and
// zone; for the demo's Benevento it is what the feeds always published.
func TestCitySystem(t *testing.T) {
	bn := CitySystem("Benevento", "Europe/Rome")
	want := SystemInfo{SystemID: "cityhub-benevento", NameIT: "Bici Benevento", NameEN: "Benevento Bike Share",
		OperatorIT: "Comune di Benevento", OperatorEN: "City of Benevento", Timezone: "Europe/Rome",
		OpeningHours: "24/7", FeedContactEmail: PlaceholderFeedContact, LicenseID: "CC-BY-4.0",
		AttributionIT: "Comune di Benevento", AttributionEN: "City of Benevento"}
	if bn != want {
		t.Errorf("CitySystem(Benevento) = %+v\nwant %+v", bn, want)
	}
	re := CitySystem("Reggio nell'Emilia", "Europe/Rome")
	if re.SystemID != "cityhub-reggio-nell-emilia" || re.NameIT != "Bici Reggio nell'Emilia" || re.OperatorEN != "City of Reggio nell'Emilia" {
		t.Errorf("CitySystem(Reggio nell'Emilia) = %+v", re)
	}
	for city, id := range map[string]string{"Forlì": "cityhub-forli", "  San Donà di Piave ": "cityhub-san-dona-di-piave", "L'Aquila": "cityhub-l-aquila", "…": "cityhub"} {
		if got := CitySystem(city, "Europe/Rome").SystemID; got != id {
			t.Errorf("system id of %q = %q, want %q", city, got, id)
		}
	}
	other := CitySystem("Trento", "Europe/Vienna")
	if _, err := New(staticSource(Snapshot{}), Config{System: other, BaseURL: testBase}); err != nil {
		t.Errorf("another city's system is refused: %v", err)
	}
}

// TestFeedContact: system_information gives the city's own address as the
// feed contact; a city that gave none gets the placeholder, which keeps the
// feed valid (GBFS v3.0 requires the field) and is warned about at start.
func TestFeedContact(t *testing.T) {
	if got := CitySystem("Avellino", "Europe/Rome").FeedContactEmail; got != PlaceholderFeedContact {
		t.Errorf("feed contact without an address = %q, want the placeholder", got)
	}
	for _, email := range []string{"", "  "} {
		if got := CitySystem("Avellino", "Europe/Rome").WithFeedContact(email).FeedContactEmail; got != PlaceholderFeedContact {
			t.Errorf("WithFeedContact(%q) = %q, want the placeholder", email, got)
		}
	}
	for email, warned := range map[string]bool{"urp@comune.avellino.it": false, "": true} {
		var logged bytes.Buffer
		cfg := testConfig()
		cfg.System = CitySystem("Avellino", "Europe/Rome").WithFeedContact(email)
		cfg.Log = slog.New(slog.NewTextHandler(&logged, nil))
		f, err := New(staticSource(Snapshot{At: t0}), cfg)
		if err != nil {
			t.Fatalf("%q: %v", email, err)
		}
		body := mustBodies(t, f)[FeedSystemInformation]
		if err := validateFeed(t, FeedSystemInformation, body); err != nil {
			t.Errorf("%q: %v", email, err)
		}
		want := email
		if want == "" {
			want = PlaceholderFeedContact
		}
		if got := decode[systemInformation](t, body).Data.FeedContactEmail; got != want {
			t.Errorf("feed_contact_email = %q, want %q", got, want)
		}
		if got := strings.Contains(logged.String(), "level=WARN") && strings.Contains(logged.String(), PlaceholderFeedContact); got != warned {
			t.Errorf("%q: warned about the placeholder: %v, want %v\n%s", email, got, warned, logged.String())
		}
	}
	cfg := testConfig()
	cfg.System = cfg.System.WithFeedContact("urp at comune")
	if _, err := New(staticSource(Snapshot{}), cfg); err == nil {
		t.Error("a feed contact that is not an address is accepted")
	}
}
