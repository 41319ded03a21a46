package mobility

import (
	"cmp"
	"slices"
	"time"
)

// A ride ends only on evidence that its bike was docked after the ride
// started: a status or bike_docked of this batch, made after the ride's
// start, that puts the bike locked in a dock of the station that reports
// it, a listing the hub first received after the ride started
// (DockState.ListedAt). When it was made is the station's "ts" moved by
// what the hub knows of the station's clock (clock.go), and never after
// the hub received it. What a station's stored state still lists is no
// such evidence: a station that went dark keeps listing the bikes it held
// then, a retained status read again on reconnect repeats an old "ts", and
// a station whose reader is stuck on a tag repeats its listing in every
// fresh status; each would otherwise end the ride of a bike that has since
// moved, at a station the rider never reached, and charge the fare. A bike
// put back before the hub recorded its unlock's ok is dated after the ride
// by recordRelease (redateListing).

type placement struct {
	station string
	// at is when the hub received the first report of the batch that put the
	// bike there (its own clock): the ride's end.
	at time.Time
}

// placements is where and when a batch put each bike whose ride it may end,
// also indexed by station: a status replaces what its station holds, and
// forgetting the bikes it no longer shows must not walk every bike of the
// batch (a burst of statuses over a thousand stations made that quadratic).
type placements struct {
	bike    map[string]placement
	station map[string]map[string]struct{}
	// rides are the active rides by bike as the batch began: sight places
	// only their bikes, on reports made after they started.
	rides map[string]Ride
}

func newPlacements() *placements {
	return &placements{bike: map[string]placement{}, station: map[string]map[string]struct{}{}}
}

// sight records a report, made at madeAt by the hub's clock, of bike locked
// in a dock of pl.station, where the station's messages have listed it
// since listedAt (the hub's receipt of the first). It places the bike only
// if the report is evidence against its active ride: made after the ride
// started, of a listing the hub first received after it too. A station that
// keeps listing a bike it held before the ride (its reader stuck, or the
// bike moved by hand while it was dark) repeats an old listing in each new
// status, which would otherwise end every ride of that bike within a
// status's interval, at a station the rider never reached. A bike already
// placed at that station keeps its first report, when the ride ended.
func (p *placements) sight(bike string, pl placement, madeAt, listedAt time.Time) {
	r, riding := p.rides[bike]
	if !riding || !madeAt.After(r.StartedAt) || !listedAt.After(r.StartedAt) {
		return
	}
	if cur, ok := p.bike[bike]; ok && cur.station == pl.station {
		return
	}
	p.put(bike, pl)
}

func (p *placements) put(bike string, pl placement) {
	p.drop(bike)
	p.bike[bike] = pl
	at := p.station[pl.station]
	if at == nil {
		at = map[string]struct{}{}
		p.station[pl.station] = at
	}
	at[bike] = struct{}{}
}

func (p *placements) drop(bike string) {
	if old, ok := p.bike[bike]; ok {
		delete(p.station[old.station], bike)
		delete(p.bike, bike)
	}
}

// keepOnly forgets the bikes placed at station that are not in inDock.
func (p *placements) keepOnly(station string, inDock map[string]bool) {
	for bike := range p.station[station] {
		if !inDock[bike] {
			p.drop(bike)
		}
	}
}

// docking is a ride's bike seen locked in a dock after the ride started.
type docking struct {
	// ride is the ride the evidence was judged against: only that ride ends,
	// not one the bike started since.
	ride, bike, station string
	dock                int
	// at is when the hub received the report (its own clock): the ride's end.
	at time.Time
}

// dockings are the rides the batch's placements end: each placed bike still
// locked, at the end of the batch, in a registered dock of the station that
// placed it.
func (p *placements) dockings(byID map[string]*StationState, capacity func(string) (int, error)) ([]docking, error) {
	var out []docking
	for bike, pl := range p.bike {
		st := byID[pl.station]
		if st == nil {
			continue
		}
		d, ok := st.DockOfBike(bike)
		if !ok || !d.Locked {
			continue
		}
		c, err := capacity(pl.station)
		if err != nil {
			return nil, err
		}
		if d.Dock > c {
			continue // not a dock of this station
		}
		out = append(out, docking{ride: p.rides[bike].ID, bike: bike, station: pl.station, dock: d.Dock, at: pl.at})
	}
	slices.SortFunc(out, func(a, b docking) int { return cmp.Compare(a.bike, b.bike) })
	return out, nil
}
