package mobility

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
)

// IngestCounts are the telemetry messages Ingest did not apply, by reason,
// since the service started (cmd/cityhub exports them as metrics).
type IngestCounts struct {
	// Unregistered: for a station id the city has not registered.
	Unregistered int64
	// Stale: older (by the station's "ts") than the state already held.
	Stale int64
	// UnknownEvent: an event type this hub does not know.
	UnknownEvent int64
	// RefusedDocking: a bike_docked that contradicts the station's state (a
	// dock the station does not have, or one another bike holds).
	RefusedDocking int64
}

// IngestCounts returns the counts so far.
func (s *Service) IngestCounts() IngestCounts {
	return IngestCounts{Unregistered: s.ignored.unregistered.Load(), Stale: s.ignored.stale.Load(),
		UnknownEvent: s.ignored.unknown.Load(), RefusedDocking: s.ignored.refused.Load()}
}

// Ingest applies a batch of decoded telemetry, in order, in one transaction
// for station state (plus one per ride that ends). A station's messages are
// ordered by its own "ts": a status, event or timed online flag older than
// the state already held changes nothing, so messages may arrive late,
// twice, or split across hub replicas; one with the same "ts" is newer (it
// arrived later). A ride ends when a status, or a bike_docked that agrees
// with the station's state, made after the ride started, reports its bike
// locked in a dock of that station, at the hub's time of that report (see
// placements.go); never on an online flag, nor on what a station's stored
// state still lists. Telemetry reaches the service through the hub's own
// processes only (the broker's subscriber): Forbidden for any other caller.
func (s *Service) Ingest(ctx context.Context, c identity.Caller, batch []Telemetry) error {
	if err := onlySystem(c); err != nil {
		return err
	}
	if len(batch) == 0 {
		return nil
	}
	touched := map[string]bool{}
	for _, t := range batch {
		if ValidID(t.StationID) {
			touched[t.StationID] = true
		}
	}
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var dockings []docking
	var n ingestTally
	err := s.store.InTx(ctx, func(tx Tx) error {
		dockings, n = dockings[:0], ingestTally{}
		states, err := tx.LockStationStates(ctx, ids)
		if err != nil {
			return err
		}
		now := s.now()
		byID := make(map[string]*StationState, len(states))
		for i := range states {
			forgetFuture(&states[i], now)
			byID[states[i].StationID] = &states[i]
		}
		capacities := map[string]int{}
		capacity := func(id string) (int, error) {
			if c, ok := capacities[id]; ok {
				return c, nil
			}
			st, err := tx.Station(ctx, id)
			if apperr.Has(err, apperr.NotFound) {
				return 0, nil // deleted meanwhile: it has no docks
			} else if err != nil {
				return 0, err
			}
			capacities[id] = st.Capacity
			return st.Capacity, nil
		}
		changed := map[string]bool{}
		// Where and when (the hub's clock) this batch put each ridden bike
		// in a dock, on reports made after its ride started.
		placed := newPlacements()
		if placed.rides, err = activeRides(ctx, tx, batch); err != nil {
			return err
		}
		var samples []OccupancySample
		// The batch is judged by each station's clock as known before it;
		// the delays of the messages it applies are counted after
		// (clock.go).
		seen := delays{}
		for _, t := range batch {
			st := byID[t.StationID]
			if st == nil {
				n.unregistered++
				continue
			}
			out, err := apply(st, t, capacity, placed)
			if err != nil {
				return err
			}
			switch out {
			case applied:
				seen.add(t)
				changed[st.StationID] = true
				if t.Status != nil {
					samples = append(samples, occupancySample(st, t.Received))
				}
			case stale:
				n.stale++
			case unknownEvent:
				n.unknown++
			case refusedDocking:
				n.refused++
				s.logRefusedDocking(ctx, st.StationID, t.Event.Dock, t.Event.BikeID, t.Received)
			}
		}
		for id, least := range seen {
			if st := byID[id]; st != nil && st.Clock.observe(least, now) {
				changed[id] = true
			}
		}
		var save []StationState
		for _, st := range states {
			if changed[st.StationID] {
				st.UpdatedAt = now
				save = append(save, st)
			}
		}
		if len(save) == 0 {
			return nil
		}
		if err := tx.SaveStationStates(ctx, save); err != nil {
			return err
		}
		if len(samples) > 0 {
			if err := tx.PutOccupancy(ctx, lastPerBucket(samples)); err != nil {
				return err
			}
		}
		dockings, err = placed.dockings(byID, capacity)
		return err
	})
	if err != nil {
		return fmt.Errorf("apply station telemetry: %w", err)
	}
	s.ignored.unregistered.Add(n.unregistered)
	s.ignored.stale.Add(n.stale)
	s.ignored.unknown.Add(n.unknown)
	s.ignored.refused.Add(n.refused)
	s.changed()
	for _, d := range dockings {
		if _, _, err := s.endRide(ctx, d.ride, d.bike, d.station, d.dock, d.at); err != nil {
			// A later status showing the bike in its dock (made after the
			// ride started) ends the ride if this was transient.
			s.log.ErrorContext(ctx, "end ride on docking", slog.String("ride", d.ride), slog.String("bike", d.bike),
				slog.String("station", d.station), slog.Any("error", err))
		}
	}
	s.applied.Add(int64(len(batch)))
	s.maybePrune(ctx)
	return nil
}

type ingestTally struct{ unregistered, stale, unknown, refused int64 }

// activeRides are the active rides by bike, read when the batch can end
// one: it holds a status or a bike_docked. A pending ride is left out: the
// station has not confirmed its unlock, so the bike is still in its dock.
func activeRides(ctx context.Context, tx Tx, batch []Telemetry) (map[string]Ride, error) {
	if !slices.ContainsFunc(batch, func(t Telemetry) bool {
		return t.Status != nil || (t.Event != nil && t.Event.Type == EventBikeDocked)
	}) {
		return nil, nil
	}
	open, err := tx.OpenRides(ctx)
	if err != nil {
		return nil, fmt.Errorf("read open rides: %w", err)
	}
	rides := make(map[string]Ride, len(open))
	for _, r := range open {
		if r.Status == RideActive {
			rides[r.BikeID] = r
		}
	}
	return rides, nil
}

type outcome int

const (
	applied outcome = iota
	stale
	unknownEvent
	refusedDocking
)

// forgetFuture drops times a station stamped further ahead than the hub's
// clock allows (stored before the hub refused them, or by a clock since
// corrected), so that they cannot hide the station's later messages.
func forgetFuture(st *StationState, now time.Time) {
	limit := now.Add(MaxClockSkew)
	if st.LastReported.After(limit) {
		st.LastReported = time.Time{}
	}
	if st.OnlineAt.After(limit) {
		st.OnlineAt = time.Time{}
	}
}

// apply folds one message into a station's state. placed records when (by
// the hub's clock) a ridden bike was put in a dock, for the ride it ends.
func apply(st *StationState, t Telemetry, capacity func(string) (int, error), placed *placements) (outcome, error) {
	switch {
	case t.Status != nil:
		r := t.Status
		if r.TS.Before(st.LastReported) {
			return stale, nil
		}
		st.LastReported = r.TS
		before := st.Docks
		st.Docks = slices.Clone(r.Docks)
		slices.SortFunc(st.Docks, func(a, b DockState) int { return a.Dock - b.Dock })
		keepListings(before, st.Docks, t.Received.UTC())
		st.Faults = slices.Clone(r.Faults)
		// The station's own word on being in service; the online topic
		// (and the will) may say otherwise later: the last to arrive wins.
		st.Online = r.Online
		st.OnlineAt = t.Received.UTC()
		inDock := map[string]bool{}
		for _, d := range st.Docks {
			if d.BikeID != "" && d.Locked {
				inDock[d.BikeID] = true
				placed.sight(d.BikeID, placement{st.StationID, t.Received.UTC()}, st.Clock.HubTime(r.TS, t.Received), d.ListedAt)
			}
		}
		placed.keepOnly(st.StationID, inDock)
		markEmptyFull(st, st.Clock.HubTime(r.TS, t.Received))
		return applied, nil
	case t.Online != nil:
		// The bare true/false (and the will, which the broker sends for a
		// station that vanished) carries no time: it is the broker's latest
		// word and applies as it arrives. A timed flag is ordered like the
		// rest of the station's messages.
		if !t.Online.TS.IsZero() && t.Online.TS.Before(st.LastReported) {
			return stale, nil
		}
		st.Online = t.Online.Online
		st.OnlineAt = t.Received.UTC()
		return applied, nil
	case t.Event != nil:
		return applyEvent(st, t, capacity, placed)
	}
	return stale, nil
}

// applyEvent changes the state as the event says: a station's events and
// statuses describe one station, so an event newer than the last status is
// the newest word on its dock until the next status.
func applyEvent(st *StationState, t Telemetry, capacity func(string) (int, error), placed *placements) (outcome, error) {
	e := t.Event
	switch e.Type {
	case EventBikeDocked, EventBikeUndocked, EventDockFault, EventTamper:
	default:
		return unknownEvent, nil
	}
	if e.TS.Before(st.LastReported) {
		return stale, nil
	}
	switch e.Type {
	case EventBikeDocked:
		c, err := capacity(st.StationID)
		if err != nil {
			return stale, err
		}
		if e.Dock > c {
			return refusedDocking, nil
		}
		if d, ok := st.Dock(e.Dock); ok && d.BikeID != "" && d.BikeID != e.BikeID {
			return refusedDocking, nil
		}
		for i := range st.Docks {
			if st.Docks[i].BikeID == e.BikeID {
				st.Docks[i].BikeID, st.Docks[i].Battery, st.Docks[i].ListedAt = "", nil, time.Time{}
			}
			if st.Docks[i].LeftBike == e.BikeID {
				st.Docks[i].LeftBike = ""
			}
		}
		// The dock keeps its fault: a bike docked in a broken dock is back
		// (its ride ends) but not for rent until a status says the dock works.
		d, _ := st.Dock(e.Dock)
		d.Dock, d.BikeID, d.Locked, d.Battery, d.LeftBike = e.Dock, e.BikeID, true, e.Battery, ""
		// A docking the station tells of is news, whatever it listed.
		d.ListedAt = t.Received.UTC()
		setDock(st, d)
		placed.sight(e.BikeID, placement{st.StationID, t.Received.UTC()}, st.Clock.HubTime(e.TS, t.Received), d.ListedAt)
	case EventBikeUndocked:
		if d, ok := st.Dock(e.Dock); ok && (d.BikeID == e.BikeID || d.LeftBike == e.BikeID) {
			// The station tells of the bike leaving: what lists it here
			// from now on came back.
			d.BikeID, d.Battery, d.ListedAt, d.LeftBike = "", nil, time.Time{}, ""
			setDock(st, d)
		}
		if p, ok := placed.bike[e.BikeID]; ok && p.station == st.StationID {
			placed.drop(e.BikeID)
		}
	case EventDockFault:
		d, ok := st.Dock(e.Dock)
		if !ok {
			d = DockState{Dock: e.Dock, Locked: true}
		}
		d.Fault = e.Fault
		setDock(st, d)
	case EventTamper:
		if !slices.Contains(st.Faults, "tamper") {
			st.Faults = append(st.Faults, "tamper")
		}
	}
	st.LastReported = e.TS
	markEmptyFull(st, st.Clock.HubTime(e.TS, t.Received))
	return applied, nil
}

// keepListings dates each bike locked in a dock of a new status: since the
// listing before it where that showed the same bike locked in the same
// dock, or the same bike as the one that left that dock at its unlock's ok
// and that the station has not shown gone since (DockState.LeftBike), else
// since received, when the hub first sees it there. Both lists are in dock
// order.
func keepListings(before, after []DockState, received time.Time) {
	i := 0
	for k := range after {
		d := &after[k]
		d.ListedAt, d.LeftBike = time.Time{}, ""
		if d.BikeID == "" || !d.Locked {
			continue
		}
		for i < len(before) && before[i].Dock < d.Dock {
			i++
		}
		if i < len(before) && before[i].Dock == d.Dock {
			b := before[i]
			if b.BikeID == d.BikeID && b.Locked || b.BikeID == "" && b.LeftBike == d.BikeID {
				d.ListedAt = b.ListedAt
				continue
			}
		}
		d.ListedAt = received
	}
}

// setDock replaces (or adds, in dock order) one dock's state.
func setDock(st *StationState, d DockState) {
	i, found := slices.BinarySearchFunc(st.Docks, d.Dock, func(x DockState, n int) int { return x.Dock - n })
	if found {
		st.Docks[i] = d
		return
	}
	st.Docks = slices.Insert(st.Docks, i, d)
}

// markEmptyFull keeps EmptySince and FullSince in step with the docks; at
// is the hub's time of the report (StationClock.HubTime).
func markEmptyFull(st *StationState, at time.Time) {
	bikes, free := countDocks(st.Docks)
	switch {
	case bikes == 0:
		if st.EmptySince.IsZero() {
			st.EmptySince = at
		}
	default:
		st.EmptySince = time.Time{}
	}
	switch {
	case free == 0 && bikes > 0:
		if st.FullSince.IsZero() {
			st.FullSince = at
		}
	default:
		st.FullSince = time.Time{}
	}
}

func countDocks(docks []DockState) (bikes, free int) {
	for _, d := range docks {
		switch {
		case d.BikeID != "":
			bikes++
		case d.Fault == "":
			free++
		}
	}
	return bikes, free
}

// occupancySample is the station's counts at its newest report, read by the
// hub's clock (received: when the report arrived).
func occupancySample(st *StationState, received time.Time) OccupancySample {
	bikes, free := countDocks(st.Docks)
	at := st.Clock.HubTime(st.LastReported, received)
	return OccupancySample{StationID: st.StationID, At: at.Truncate(SampleEvery), Bikes: bikes, FreeDocks: free}
}

// recordRelease takes the bike out of its dock in the station's state as
// the station's ok says, ordered by the reply's "ts" (see releaseBike).
func (s *Service) recordRelease(ctx context.Context, tx Tx, r Ride, reply Reply) error {
	states, err := tx.LockStationStates(ctx, []string{r.StartStation})
	if err != nil || len(states) == 0 {
		return err
	}
	now := s.now()
	st := &states[0]
	forgetFuture(st, now)
	if !releaseBike(st, r.BikeID, reply.TS.UTC(), now) {
		// A state newer than the reply that lists the bike locked, in a
		// listing first received after the unlock was asked for, saw it
		// docked again after it was unlocked (put straight back, its
		// telemetry applied before the ok was recorded): that listing is
		// news of the ride, not from before it, so the next status ends
		// the ride as any return does. A listing from before the unlock,
		// still repeated, is the station's reader's and ends nothing.
		if !reply.TS.IsZero() && reply.TS.UTC().Before(st.LastReported) && redateListing(st, r.BikeID, r.CreatedAt, r.StartedAt) {
			st.UpdatedAt = now
			return tx.SaveStationStates(ctx, states)
		}
		return nil
	}
	st.UpdatedAt = now
	return tx.SaveStationStates(ctx, states)
}

// redateListing dates the listing of bike locked in a dock of st as first
// received just after the ride's start, if the hub first received it after
// the unlock was asked for (askedAt): the station showed the bike gone and
// back, or told of its docking. One it listed since before is its reader's
// and no return. False when st lists it nowhere since then.
func redateListing(st *StationState, bike string, askedAt, startedAt time.Time) bool {
	for i := range st.Docks {
		if d := &st.Docks[i]; d.BikeID == bike && d.Locked && d.ListedAt.After(askedAt) && !d.ListedAt.After(startedAt) {
			d.ListedAt = startedAt.Add(time.Microsecond)
			return true
		}
	}
	return false
}

// releaseBike records an unlock the station confirmed: the bike left its
// dock at the reply's "ts". Statuses stamped up to that time describe the
// station before the bike left (one may still be on its way, published just
// before the unlock), so they are older than the state from now on and
// cannot end the new ride by showing the bike still in its dock.
func releaseBike(st *StationState, bike string, replyTS, now time.Time) bool {
	if replyTS.IsZero() || replyTS.After(now.Add(MaxClockSkew)) || replyTS.Before(st.LastReported) {
		// A status newer than the reply already told the hub what happened.
		return false
	}
	for i := range st.Docks {
		if d := &st.Docks[i]; d.BikeID == bike {
			// The listing's date stays with the bike that left: a reader
			// stuck on its tag lists it here again, which is no return.
			d.BikeID, d.Battery, d.LeftBike = "", nil, bike
		}
	}
	st.LastReported = replyTS.Add(time.Microsecond)
	markEmptyFull(st, st.Clock.HubTime(replyTS, now))
	return true
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

// StationClockAhead records that the hub refused a message of station,
// received at at, for a "ts" by ahead of its clock (ErrFutureTS): the
// operator's overview names the station's clock as the reason it looks
// silent (OperatorStation.ClockRefused). Only the hub's own telemetry
// process calls it; an unknown station is ignored.
func (s *Service) StationClockAhead(ctx context.Context, c identity.Caller, station string, at time.Time, by time.Duration) error {
	if err := onlySystem(c); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.NoteClockAhead(ctx, station, at, by) })
	if err != nil {
		return fmt.Errorf("note clock of station %s ahead: %w", station, err)
	}
	return nil
}

// ResetStationState forgets what a station reported (operator or city
// admin): its docks, faults, online flag and the time of its last message,
// so that its next status is taken whatever its "ts". For a station whose
// clock was wrong, or whose state is wrong for any other reason; until the
// next status it shows offline. Unauthenticated, Forbidden for other
// callers; NotFound for an unknown station.
func (s *Service) ResetStationState(ctx context.Context, c identity.Caller, id string) error {
	if err := MayOperate(c); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Station(ctx, id); err != nil {
			return err
		}
		return tx.DeleteStationState(ctx, id)
	})
	if err != nil {
		return fmt.Errorf("reset station %s: %w", id, err)
	}
	s.changed()
	s.log.InfoContext(ctx, "station state reset", slog.String("station", id), slog.String("by", c.AccountID))
	return nil
}

// logRefusedDocking logs a refused bike_docked at most once a minute per
// station, with the count of those left out since: a station may send
// them as fast as it likes, and each is counted in the metrics anyway
// (RefusedDocking).
func (s *Service) logRefusedDocking(ctx context.Context, station string, dock int, bike string, at time.Time) {
	logIt, unlogged := s.refusedLog.Note(station, at)
	if !logIt {
		return
	}
	s.log.WarnContext(ctx, "bike_docked refused: the station's state has that dock taken or no such dock (logged at most once a minute per station)",
		slog.String("station", station), slog.Int("dock", dock), slog.String("bike", bike), slog.Int("unlogged_since_last", unlogged))
}
