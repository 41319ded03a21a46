package gbfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
)

const testBase = "https://hub.example"

var t0 = time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)

func battery(n int) *int { return &n }

// benevento is a realistic system: mixed bikes, a bike on a ride (still
// reported in a dock by a late status, and another out on the street), an
// inactive bike, a dock fault, an unknown bike, a closed station, an offline
// station and a station that never reported.
func benevento() Snapshot {
	return Snapshot{
		At: t0,
		Plans: []PricingPlan{
			{ID: "standard", NameIT: "Tariffa base", NameEN: "Standard fare", UnlockCents: 100,
				PerMin: []Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}},
			{ID: "ebike", NameIT: "E-bike", UnlockCents: 150, DescriptionIT: "Sblocco e minuti", DescriptionEN: "Unlock and minutes",
				PerMin: []Segment{{StartMin: 0, RateCents: 25, IntervalMin: 1, EndMin: 30}, {StartMin: 30, RateCents: 105, IntervalMin: 5}}},
		},
		VehicleTypes: []VehicleType{
			{ID: "bike", NameIT: "Bicicletta", NameEN: "Bicycle", Propulsion: Human, PricingPlanID: "standard"},
			{ID: "ebike", NameIT: "Bici elettrica", NameEN: "E-bike", Propulsion: ElectricAssist, MaxRangeMeters: 60000, PricingPlanID: "ebike"},
		},
		Vehicles: []Vehicle{
			{ID: "b1", VehicleTypeID: "bike", Active: true, Trip: "3"},
			{ID: "b2", VehicleTypeID: "ebike", Active: true, Trip: "7"},
			{ID: "b3", VehicleTypeID: "bike", Active: true, OnRide: true, Trip: "1"},
			{ID: "b4", VehicleTypeID: "bike", Active: false},
			{ID: "b5", VehicleTypeID: "ebike", Active: true},
			{ID: "b6", VehicleTypeID: "bike", Active: true},
			{ID: "b7", VehicleTypeID: "ebike", Active: true, OnRide: true},
			{ID: "b8", VehicleTypeID: "bike", Active: true},
			{ID: "b9", VehicleTypeID: "ebike", Active: true},
			{ID: "b10", VehicleTypeID: "bike", Active: true},
		},
		Stations: []Station{
			{ID: "piazza-roma", NameIT: "Piazza Roma", NameEN: "Rome Square", Address: "Piazza Roma", Lat: 41.1307, Lon: 14.7795,
				Capacity: 6, Open: true, Online: true, LastReported: t0.Add(-20 * time.Second),
				Docks: []Dock{{Number: 1, BikeID: "b1", InService: true}, {Number: 2, BikeID: "b2", InService: true, Battery: battery(80)},
					{Number: 3, InService: true}, {Number: 4}, {Number: 5, BikeID: "b3", InService: true}, {Number: 6, BikeID: "b4", InService: true}}},
			{ID: "stazione-centrale", NameIT: "Stazione Centrale", Lat: 41.1362, Lon: 14.7862,
				Capacity: 5, Open: true, Online: true, LastReported: t0.Add(-5 * time.Second),
				Docks: []Dock{{Number: 1, BikeID: "b5", InService: true}, {Number: 2, BikeID: "b6"}, {Number: 3, InService: true},
					{Number: 4, BikeID: "intruder", InService: true}}},
			{ID: "rocca-dei-rettori", NameIT: "Rocca dei Rettori", NameEN: "Rectors' Fortress", Lat: 41.1318, Lon: 14.7823,
				Capacity: 2, Open: false, Online: true, LastReported: t0.Add(-time.Minute),
				Docks: []Dock{{Number: 1, BikeID: "b8", InService: true}, {Number: 2, BikeID: "b9", InService: true, Battery: battery(35)}}},
			{ID: "santa-sofia", NameIT: "Santa Sofia", Lat: 41.1311, Lon: 14.7772,
				Capacity: 3, Open: true, Online: false, LastReported: t0.Add(-2 * time.Hour),
				Docks: []Dock{{Number: 1, BikeID: "b10", InService: true}, {Number: 2, InService: true}, {Number: 3, InService: true}}},
			{ID: "arco-di-traiano", NameIT: "Arco di Traiano", Lat: 41.1327, Lon: 14.7834, Capacity: 8, Open: true},
		},
	}
}

func staticSource(snap Snapshot) Source {
	return SourceFunc(func(context.Context) (Snapshot, error) { return snap, nil })
}

func testConfig() Config {
	return Config{System: Benevento(), BaseURL: testBase + "/", VehicleIDSecret: []byte("test secret"), Now: func() time.Time { return t0 }}
}

// mustRender renders every feed of snap.
func mustRender(tb testing.TB, snap Snapshot) map[string][]byte {
	tb.Helper()
	f, err := New(staticSource(snap), testConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return mustBodies(tb, f)
}

func mustBodies(tb testing.TB, f *Feeds) map[string][]byte {
	tb.Helper()
	if err := f.Refresh(context.Background()); err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, name := range FeedNames {
		b, err := f.Feed(context.Background(), name)
		if err != nil {
			tb.Fatalf("feed %s: %v", name, err)
		}
		out[name] = b.JSON
	}
	return out
}

func TestFeedsValidateAgainstSchemas(t *testing.T) {
	for name, snap := range map[string]Snapshot{"benevento": benevento(), "empty": {At: t0}} {
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

type status struct {
	StationID             string       `json:"station_id"`
	NumVehiclesAvailable  int          `json:"num_vehicles_available"`
	VehicleTypesAvailable []typeCount  `json:"vehicle_types_available"`
	NumVehiclesDisabled   int          `json:"num_vehicles_disabled"`
	NumDocksAvailable     int          `json:"num_docks_available"`
	NumDocksDisabled      int          `json:"num_docks_disabled"`
	IsInstalled           bool         `json:"is_installed"`
	IsRenting             bool         `json:"is_renting"`
	IsReturning           bool         `json:"is_returning"`
	LastReported          string       `json:"last_reported"`
	VehicleDocksAvailable []typesCount `json:"vehicle_docks_available"`
}

// checkConsistent checks that the feeds agree with each other.
func checkConsistent(tb testing.TB, bodies map[string][]byte) error {
	tb.Helper()
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	links := decode[gbfsData](tb, bodies[FeedGBFS]).Data
	var listed []string
	for _, l := range links.Feeds {
		listed = append(listed, l.Name)
		if l.URL != testBase+"/gbfs/v3/"+l.Name+".json" {
			fail("gbfs.json links %s at %s", l.Name, l.URL)
		}
	}
	if !slices.Equal(listed, FeedNames) {
		fail("gbfs.json lists %v", listed)
	}

	envs := map[string]int{}
	for _, name := range FeedNames {
		env := decode[any](tb, bodies[name])
		if env.Version != "3.0" || env.TTL <= 0 {
			fail("%s: version %q ttl %d", name, env.Version, env.TTL)
		}
		envs[name] = env.TTL
	}

	plans := map[string]bool{}
	for _, p := range decode[pricingPlansData](tb, bodies[FeedSystemPricingPlans]).Data.Plans {
		if plans[p.PlanID] {
			fail("plan %s twice", p.PlanID)
		}
		plans[p.PlanID] = true
	}
	types := map[string]bool{}
	for _, v := range decode[vehicleTypesData](tb, bodies[FeedVehicleTypes]).Data.VehicleTypes {
		if types[v.VehicleTypeID] {
			fail("vehicle type %s twice", v.VehicleTypeID)
		}
		types[v.VehicleTypeID] = true
		for _, p := range append(slices.Clone(v.PricingPlanIDs), v.DefaultPricingPlanID) {
			if p != "" && !plans[p] {
				fail("vehicle type %s refers to missing plan %q", v.VehicleTypeID, p)
			}
		}
	}
	checkTypes := func(where string, ids []string) {
		for _, id := range ids {
			if !types[id] {
				fail("%s refers to missing vehicle type %q", where, id)
			}
		}
	}

	capacity := map[string]int{}
	for _, s := range decode[stationInformationData](tb, bodies[FeedStationInformation]).Data.Stations {
		if _, dup := capacity[s.StationID]; dup {
			fail("station_information lists %s twice", s.StationID)
		}
		capacity[s.StationID] = s.Capacity
		langs := []string{}
		for _, n := range s.Name {
			langs = append(langs, n.Language)
		}
		if !slices.Equal(langs, []string{"it", "en"}) {
			fail("station %s names in %v", s.StationID, langs)
		}
		for _, c := range s.VehicleDocksCapacity {
			checkTypes("station_information "+s.StationID, c.VehicleTypeIDs)
		}
	}
	statuses := map[string]status{}
	statusUpdated, err := time.Parse(time.RFC3339, decode[any](tb, bodies[FeedStationStatus]).LastUpdated)
	if err != nil {
		fail("station_status last_updated: %v", err)
	}
	for _, s := range decode[struct {
		Stations []status `json:"stations"`
	}](tb, bodies[FeedStationStatus]).Data.Stations {
		if _, dup := statuses[s.StationID]; dup {
			fail("station_status lists %s twice", s.StationID)
		}
		statuses[s.StationID] = s
		c, ok := capacity[s.StationID]
		if !ok {
			fail("station_status has %s, station_information has not", s.StationID)
		}
		sum := 0
		for _, tc := range s.VehicleTypesAvailable {
			sum += tc.Count
			checkTypes("station_status "+s.StationID, []string{tc.VehicleTypeID})
		}
		if len(types) > 0 && sum != s.NumVehiclesAvailable {
			fail("station %s: per-type counts sum to %d, num_vehicles_available is %d", s.StationID, sum, s.NumVehiclesAvailable)
		}
		if n := s.NumVehiclesAvailable + s.NumVehiclesDisabled + s.NumDocksAvailable + s.NumDocksDisabled; n > c {
			fail("station %s: %d bikes and docks in %d places", s.StationID, n, c)
		}
		for _, d := range s.VehicleDocksAvailable {
			checkTypes("station_status "+s.StationID, d.VehicleTypeIDs)
			if d.Count != s.NumDocksAvailable {
				fail("station %s: %d docks available by type, %d in all", s.StationID, d.Count, s.NumDocksAvailable)
			}
		}
		if reported, err := time.Parse(time.RFC3339, s.LastReported); err != nil || reported.After(statusUpdated) {
			fail("station %s reported at %s, after the feed's last_updated %s (%v)", s.StationID, s.LastReported, statusUpdated, err)
		}
		if s.IsRenting && !s.IsInstalled {
			fail("station %s rents while not installed", s.StationID)
		}
	}
	for id := range capacity {
		if _, ok := statuses[id]; !ok {
			fail("station_information has %s, station_status has not", id)
		}
	}

	vehicles := map[string]bool{}
	avail := map[string]map[string]int{} // station → type → available
	disabled := map[string]int{}
	for _, v := range decode[vehicleStatusData](tb, bodies[FeedVehicleStatus]).Data.Vehicles {
		if vehicles[v.VehicleID] {
			fail("vehicle %s twice", v.VehicleID)
		}
		vehicles[v.VehicleID] = true
		st, ok := statuses[v.StationID]
		if !ok {
			fail("vehicle %s docked at unknown station %q", v.VehicleID, v.StationID)
		}
		if v.LastReported != st.LastReported {
			fail("vehicle %s reported %s, its station %s", v.VehicleID, v.LastReported, st.LastReported)
		}
		checkTypes("vehicle_status", []string{v.VehicleTypeID})
		if v.PricingPlanID != "" && !plans[v.PricingPlanID] {
			fail("vehicle %s refers to missing plan %q", v.VehicleID, v.PricingPlanID)
		}
		if v.IsDisabled {
			disabled[v.StationID]++
			continue
		}
		if avail[v.StationID] == nil {
			avail[v.StationID] = map[string]int{}
		}
		avail[v.StationID][v.VehicleTypeID]++
	}
	for id, s := range statuses {
		if disabled[id] != s.NumVehiclesDisabled {
			fail("station %s: %d disabled bikes in vehicle_status, %d in station_status", id, disabled[id], s.NumVehiclesDisabled)
		}
		n := 0
		for _, tc := range s.VehicleTypesAvailable {
			n += tc.Count
			if avail[id][tc.VehicleTypeID] != tc.Count {
				fail("station %s: %d %s in vehicle_status, %d in station_status", id, avail[id][tc.VehicleTypeID], tc.VehicleTypeID, tc.Count)
			}
		}
		total := 0
		for _, c := range avail[id] {
			total += c
		}
		if total != s.NumVehiclesAvailable {
			fail("station %s: %d available bikes in vehicle_status, %d in station_status", id, total, s.NumVehiclesAvailable)
		}
	}
	return errors.Join(errs...)
}

func TestStationStatusCounts(t *testing.T) {
	bodies := mustRender(t, benevento())
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
		// b6 sits in a faulty dock; "intruder" is not a registered bike; dock 5 never reported.
		"stazione-centrale": {ebikes: 1, disabled: 1, docks: 1, docksOff: 1, renting: true, returning: true, reported: "2026-05-04T11:29:55+02:00"},
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
	bodies := mustRender(t, benevento())
	vs := decode[vehicleStatusData](t, bodies[FeedVehicleStatus]).Data.Vehicles
	// b1, b2, b4 (disabled), b5, b6 (disabled), b8, b9, b10: docked and registered, not riding.
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
	snap := benevento()
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
	bodies := mustRender(t, benevento())
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
		t.Fatalf("the Benevento defaults are refused: %v", err)
	}
}

// TestLastUpdatedAndETag: last_updated moves only when a feed's data
// changes; unchanged feeds keep their ETag; ttl is the refresh period.
func TestLastUpdatedAndETag(t *testing.T) {
	var mu sync.Mutex
	snap := benevento()
	cfg := testConfig()
	cfg.Refresh = 30 * time.Second
	f, err := New(SourceFunc(func(context.Context) (Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		return snap, nil
	}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	first := map[string]*Body{}
	for _, name := range FeedNames {
		first[name], _ = f.Feed(ctx, name)
	}
	if env := decode[any](t, first[FeedStationStatus].JSON); env.TTL != 30 || env.LastUpdated != "2026-05-04T11:30:00+02:00" {
		t.Fatalf("ttl %d last_updated %s", env.TTL, env.LastUpdated)
	}
	if age := first[FeedStationStatus].MaxAge(t0.Add(20 * time.Second)); age != 10 {
		t.Errorf("max age 20 s after rendering = %d, want 10", age)
	}

	mu.Lock()
	snap.At = t0.Add(30 * time.Second)
	snap.Stations[0].LastReported = t0.Add(25 * time.Second)
	snap.Stations[0].Docks[2].BikeID = "b7" // b7's ride ends at piazza-roma dock 3
	snap.Vehicles[6].OnRide, snap.Vehicles[6].Trip = false, "1"
	mu.Unlock()
	if err := f.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range FeedNames {
		now, _ := f.Feed(ctx, name)
		changed := name == FeedStationStatus || name == FeedVehicleStatus
		if changed {
			if now.ETag == first[name].ETag || !now.LastUpdated.Equal(t0.Add(30*time.Second)) {
				t.Errorf("%s changed but kept etag %s / last_updated %s", name, now.ETag, now.LastUpdated)
			}
		} else if now.ETag != first[name].ETag || !now.LastUpdated.Equal(t0) {
			t.Errorf("%s did not change but got etag %s / last_updated %s", name, now.ETag, now.LastUpdated)
		}
	}
}

// TestSourceFailure: with nothing rendered a failing source makes Feed
// Unavailable; once rendered, a failure keeps the old bodies.
func TestSourceFailure(t *testing.T) {
	var mu sync.Mutex
	fail := true
	calls := 0
	now := t0
	cfg := testConfig()
	cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f, err := New(SourceFunc(func(context.Context) (Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if fail {
			return Snapshot{}, errors.New("database down")
		}
		return Snapshot{At: now}, nil
	}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := f.Feed(ctx, FeedStationStatus); !apperr.Has(err, apperr.Unavailable) {
			t.Fatalf("err = %v, want unavailable", err)
		}
	}
	if calls != 1 {
		t.Errorf("a failing source was asked %d times within a second", calls)
	}
	mu.Lock()
	fail, now = false, now.Add(2*time.Second)
	mu.Unlock()
	b, err := f.Feed(ctx, FeedStationStatus)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Feed(ctx, "free_bike_status"); !apperr.Has(err, apperr.NotFound) {
		t.Errorf("unknown feed: %v", err)
	}
	mu.Lock()
	fail, now = true, now.Add(time.Hour)
	mu.Unlock()
	old, err := f.Feed(ctx, FeedStationStatus)
	if err != nil || old != b {
		t.Errorf("after a failed refresh: %v, same body %v", err, old == b)
	}
}

// TestConcurrentReadsDuringRefresh races readers against refreshes.
func TestConcurrentReadsDuringRefresh(t *testing.T) {
	f, err := New(staticSource(benevento()), testConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 4 {
		wg.Go(func() {
			for range 20 {
				if err := f.Refresh(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				b, err := f.Feed(ctx, FeedNames[i%len(FeedNames)])
				if err != nil {
					errs <- err
					return
				}
				if len(b.JSON) == 0 || b.ETag == "" {
					errs <- errors.New("empty body")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRunRefreshes: Run renders at once and then every ttl, not more often.
func TestRunRefreshes(t *testing.T) {
	const ttl = time.Second // the shortest: a feed's ttl is whole seconds
	reads := make(chan time.Time, 10)
	cfg := testConfig()
	cfg.Now = nil
	cfg.Refresh = ttl
	f, err := New(SourceFunc(func(context.Context) (Snapshot, error) {
		reads <- time.Now()
		return Snapshot{At: time.Now()}, nil
	}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	start := time.Now()
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}()
	read := func(what string) time.Time {
		t.Helper()
		select {
		case at := <-reads:
			return at
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s read of the source", what)
			return time.Time{}
		}
	}
	// The first read comes before the first tick could, the second a ttl
	// later (the loop allows half a tick of slack), not sooner.
	first := read("first")
	if d := first.Sub(start); d >= ttl {
		t.Errorf("the first read came %s after Run started, not at once", d)
	}
	if gap := read("second").Sub(first); gap < ttl/2 {
		t.Errorf("the second read came %s after the first, with a %s ttl", gap, ttl)
	}
}

type versionedSource struct {
	mu      sync.Mutex
	version int64
	calls   int
	looks   int // Version calls: the loop looking for a change
	snap    Snapshot
}

func (v *versionedSource) GBFSSnapshot(context.Context) (Snapshot, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls++
	return v.snap, nil
}

func (v *versionedSource) Version() int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.looks++
	return v.version
}

// TestRunRefreshesOnChange: with a Versioned source, a change is published
// within MinRefresh instead of the ttl, and nothing is read while nothing
// changes.
func TestRunRefreshesOnChange(t *testing.T) {
	src := &versionedSource{snap: benevento()}
	cfg := testConfig()
	cfg.Now = nil
	cfg.Refresh = time.Hour
	cfg.MinRefresh = 20 * time.Millisecond
	f, err := New(src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	calls := func() int { src.mu.Lock(); defer src.mu.Unlock(); return src.calls }
	looks := func() int { src.mu.Lock(); defer src.mu.Unlock(); return src.looks }
	testutil.Eventually(t, 5*time.Second, "first rendering", func() bool { return calls() == 1 })
	// The loop asks for the version at every tick: five asks that found
	// no change must not have read the source.
	seen := looks()
	testutil.Eventually(t, 5*time.Second, "five looks for a change", func() bool { return looks() >= seen+5 })
	if n := calls(); n != 1 {
		t.Fatalf("read %d times without a change", n)
	}
	first, _ := f.Feed(ctx, FeedStationStatus)

	src.mu.Lock()
	src.snap.At = t0.Add(time.Minute)
	src.snap.Stations[0].Open = false
	src.version++
	src.mu.Unlock()
	testutil.Eventually(t, 5*time.Second, "the change", func() bool {
		b, _ := f.Feed(ctx, FeedStationStatus)
		return b.ETag != first.ETag
	})
	if n := calls(); n > 3 {
		t.Errorf("read %d times for one change", n)
	}
}

// Issue 9: replicas behind one load balancer rendered the same data with
// their own render times, so a client saw last_updated and the ETag jump
// back and forth. Both come from the data's change times now: two hubs
// rendering the same data at different moments serve the same bytes.
func TestReplicasServeTheSameETagAndLastUpdated(t *testing.T) {
	ctx := context.Background()
	render := func(at time.Time) map[string]*Body {
		snap := benevento()
		snap.At = at
		snap.ChangedAt, snap.CatalogueChangedAt = t0.Add(-10*time.Second), t0.Add(-time.Hour)
		cfg := testConfig()
		cfg.Now = func() time.Time { return at }
		f, err := New(SourceFunc(func(context.Context) (Snapshot, error) { return snap, nil }), cfg)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*Body{}
		for _, name := range FeedNames {
			if out[name], err = f.Feed(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	a, b := render(t0), render(t0.Add(7*time.Second))
	for _, name := range FeedNames {
		if a[name].ETag != b[name].ETag || !a[name].LastUpdated.Equal(b[name].LastUpdated) || !bytes.Equal(a[name].JSON, b[name].JSON) {
			t.Errorf("%s: replica A etag %s last_updated %s, replica B etag %s last_updated %s", name,
				a[name].ETag, a[name].LastUpdated, b[name].ETag, b[name].LastUpdated)
		}
	}
	if want := t0.Add(-10 * time.Second); !a[FeedStationStatus].LastUpdated.Equal(want) {
		t.Errorf("station_status last_updated %s, want the data's change time %s", a[FeedStationStatus].LastUpdated, want)
	}
	if want := t0.Add(-time.Hour); !a[FeedSystemInformation].LastUpdated.Equal(want) {
		t.Errorf("system_information last_updated %s, want the catalogue's change time %s", a[FeedSystemInformation].LastUpdated, want)
	}
}
