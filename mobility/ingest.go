package mobility

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"cityhub/apperr"
)

// reconcileAfter is how long after a ride's start a status showing its bike
// locked in a dock ends the ride; the margin absorbs the station's clock and
// a status published just before the unlock.
const reconcileAfter = 30 * time.Second

// Ingest applies a batch of decoded telemetry in one transaction for station
// state (plus one per ride that ends). Within the batch and against the store,
// a message older than the state already held never overwrites it, so
// messages may arrive late, twice, or split across hub replicas.
func (s *Service) Ingest(ctx context.Context, batch []Telemetry) error {
	if len(batch) == 0 {
		return nil
	}
	type docking struct {
		bike, station string
		dock          int
		at            time.Time
	}
	var dockings []docking
	touched := map[string]bool{}
	for _, t := range batch {
		if !ValidID(t.StationID) {
			continue
		}
		switch {
		case t.Status != nil, t.Online != nil:
			touched[t.StationID] = true
		case t.Event != nil:
			switch t.Event.Type {
			case EventBikeDocked:
				dockings = append(dockings, docking{t.Event.BikeID, t.StationID, t.Event.Dock, t.Event.TS})
			case EventDockFault, EventTamper:
				touched[t.StationID] = true
			}
		}
	}
	applied := len(batch)
	if len(touched) > 0 {
		ids := make([]string, 0, len(touched))
		for id := range touched {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		var reconciled []docking
		err := s.store.InTx(ctx, func(tx Tx) error {
			reconciled = reconciled[:0]
			states, err := tx.LockStationStates(ctx, ids)
			if err != nil {
				return err
			}
			byID := make(map[string]*StationState, len(states))
			for i := range states {
				byID[states[i].StationID] = &states[i]
			}
			var samples []OccupancySample
			for _, t := range batch {
				st := byID[t.StationID]
				if st == nil {
					continue
				}
				if sample, ok := apply(st, t); ok {
					samples = append(samples, sample)
				}
			}
			now := s.now().UTC()
			for i := range states {
				states[i].UpdatedAt = now
			}
			if err := tx.SaveStationStates(ctx, states); err != nil {
				return err
			}
			if len(samples) > 0 {
				if err := tx.PutOccupancy(ctx, lastPerBucket(samples)); err != nil {
					return err
				}
			}
			// A bike seen locked in a dock while its ride is open was docked
			// even if the bike_docked event was lost.
			open, err := tx.OpenRides(ctx)
			if err != nil {
				return err
			}
			for _, r := range open {
				if r.Status != RideActive {
					continue
				}
				for _, st := range states {
					if st.LastReported.Sub(r.StartedAt) < reconcileAfter {
						continue
					}
					if d, ok := st.DockOfBike(r.BikeID); ok && d.Locked {
						reconciled = append(reconciled, docking{r.BikeID, st.StationID, d.Dock, st.LastReported})
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("apply station telemetry: %w", err)
		}
		dockings = append(dockings, reconciled...)
		s.changed()
	}
	for _, d := range dockings {
		if _, _, err := s.EndRide(ctx, d.bike, d.station, d.dock, d.at); err != nil {
			// The rest of the batch still counts; the status reconciliation
			// ends this ride on a later status if this was transient.
			s.log.ErrorContext(ctx, "end ride on docking", slog.String("bike", d.bike), slog.String("station", d.station), slog.Any("error", err))
			applied--
		}
	}
	s.applied.Add(int64(applied))
	s.maybePrune(ctx)
	return nil
}

// apply folds one message into a station's state, returning an occupancy
// sample when a newer status was accepted.
func apply(st *StationState, t Telemetry) (OccupancySample, bool) {
	switch {
	case t.Status != nil:
		r := t.Status
		if !r.TS.After(st.LastReported) {
			return OccupancySample{}, false
		}
		st.LastReported = r.TS
		st.Docks = slices.Clone(r.Docks)
		slices.SortFunc(st.Docks, func(a, b DockState) int { return a.Dock - b.Dock })
		st.Faults = slices.Clone(r.Faults)
		if r.TS.After(st.OnlineAt) {
			st.Online = r.Online
			st.OnlineAt = r.TS
		}
		bikes, free := 0, 0
		for _, d := range st.Docks {
			switch {
			case d.BikeID != "":
				bikes++
			case d.Fault == "":
				free++
			}
		}
		switch {
		case bikes == 0:
			if st.EmptySince.IsZero() {
				st.EmptySince = r.TS
			}
		default:
			st.EmptySince = time.Time{}
		}
		switch {
		case free == 0 && bikes > 0:
			if st.FullSince.IsZero() {
				st.FullSince = r.TS
			}
		default:
			st.FullSince = time.Time{}
		}
		return OccupancySample{StationID: st.StationID, At: r.TS.Truncate(SampleEvery), Bikes: bikes, FreeDocks: free}, true
	case t.Online != nil:
		at := t.Online.TS
		if at.IsZero() {
			// The bare true/false (and the will, which the broker sends for a
			// station that vanished) carries no time: it is the broker's
			// latest word, so it applies whatever the station's clock said.
			st.Online = t.Online.Online
			if r := t.Received.UTC(); r.After(st.OnlineAt) {
				st.OnlineAt = r
			}
			return OccupancySample{}, false
		}
		if at.Before(st.OnlineAt) {
			return OccupancySample{}, false
		}
		st.Online = t.Online.Online
		st.OnlineAt = at
	case t.Event != nil:
		e := t.Event
		if !e.TS.After(st.LastReported) {
			return OccupancySample{}, false
		}
		switch e.Type {
		case EventDockFault:
			for i := range st.Docks {
				if st.Docks[i].Dock == e.Dock {
					st.Docks[i].Fault = e.Fault
				}
			}
		case EventTamper:
			if !slices.Contains(st.Faults, "tamper") {
				st.Faults = append(st.Faults, "tamper")
			}
		}
	}
	return OccupancySample{}, false
}

func lastPerBucket(samples []OccupancySample) []OccupancySample {
	type key struct {
		station string
		at      time.Time
	}
	idx := map[key]int{}
	var out []OccupancySample
	for _, s := range samples {
		k := key{s.StationID, s.At}
		if i, ok := idx[k]; ok {
			out[i] = s
			continue
		}
		idx[k] = len(out)
		out = append(out, s)
	}
	return out
}

// occupancyKeep is how long occupancy samples are kept (charts show 24h).
const occupancyKeep = 48 * time.Hour

func (s *Service) maybePrune(ctx context.Context) {
	now := s.now()
	s.pruneMu.Lock()
	due := now.Sub(s.lastPrune) > time.Hour
	if due {
		s.lastPrune = now
	}
	s.pruneMu.Unlock()
	if !due {
		return
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.PruneOccupancy(ctx, now.Add(-occupancyKeep)); err != nil {
			return err
		}
		_, err := tx.ExpirePendingRides(ctx, now.UTC())
		return err
	})
	if err != nil && !apperr.Has(err, apperr.NotFound) {
		s.log.WarnContext(ctx, "prune occupancy", slog.Any("error", err))
	}
}
