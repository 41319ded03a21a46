package gbfs

import (
	"context"
	"fmt"
	"strconv"

	"cityhub/mobility"
)

// MobilitySource reads the feeds' input from the mobility service: one
// mobility.Snapshot (catalogue, live state and open rides read together) per
// refresh.
type MobilitySource struct {
	Service *mobility.Service
}

// GBFSSnapshot implements Source.
func (m MobilitySource) GBFSSnapshot(ctx context.Context) (Snapshot, error) {
	snap, err := m.Service.Snapshot(ctx)
	if err != nil {
		return Snapshot{}, fmt.Errorf("read mobility snapshot: %w", err)
	}
	return FromMobility(snap, m.Service), nil
}

// Version implements Versioned with the service's change counter.
func (m MobilitySource) Version() int64 { return m.Service.Version() }

// FromMobility maps a mobility snapshot to the feeds' input. Liveness is the
// mobility service's own rule (its station view), so the feeds and the
// rider's pages agree on which stations rent. Vehicle.Trip is the bike's
// count of ended rides, so its published id rotates after every trip, even
// one that ends in the dock it started from.
func FromMobility(snap mobility.Snapshot, svc *mobility.Service) Snapshot {
	out := Snapshot{At: snap.At, ChangedAt: snap.ChangedAt(svc.StaleAfter), CatalogueChangedAt: snap.CatalogueChangedAt()}
	onRide := make(map[string]bool, len(snap.OpenRides))
	for _, r := range snap.OpenRides {
		onRide[r.BikeID] = true
	}
	for _, b := range snap.Bikes {
		out.Vehicles = append(out.Vehicles, Vehicle{ID: b.ID, VehicleTypeID: b.VehicleTypeID, Active: b.Active, OnRide: onRide[b.ID],
			Trip: strconv.Itoa(snap.Trips[b.ID])})
	}
	for _, t := range snap.VehicleTypes {
		out.VehicleTypes = append(out.VehicleTypes, VehicleType{ID: t.ID, NameIT: t.NameIT, NameEN: t.NameEN,
			Propulsion: Propulsion(t.Propulsion), MaxRangeMeters: t.MaxRangeMeters, PricingPlanID: t.PricingPlanID})
	}
	for _, p := range snap.Plans {
		plan := PricingPlan{ID: p.ID, NameIT: p.NameIT, NameEN: p.NameEN, DescriptionIT: p.DescriptionIT,
			DescriptionEN: p.DescriptionEN, UnlockCents: p.UnlockCents}
		for _, s := range p.PerMin {
			plan.PerMin = append(plan.PerMin, Segment{StartMin: s.StartMin, RateCents: s.RateCents, IntervalMin: s.IntervalMin, EndMin: s.EndMin})
		}
		out.Plans = append(out.Plans, plan)
	}
	for _, st := range snap.Stations {
		state := snap.States[st.ID]
		s := Station{ID: st.ID, NameIT: st.NameIT, NameEN: st.NameEN, Address: st.Address, Lat: st.Lat, Lon: st.Lon,
			Capacity: st.Capacity, Open: st.Open, LastReported: state.ReportedAt(),
			Online: snap.View(st, svc.StaleAfter).Online}
		off := map[int]bool{}
		for _, d := range snap.Docks[st.ID] {
			if !d.InService {
				off[d.Number] = true
			}
		}
		for _, d := range state.Docks {
			if d.Dock > st.Capacity {
				continue // not a registered dock (as in the station view)
			}
			s.Docks = append(s.Docks, Dock{Number: d.Dock, BikeID: d.BikeID, InService: d.Fault == "" && !off[d.Dock], Battery: d.Battery})
		}
		out.Stations = append(out.Stations, s)
	}
	return out
}
