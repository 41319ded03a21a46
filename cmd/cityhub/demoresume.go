package main

import (
	"cityhub/mobility"
	"cityhub/simulator"
)

// demoResume is where the demo's simulated stations start: where the hub
// last saw the bikes, so that starting the demo again neither ends the rides
// in progress nor puts every bike back in its home dock. layout is the
// stations to play, each with its seeded bikes still in the fleet; snap is
// the hub's state.
//
//   - A station that has reported holds the bikes the hub saw in its docks
//     (with their charge), those still in the fleet.
//   - A bike on an active ride is out (riding): the simulator docks it
//     after a ride time, as the rides it starts end.
//   - A station that never reported (a first start) holds its seeded bikes
//     in their docks, those the hub sees nowhere else.
//   - A seeded bike the hub sees nowhere (the demo stopped between a
//     rebalancing van's two events, or a station released it without a
//     ride) is out too, and comes back to a free dock the same way.
//
// Bikes the hub sees at a station not played (its credential revoked)
// stay there, unplayed.
func demoResume(layout []simulator.StationSpec, snap mobility.Snapshot) (stations []simulator.StationSpec, riding []simulator.BikeSpec) {
	electric := func(id string) bool {
		b, ok := snap.Bikes[id]
		return ok && snap.VehicleTypes[b.VehicleTypeID].Electric()
	}
	reported := func(id string) bool {
		st, ok := snap.States[id]
		return ok && !st.LastReported.IsZero()
	}
	played := map[string]bool{}
	for _, st := range layout {
		played[st.ID] = true
	}
	placed := map[string]bool{}
	// Bikes docked at a station that is not played are where they are.
	for id, st := range snap.States {
		if played[id] {
			continue
		}
		for _, d := range st.Docks {
			placed[d.BikeID] = d.BikeID != ""
		}
	}
	stations = make([]simulator.StationSpec, len(layout))
	for i, spec := range layout {
		stations[i] = spec
		if !reported(spec.ID) {
			continue
		}
		stations[i].Bikes = nil
		for _, d := range snap.States[spec.ID].Docks {
			if _, inFleet := snap.Bikes[d.BikeID]; !inFleet || placed[d.BikeID] || d.Dock < 1 {
				continue
			}
			b := simulator.BikeSpec{ID: d.BikeID, Electric: electric(d.BikeID), Dock: d.Dock}
			if d.Battery != nil && b.Electric {
				b.Battery = max(*d.Battery, 1) // 0 would draw a charge
			}
			// The docks the station reported, should it have more than
			// the layout gives it.
			stations[i].Docks = max(stations[i].Docks, d.Dock)
			stations[i].Bikes = append(stations[i].Bikes, b)
			placed[d.BikeID] = true
		}
	}
	for _, r := range snap.OpenRides {
		if _, inFleet := snap.Bikes[r.BikeID]; r.Status != mobility.RideActive || !inFleet || placed[r.BikeID] {
			continue
		}
		riding = append(riding, simulator.BikeSpec{ID: r.BikeID, Electric: electric(r.BikeID)})
		placed[r.BikeID] = true
	}
	for i, spec := range layout {
		if reported(spec.ID) {
			continue
		}
		stations[i].Bikes = nil
		for _, b := range spec.Bikes {
			if !placed[b.ID] {
				stations[i].Bikes = append(stations[i].Bikes, b)
				placed[b.ID] = true
			}
		}
	}
	for _, spec := range layout {
		for _, b := range spec.Bikes {
			if !placed[b.ID] {
				riding = append(riding, simulator.BikeSpec{ID: b.ID, Electric: b.Electric})
				placed[b.ID] = true
			}
		}
	}
	return stations, riding
}
