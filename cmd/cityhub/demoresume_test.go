package main

import (
	"reflect"
	"testing"
	"time"

	"cityhub/mobility"
	"cityhub/simulator"
)

// The demo started again plays the bikes where the hub last saw them: a
// bike a van moved stays where it went, a bike on a ride stays out (and
// docks when its ride ends), a bike of the fleet the hub sees nowhere comes
// back after a ride time, a station that never reported holds its seeded
// bikes, and a bike deleted from the fleet or docked at a station not
// played is not played. A restart used to put every seeded bike back in
// its home dock, ending every ride.
func TestDemoResumesWhereTheHubSawTheBikes(t *testing.T) {
	at := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	battery := 33
	layout := []simulator.StationSpec{
		{ID: "a", Docks: 4, Bikes: []simulator.BikeSpec{{ID: "a1", Dock: 1}, {ID: "a2", Dock: 2}, {ID: "a3", Dock: 3}}},
		{ID: "b", Docks: 4, Bikes: []simulator.BikeSpec{{ID: "b1", Dock: 1}}},
		{ID: "c", Docks: 4, Bikes: []simulator.BikeSpec{{ID: "c1", Dock: 2}}},
	}
	bike := func(id, vt string) mobility.Bike { return mobility.Bike{ID: id, VehicleTypeID: vt, Active: true} }
	snap := mobility.Snapshot{
		Bikes: map[string]mobility.Bike{"a1": bike("a1", "bike"), "a2": bike("a2", "bike"), "a3": bike("a3", "bike"),
			"b1": bike("b1", "bike"), "c1": bike("c1", "bike"), "d1": bike("d1", "bike"), "x1": bike("x1", "ebike")},
		VehicleTypes: map[string]mobility.VehicleType{"bike": {ID: "bike", Propulsion: mobility.Human},
			"ebike": {ID: "ebike", Propulsion: mobility.ElectricAssist}},
		States: map[string]mobility.StationState{
			"a": {StationID: "a", LastReported: at, Docks: []mobility.DockState{{Dock: 1, BikeID: "b1", Locked: true}, {Dock: 2},
				{Dock: 3, BikeID: "gone", Locked: true}, {Dock: 5, BikeID: "x1", Locked: true, Battery: &battery}}},
			"b": {StationID: "b", LastReported: at, Docks: []mobility.DockState{{Dock: 1, BikeID: "a1", Locked: true}}},
			"d": {StationID: "d", LastReported: at, Docks: []mobility.DockState{{Dock: 1, BikeID: "d1", Locked: true}}},
		},
		OpenRides: []mobility.Ride{{ID: "r1", BikeID: "a3", Status: mobility.RideActive},
			{ID: "r2", BikeID: "a1", Status: mobility.RidePending}, {ID: "r3", BikeID: "d1", Status: mobility.RideActive}},
	}
	stations, riding := demoResume(layout, snap)
	want := []simulator.StationSpec{
		{ID: "a", Docks: 5, Bikes: []simulator.BikeSpec{{ID: "b1", Dock: 1}, {ID: "x1", Electric: true, Dock: 5, Battery: 33}}},
		{ID: "b", Docks: 4, Bikes: []simulator.BikeSpec{{ID: "a1", Dock: 1}}},
		{ID: "c", Docks: 4, Bikes: []simulator.BikeSpec{{ID: "c1", Dock: 2}}},
	}
	if !reflect.DeepEqual(stations, want) {
		t.Errorf("stations:\n got %+v\nwant %+v", stations, want)
	}
	if wantRiding := []simulator.BikeSpec{{ID: "a3"}, {ID: "a2"}}; !reflect.DeepEqual(riding, wantRiding) {
		t.Errorf("riding: got %+v, want %+v", riding, wantRiding)
	}
}
