package gbfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The fixtures, renderers and checks the package's tests share.

const testBase = "https://hub.example"

var t0 = time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)

func battery(n int) *int { return &n }

// sampleSnapshot is a realistic system: mixed bikes, a bike on a ride (still
// reported in a dock by a late status, and another out on the street), an
// inactive bike, a dock fault, an unknown bike, a closed station, an offline
// station and a station that never reported.
func sampleSnapshot() Snapshot {
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
	return Config{System: CitySystem("Benevento", "Europe/Rome"), BaseURL: testBase + "/", VehicleIDSecret: []byte("test secret"), Now: func() time.Time { return t0 }}
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
	motor := map[string]bool{} // types whose vehicles must carry current_range_meters
	for _, v := range decode[vehicleTypesData](tb, bodies[FeedVehicleTypes]).Data.VehicleTypes {
		if types[v.VehicleTypeID] {
			fail("vehicle type %s twice", v.VehicleTypeID)
		}
		types[v.VehicleTypeID] = true
		motor[v.VehicleTypeID] = v.PropulsionType != string(Human)
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
		if motor[v.VehicleTypeID] && v.CurrentRangeMeters == nil {
			fail("vehicle %s of motorized type %s has no current_range_meters (GBFS v3.0 requires it)", v.VehicleID, v.VehicleTypeID)
		}
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

// decode parses a rendered feed for the consistency checks.
func decode[T any](tb testing.TB, body []byte) (env struct {
	LastUpdated string `json:"last_updated"`
	TTL         int    `json:"ttl"`
	Version     string `json:"version"`
	Data        T      `json:"data"`
}) {
	tb.Helper()
	if err := json.Unmarshal(body, &env); err != nil {
		tb.Fatalf("decode: %v\n%s", err, body)
	}
	return env
}

// systemZone is the time zone of testConfig's system, which the feeds'
// timestamps are written in.
func systemZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(testConfig().System.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
