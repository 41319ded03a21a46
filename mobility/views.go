package mobility

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/collate"
	"cityhub/identity"
)

// Snapshot is everything riders, operators and feeds read, taken together so
// that the numbers agree with each other (GBFS renders from one Snapshot).
type Snapshot struct {
	At           time.Time
	Stations     []Station
	States       map[string]StationState
	Docks        map[string][]Dock // operator dock settings by station
	Bikes        map[string]Bike
	VehicleTypes map[string]VehicleType
	Plans        []PricingPlan
	OpenRides    []Ride
	// Trips counts each bike's ended rides: it changes after every trip, so
	// feeds can rotate the public id of a bike after each one.
	Trips map[string]int

	onRide map[string]bool // bikes held by OpenRides, built once per snapshot
}

// CatalogueChangedAt is when the catalogue last changed: the latest update
// of a station, dock setting, bike, vehicle type or plan.
func (snap *Snapshot) CatalogueChangedAt() time.Time {
	var at time.Time
	later := func(t time.Time) {
		if t.After(at) {
			at = t
		}
	}
	for _, s := range snap.Stations {
		later(s.UpdatedAt)
	}
	for _, ds := range snap.Docks {
		for _, d := range ds {
			later(d.UpdatedAt)
		}
	}
	for _, b := range snap.Bikes {
		later(b.UpdatedAt)
	}
	for _, v := range snap.VehicleTypes {
		later(v.UpdatedAt)
	}
	for _, p := range snap.Plans {
		later(p.UpdatedAt)
	}
	return at
}

// ChangedAt is when anything riders and feeds see last changed, by the
// hub's clock as the store keeps it: the catalogue, a station's state, an
// open ride's start, and a station going stale after staleAfter without a
// status (its availability changes then, with no write). It is a function
// of the data and snap.At alone, so every replica computes the same.
func (snap *Snapshot) ChangedAt(staleAfter time.Duration) time.Time {
	at := snap.CatalogueChangedAt()
	later := func(t time.Time) {
		if t.After(at) && !t.After(snap.At) {
			at = t
		}
	}
	for _, st := range snap.States {
		later(st.UpdatedAt)
		if !st.LastReported.IsZero() {
			later(st.ReportedAt().Add(staleAfter))
		}
	}
	for _, r := range snap.OpenRides {
		later(r.CreatedAt)
		later(r.StartedAt)
	}
	return at
}

// OnRide reports whether an open ride holds bike.
func (snap *Snapshot) OnRide(bike string) bool {
	if snap.onRide == nil {
		snap.onRide = make(map[string]bool, len(snap.OpenRides))
		for _, r := range snap.OpenRides {
			snap.onRide[r.BikeID] = true
		}
	}
	return snap.onRide[bike]
}

// Snapshot reads the catalogue, live state and open rides. It takes no
// caller: it is the feeds' input (GBFS) and the public views' source, and it
// holds riders' open rides, so a surface shows only what it derives from it
// for its readers, never the snapshot itself.
func (s *Service) Snapshot(ctx context.Context) (Snapshot, error) {
	snap := Snapshot{At: s.now(), States: map[string]StationState{}, Docks: map[string][]Dock{},
		Bikes: map[string]Bike{}, VehicleTypes: map[string]VehicleType{}}
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if snap.Stations, err = tx.Stations(ctx); err != nil {
			return err
		}
		states, err := tx.StationStates(ctx)
		if err != nil {
			return err
		}
		for _, st := range states {
			snap.States[st.StationID] = st
		}
		docks, err := tx.Docks(ctx, "")
		if err != nil {
			return err
		}
		for _, d := range docks {
			snap.Docks[d.StationID] = append(snap.Docks[d.StationID], d)
		}
		bikes, err := tx.Bikes(ctx)
		if err != nil {
			return err
		}
		for _, b := range bikes {
			snap.Bikes[b.ID] = b
		}
		vts, err := tx.VehicleTypes(ctx)
		if err != nil {
			return err
		}
		for _, v := range vts {
			snap.VehicleTypes[v.ID] = v
		}
		if snap.Plans, err = tx.PricingPlans(ctx); err != nil {
			return err
		}
		if snap.OpenRides, err = tx.OpenRides(ctx); err != nil {
			return err
		}
		snap.Trips, err = tx.TripsPerBike(ctx)
		return err
	})
	snap.OnRide("") // build the index while the snapshot is still private
	return snap, err
}

// BikeAtDock is a bike a rider can see in a station.
type BikeAtDock struct {
	Dock int `json:"dock"`
	// BikeID is shown to signed-in callers only (StationDetailFor).
	BikeID        string `json:"bike_id,omitempty"`
	VehicleTypeID string `json:"vehicle_type_id"`
	Electric      bool   `json:"electric"`
	Battery       *int   `json:"battery,omitempty"`
	// RangeMeters is the e-bike's remaining range from its battery.
	RangeMeters int `json:"range_meters,omitempty"`
}

// StationView is a station with its live availability.
type StationView struct {
	Station
	Online bool `json:"online"`
	// LastReported is when, by the hub's clock, the station's newest
	// message the hub took was made (StationState.ReportedAt).
	LastReported time.Time `json:"last_reported,omitzero"`
	// Available bikes are docked, registered, active, not held by a ride.
	BikesAvailable      int `json:"bikes_available"`
	MechanicalAvailable int `json:"mechanical_available"`
	EBikesAvailable     int `json:"ebikes_available"`
	DocksAvailable      int `json:"docks_available"`
	DocksDisabled       int `json:"docks_disabled"`
	BikesDisabled       int `json:"bikes_disabled"`
	// Renting and Returning are GBFS's is_renting / is_returning.
	Renting   bool         `json:"renting"`
	Returning bool         `json:"returning"`
	Bikes     []BikeAtDock `json:"bikes,omitempty"`
	// DistanceMeters is set when the list was asked for near a position.
	DistanceMeters *int `json:"distance_meters,omitempty"`
}

// View computes one station's availability from the snapshot.
func (snap *Snapshot) View(st Station, stale time.Duration) StationView {
	v := StationView{Station: st}
	state, seen := snap.States[st.ID]
	v.Online = seen && state.Online && !state.Silent(snap.At, stale)
	v.LastReported = state.ReportedAt()
	outOfService := map[int]bool{}
	for _, d := range snap.Docks[st.ID] {
		if !d.InService {
			outOfService[d.Number] = true
		}
	}
	reported := map[int]bool{}
	for _, d := range state.Docks {
		if !st.Registered(d.Dock) {
			// Not a dock the city registered: the operator sees it on the
			// station's page, riders and feeds do not.
			continue
		}
		reported[d.Dock] = true
		broken := d.Fault != "" || outOfService[d.Dock]
		if d.BikeID == "" {
			if broken {
				v.DocksDisabled++
			} else {
				v.DocksAvailable++
			}
			continue
		}
		b, known := snap.Bikes[d.BikeID]
		vt := snap.VehicleTypes[b.VehicleTypeID]
		// A bike the city does not know, one out of the fleet, one in a
		// broken dock, and one an unlock in progress holds are in the dock
		// but not for rent: disabled (GBFS num_vehicles_disabled).
		if !known || !b.Active || broken || snap.OnRide(d.BikeID) {
			v.BikesDisabled++
			continue
		}
		bike := BikeAtDock{Dock: d.Dock, BikeID: d.BikeID, VehicleTypeID: b.VehicleTypeID, Electric: vt.Electric(), Battery: d.Battery}
		if vt.Electric() {
			v.EBikesAvailable++
			if d.Battery != nil {
				bike.RangeMeters = vt.MaxRangeMeters * *d.Battery / 100
			}
		} else {
			v.MechanicalAvailable++
		}
		v.Bikes = append(v.Bikes, bike)
	}
	// Docks the station did not report are counted out of service, so the
	// totals always add up to the capacity.
	for n := 1; n <= st.Capacity; n++ {
		if !reported[n] {
			v.DocksDisabled++
		}
	}
	v.BikesAvailable = v.MechanicalAvailable + v.EBikesAvailable
	v.Renting = st.Open && v.Online
	v.Returning = v.Online
	return v
}

// LatLon is a position on the map.
type LatLon struct{ Lat, Lon float64 }

// Valid reports whether p is a position on the Earth: latitude -90 to 90
// and longitude -180 to 180 degrees, neither NaN (which every comparison
// lets through, and which a distance turns into nonsense).
func (p LatLon) Valid() bool {
	return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lon) && p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

// Validate refuses a position that is not Valid (Invalid, reason position).
func (p LatLon) Validate() error {
	if !p.Valid() {
		return errPosition
	}
	return nil
}

var errPosition = apperr.R(apperr.Invalid, "position", "lat and lon must be a valid position in degrees.")

// ParseLatLon reads a position written as two decimal numbers of degrees
// (a query's lat and lon): Invalid (reason position) unless both are
// numbers and the position is Valid.
func ParseLatLon(lat, lon string) (LatLon, error) {
	var p LatLon
	var err1, err2 error
	p.Lat, err1 = strconv.ParseFloat(lat, 64)
	p.Lon, err2 = strconv.ParseFloat(lon, 64)
	if err1 != nil || err2 != nil {
		return LatLon{}, errPosition
	}
	return p, p.Validate()
}

// DistanceMeters is the great-circle distance between two positions.
func DistanceMeters(a, b LatLon) float64 {
	const r = 6_371_000.0
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// StationList lists stations with availability, nearest first when near is
// given, else by their names in lang ("it" or "en", as Station.Name) in
// collate.Compare's order, which is what a list shown in that language reads
// as alphabetical. Invalid (reason position) when near is not a position.
func (s *Service) StationList(ctx context.Context, near *LatLon, lang string) ([]StationView, error) {
	if near != nil {
		if err := near.Validate(); err != nil {
			return nil, err
		}
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StationView, 0, len(snap.Stations))
	for _, st := range snap.Stations {
		v := snap.View(st, s.StaleAfter)
		v.Bikes = nil
		if near != nil {
			d := int(math.Round(DistanceMeters(*near, LatLon{st.Lat, st.Lon})))
			v.DistanceMeters = &d
		}
		out = append(out, v)
	}
	if near != nil {
		slices.SortStableFunc(out, func(a, b StationView) int { return *a.DistanceMeters - *b.DistanceMeters })
	} else {
		slices.SortStableFunc(out, func(a, b StationView) int {
			return cmp.Or(collate.Compare(a.Name(lang), b.Name(lang)), strings.Compare(a.ID, b.ID))
		})
	}
	return out, nil
}

// StationDetailFor is StationDetail as c may see it: a docked bike's id
// only for a signed-in caller, who unlocks and reports a bike by it. Anyone
// else sees the docks and the bikes' types and batteries, as the GBFS feeds
// show them, and can no more follow a bike from one station to the next
// than the feeds' rotating ids let them (docs/gbfs.md).
func (s *Service) StationDetailFor(ctx context.Context, c identity.Caller, id string) (StationView, error) {
	v, err := s.StationDetail(ctx, id)
	if err != nil || c.AccountID != "" {
		return v, err
	}
	for i := range v.Bikes {
		v.Bikes[i].BikeID = ""
	}
	return v, nil
}

// StationDetail is one station with its bikes. NotFound if missing. It
// reads only what that station needs, not the whole system.
func (s *Service) StationDetail(ctx context.Context, id string) (StationView, error) {
	snap := Snapshot{At: s.now(), States: map[string]StationState{}, Docks: map[string][]Dock{},
		Bikes: map[string]Bike{}, VehicleTypes: map[string]VehicleType{}}
	var st Station
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if st, err = tx.Station(ctx, id); err != nil {
			return err
		}
		state, err := tx.StationState(ctx, id)
		switch {
		case err == nil:
			snap.States[id] = state
		case !apperr.Has(err, apperr.NotFound):
			return err
		}
		if snap.Docks[id], err = tx.Docks(ctx, id); err != nil {
			return err
		}
		for _, d := range state.Docks {
			if d.BikeID == "" {
				continue
			}
			b, err := tx.Bike(ctx, d.BikeID)
			switch {
			case err == nil:
				snap.Bikes[b.ID] = b
			case !apperr.Has(err, apperr.NotFound):
				return err
			}
		}
		vts, err := tx.VehicleTypes(ctx)
		if err != nil {
			return err
		}
		for _, v := range vts {
			snap.VehicleTypes[v.ID] = v
		}
		snap.OpenRides, err = tx.OpenRides(ctx)
		return err
	})
	if err != nil {
		return StationView{}, err
	}
	return snap.View(st, s.StaleAfter), nil
}

// OperatorStation is a station as the operator's dashboard shows it.
type OperatorStation struct {
	StationView
	Offline      bool       `json:"offline"`
	Stale        bool       `json:"stale"`
	Empty        bool       `json:"empty"`
	EmptySince   time.Time  `json:"empty_since,omitzero"`
	Full         bool       `json:"full"`
	FullSince    time.Time  `json:"full_since,omitzero"`
	Faults       []string   `json:"faults,omitempty"`
	DockFaults   []DockView `json:"dock_faults,omitempty"`
	OutOfService []Dock     `json:"out_of_service,omitempty"`
	// ClockLagMS is how far the station's clock runs behind the hub's, in
	// milliseconds (negative: ahead), as the hub has learnt it from the
	// station's messages, their quickest transit included; absent until it
	// has. ClockOff is set when it is off by ClockOffAfter or more: the
	// station's NTP wants looking at.
	ClockLagMS *int64 `json:"clock_lag_ms,omitempty"`
	ClockOff   bool   `json:"clock_off"`
	// ClockRefused is set while the hub refuses the station's messages for
	// a "ts" more than MaxClockSkew ahead of its own clock (docs/mqtt.md):
	// one was refused within StaleAfter and none taken since. ClockLagMS
	// then says how far ahead (negative) the last refused stamp was, and
	// ClockOff is set: the station looks silent, its clock is why.
	ClockRefused bool `json:"clock_refused"`
}

// ClockOffAfter is how far a station's clock may be off before the
// operator's overview says so.
const ClockOffAfter = 30 * time.Second

// refusedAhead is whether, at now, the hub is refusing the station's
// messages for their stamps ahead of its clock: it refused one within
// window, later than the newest message it took was made (a station whose
// clock was put right is taken again at its next message).
func refusedAhead(st StationState, now time.Time, window time.Duration) bool {
	at := st.AheadRefusedAt
	if at.IsZero() || now.Sub(at) >= window {
		return false
	}
	return st.LastReported.IsZero() || at.After(st.ReportedAt())
}

// Overview is the operator's page: every station and the rides that run long.
type Overview struct {
	At        time.Time         `json:"at"`
	Stations  []OperatorStation `json:"stations"`
	LongRides []RideView        `json:"long_rides"`
	OpenRides int               `json:"open_rides"`
}

// OperatorOverview lists every station with its problems, problems first,
// and the long rides. Unauthenticated; Forbidden unless a mobility
// operator or city admin.
func (s *Service) OperatorOverview(ctx context.Context, c identity.Caller) (Overview, error) {
	if err := MayOperate(c); err != nil {
		return Overview{}, err
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return Overview{}, err
	}
	ov := Overview{At: snap.At, Stations: []OperatorStation{}, LongRides: []RideView{}, OpenRides: len(snap.OpenRides)}
	for _, st := range snap.Stations {
		state := snap.States[st.ID]
		o := OperatorStation{StationView: snap.View(st, s.StaleAfter)}
		o.Bikes = nil
		o.Stale = state.Silent(snap.At, s.StaleAfter)
		o.Offline = !state.Online || o.Stale
		o.Empty, o.EmptySince = !state.EmptySince.IsZero(), state.EmptySince
		o.Full, o.FullSince = !state.FullSince.IsZero(), state.FullSince
		o.Faults = state.Faults
		if state.Clock.Known() {
			lag := state.Clock.Lag()
			ms := lag.Milliseconds()
			o.ClockLagMS, o.ClockOff = &ms, lag >= ClockOffAfter || lag <= -ClockOffAfter
		}
		if refusedAhead(state, snap.At, s.StaleAfter) {
			ms := -state.AheadRefusedBy.Milliseconds()
			o.ClockLagMS, o.ClockOff, o.ClockRefused = &ms, true, true
		}
		for _, d := range state.Docks {
			if d.Fault != "" {
				o.DockFaults = append(o.DockFaults, DockView{Dock: d.Dock, BikeID: d.BikeID, Locked: d.Locked, Battery: d.Battery, Fault: d.Fault})
			}
		}
		for _, d := range snap.Docks[st.ID] {
			if !d.InService {
				o.OutOfService = append(o.OutOfService, d)
			}
		}
		ov.Stations = append(ov.Stations, o)
	}
	trouble := func(o OperatorStation) int {
		n := 0
		if o.Offline {
			n += 8
		}
		if len(o.Faults)+len(o.DockFaults) > 0 {
			n += 4
		}
		if o.Empty || o.Full {
			n += 2
		}
		if o.ClockOff {
			n++
		}
		return n
	}
	slices.SortStableFunc(ov.Stations, func(a, b OperatorStation) int {
		if d := trouble(b) - trouble(a); d != 0 {
			return d
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	for _, r := range snap.OpenRides {
		if r.Status == RideActive && r.Duration(snap.At) >= s.LongRide {
			ov.LongRides = append(ov.LongRides, s.view(r, snap.At))
		}
	}
	return ov, nil
}

// Occupancy24h is a station's samples over the last 24 hours, oldest first.
// Unauthenticated; Forbidden unless a mobility operator or city admin;
// NotFound for an unknown station.
func (s *Service) Occupancy24h(ctx context.Context, c identity.Caller, stationID string) ([]OccupancySample, error) {
	if err := MayOperate(c); err != nil {
		return nil, err
	}
	var out []OccupancySample
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Station(ctx, stationID); err != nil {
			return err
		}
		var err error
		out, err = tx.Occupancy(ctx, stationID, s.now().Add(-24*time.Hour))
		return err
	})
	if out == nil {
		out = []OccupancySample{}
	}
	return out, err
}

// DockView is a dock's state as the operator reads it: what the station
// said, without the hub's own bookkeeping (DockState.ListedAt).
type DockView struct {
	Dock   int    `json:"dock"`
	BikeID string `json:"bike,omitempty"`
	Locked bool   `json:"locked"`
	// Battery is the e-bike's charge in percent; nil for mechanical bikes.
	Battery *int   `json:"battery,omitempty"`
	Fault   string `json:"fault,omitempty"`
}
