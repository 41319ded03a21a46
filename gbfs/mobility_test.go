package gbfs

import (
	"testing"
	"time"

	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
)

// TestFromMobility maps a mobility snapshot: faults and the operator's dock
// settings take docks out of service, open rides hold their bikes, liveness
// follows the mobility service's staleness rule, and the result validates.
func TestFromMobility(t *testing.T) {
	svc := mobilitytest.NewService(nil, nil)
	svc.StaleAfter = 10 * time.Minute
	pct := 64
	snap := mobility.Snapshot{
		At: t0,
		Stations: []mobility.Station{
			{ID: "piazza-roma", NameIT: "Piazza Roma", NameEN: "Rome Square", Lat: 41.1307, Lon: 14.7795, Capacity: 4, Open: true},
			{ID: "rocca", NameIT: "Rocca dei Rettori", Lat: 41.1318, Lon: 14.7823, Capacity: 2, Open: true},
			{ID: "nuova", NameIT: "Nuova", Lat: 41.13, Lon: 14.78, Capacity: 2, Open: true},
		},
		States: map[string]mobility.StationState{
			"piazza-roma": {StationID: "piazza-roma", Online: true, LastReported: t0.Add(-time.Minute), Docks: []mobility.DockState{
				{Dock: 1, BikeID: "b1", Locked: true}, {Dock: 2, BikeID: "b2", Locked: true, Battery: &pct},
				{Dock: 3, Fault: "jammed"}, {Dock: 4}}},
			// Says online, but its last status is older than StaleAfter.
			"rocca": {StationID: "rocca", Online: true, LastReported: t0.Add(-time.Hour), Docks: []mobility.DockState{
				{Dock: 1, BikeID: "b3", Locked: true}, {Dock: 2}}},
		},
		Docks: map[string][]mobility.Dock{"piazza-roma": {{StationID: "piazza-roma", Number: 4, InService: false}}},
		Bikes: map[string]mobility.Bike{
			"b1": {ID: "b1", VehicleTypeID: "bike", Active: true},
			"b2": {ID: "b2", VehicleTypeID: "ebike", Active: true},
			"b3": {ID: "b3", VehicleTypeID: "bike", Active: true},
		},
		VehicleTypes: map[string]mobility.VehicleType{
			"bike":  {ID: "bike", NameIT: "Bicicletta", Propulsion: mobility.Human, PricingPlanID: "base"},
			"ebike": {ID: "ebike", NameIT: "Bici elettrica", Propulsion: mobility.ElectricAssist, MaxRangeMeters: 50000, PricingPlanID: "base"},
		},
		Plans:     []mobility.PricingPlan{{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}},
		OpenRides: []mobility.Ride{{ID: "r1", BikeID: "b1", Status: mobility.RideActive}},
	}
	got := FromMobility(snap, svc)
	if len(got.Stations) != 3 || len(got.Vehicles) != 3 || len(got.VehicleTypes) != 2 || len(got.Plans) != 1 {
		t.Fatalf("mapped %+v", got)
	}
	byID := map[string]Station{}
	for _, s := range got.Stations {
		byID[s.ID] = s
	}
	if s := byID["piazza-roma"]; !s.Online || len(s.Docks) != 4 || !s.Docks[0].InService || s.Docks[2].InService || s.Docks[3].InService ||
		s.Docks[1].Battery == nil || *s.Docks[1].Battery != 64 {
		t.Errorf("piazza-roma = %+v", s)
	}
	if byID["rocca"].Online {
		t.Error("a stale station is online")
	}
	if !byID["nuova"].LastReported.IsZero() {
		t.Error("a station without state has a report time")
	}
	for _, v := range got.Vehicles {
		if v.OnRide != (v.ID == "b1") {
			t.Errorf("vehicle %s on ride = %v", v.ID, v.OnRide)
		}
	}

	bodies := mustRender(t, got)
	for _, name := range FeedNames {
		if err := validateFeed(t, name, bodies[name]); err != nil {
			t.Error(err)
		}
	}
	if err := checkConsistent(t, bodies); err != nil {
		t.Error(err)
	}
	st := map[string]status{}
	for _, s := range decode[struct {
		Stations []status `json:"stations"`
	}](t, bodies[FeedStationStatus]).Data.Stations {
		st[s.StationID] = s
	}
	if s := st["piazza-roma"]; s.NumVehiclesAvailable != 1 || s.NumDocksAvailable != 0 || s.NumDocksDisabled != 2 || !s.IsRenting {
		t.Errorf("piazza-roma status = %+v", s)
	}
	if s := st["rocca"]; s.IsRenting || s.IsReturning || s.NumVehiclesAvailable != 1 {
		t.Errorf("rocca status = %+v", s)
	}
	if _, ok := st["nuova"]; ok {
		t.Error("a station that never reported is published")
	}
}

// TestFromMobilityTripRotatesID: a bike that ends a trip in the very dock it
// left is published under a new id, because its trip count changed.
func TestFromMobilityTripRotatesID(t *testing.T) {
	svc := mobilitytest.NewService(nil, nil)
	svc.StaleAfter = 10 * time.Minute
	snap := func(trips int) mobility.Snapshot {
		return mobility.Snapshot{
			At:       t0,
			Stations: []mobility.Station{{ID: "s1", NameIT: "Uno", Lat: 41.13, Lon: 14.78, Capacity: 1, Open: true}},
			States: map[string]mobility.StationState{"s1": {StationID: "s1", Online: true, LastReported: t0.Add(-time.Minute),
				Docks: []mobility.DockState{{Dock: 1, BikeID: "b1", Locked: true}}}},
			Bikes:        map[string]mobility.Bike{"b1": {ID: "b1", VehicleTypeID: "bike", Active: true}},
			VehicleTypes: map[string]mobility.VehicleType{"bike": {ID: "bike", NameIT: "Bici", Propulsion: mobility.Human, PricingPlanID: "p"}},
			Plans:        []mobility.PricingPlan{{ID: "p", NameIT: "P", UnlockCents: 100}},
			Trips:        map[string]int{"b1": trips},
		}
	}
	published := func(trips int) string {
		bodies := mustRender(t, FromMobility(snap(trips), svc))
		v := decode[struct {
			Vehicles []struct {
				ID string `json:"vehicle_id"`
			} `json:"vehicles"`
		}](t, bodies["vehicle_status"])
		if len(v.Data.Vehicles) != 1 {
			t.Fatalf("vehicle_status has %d vehicles, want 1", len(v.Data.Vehicles))
		}
		return v.Data.Vehicles[0].ID
	}
	if a, b := published(3), published(4); a == b {
		t.Errorf("vehicle id %s did not change after a trip back to the same dock", a)
	}
	if a, b := published(4), published(4); a != b {
		t.Errorf("vehicle id changed without a trip: %s then %s", a, b)
	}
}
