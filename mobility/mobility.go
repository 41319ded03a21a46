// Package mobility is the city's bikesharing: stations, docks, bikes, vehicle
// types, pricing plans, the live state stations report over MQTT, unlocks,
// rides and their fares. It holds the rules; it never imports net/http, an
// MQTT client or a SQL driver. Devices reach it through the mqtt package (which
// calls Ingest and implements Commander); storage through Store and Tx, which
// store/postgres and store/sqlite implement. Fares are posted on the wallet's
// ledger in the same database transaction as the ride's end.
package mobility

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/plaintext"
)

// MaxID bounds the id of a station, bike, vehicle type or plan.
const MaxID = 64

// idPattern keeps ids safe inside MQTT topics and URLs: no '/', '+', '#'.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,` + strconv.Itoa(MaxID-1) + `}$`)

// ValidID reports whether s can name a station, bike, vehicle type or plan.
func ValidID(s string) bool { return idPattern.MatchString(s) }

func checkID(what, id string) error {
	if !ValidID(id) {
		return apperr.R(apperr.Invalid, "invalid_id", "The %s id %q must be 1 to %d lower-case letters, digits, '-' or '_', starting with a letter or digit.", what, id, MaxID)
	}
	return nil
}

// Station is a place with docks where bikes are taken and returned.
type Station struct {
	ID       string  `json:"id"`
	NameIT   string  `json:"name_it"`
	NameEN   string  `json:"name_en"`
	Address  string  `json:"address,omitempty"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	Capacity int     `json:"capacity"`
	// Open is the operator's switch: a closed station refuses unlocks (docking
	// is still accepted, so a rider can always end a ride).
	Open      bool      `json:"open"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Registered reports whether dock is one the city registered at the
// station, 1 to its capacity. A station may report docks beyond it
// (docs/mqtt.md): they are none the hub knows of, and no bike in one is
// shown to riders, counted in the feeds or rented out.
func (s Station) Registered(dock int) bool { return dock >= 1 && dock <= s.Capacity }

// MaxName bounds a catalogue name and MaxDescription a pricing plan's
// description, in characters as people count them (an accented letter is
// one), as every area bounds its texts; MaxRange an e-bike type's range
// on a full battery, in meters (1,000 km).
const (
	MaxName        = 200
	MaxDescription = 1000
	MaxRange       = 1_000_000
)

// ValidName reports whether s may be a catalogue item's name in one
// language: one line of at most MaxName characters; required says whether it
// may be empty (the Italian one may not).
func ValidName(s string, required bool) bool {
	return (!required || strings.TrimSpace(s) != "") && utf8.RuneCountInString(s) <= MaxName && plaintext.Line(s)
}

// ValidNames is the check of an item's names: the Italian one required,
// the English one optional.
func ValidNames(it, en string) bool { return ValidName(it, true) && ValidName(en, false) }

// ValidDescription reports whether s may be a plan's description in one
// language: lines of at most MaxDescription characters, possibly empty.
func ValidDescription(s string) bool {
	return utf8.RuneCountInString(s) <= MaxDescription && plaintext.Lines(s)
}

// MaxCapacity bounds the docks of one station.
const MaxCapacity = 200

// MaxAddress bounds a station's address, in characters. The address is
// published in GBFS station_information and shown on the pages, so it is
// one line without control characters.
const MaxAddress = 300

// ValidAddress reports whether s may be a station's address (empty: none).
func ValidAddress(s string) bool {
	return plaintext.Line(s) && utf8.RuneCountInString(s) <= MaxAddress
}

// Validate checks a station's fields: the first of its Problems.
func (s Station) Validate() error { return first(s.Problems()) }

// Problems is every mistake in a station's fields, in the order Validate
// reports them, so that a form can show them all at once.
func (s Station) Problems() []error {
	var out []error
	if err := checkID("station", s.ID); err != nil {
		out = append(out, err)
	}
	if !ValidNames(s.NameIT, s.NameEN) {
		out = append(out, apperr.R(apperr.Invalid, "station_name", "A station needs an Italian name (and optionally an English one): one line of at most %d characters.", MaxName))
	}
	if !ValidAddress(s.Address) {
		out = append(out, apperr.R(apperr.Invalid, "station_address", "A station's address is one line of at most %d characters, without control characters.", MaxAddress))
	}
	// (0, 0) is what a form left empty gives, never a station of the city.
	if !(LatLon{s.Lat, s.Lon}).Valid() || (s.Lat == 0 && s.Lon == 0) {
		out = append(out, apperr.R(apperr.Invalid, "station_position", "The station's position must be a valid latitude and longitude."))
	}
	if s.Capacity < 1 || s.Capacity > MaxCapacity {
		out = append(out, apperr.R(apperr.Invalid, "station_capacity", "A station's capacity must be between 1 and %d docks.", MaxCapacity))
	}
	return out
}

// first is the first of problems, or nil.
func first(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	return problems[0]
}

// Name returns the station's name in locale ("it" or "en"), falling back to Italian.
func (s Station) Name(locale string) string {
	if locale == "en" && s.NameEN != "" {
		return s.NameEN
	}
	return s.NameIT
}

// Dock is one dock's operator setting; docks exist implicitly from 1 to the
// station's capacity and are in service unless a Dock row says otherwise.
type Dock struct {
	StationID string    `json:"station_id"`
	Number    int       `json:"dock"`
	InService bool      `json:"in_service"`
	Note      string    `json:"note,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Propulsion is GBFS's propulsion_type, restricted to what the city runs.
type Propulsion string

const (
	Human          Propulsion = "human"           // mechanical bike
	ElectricAssist Propulsion = "electric_assist" // e-bike
)

// VehicleType is a kind of bike with its default pricing plan.
type VehicleType struct {
	ID         string     `json:"id"`
	NameIT     string     `json:"name_it"`
	NameEN     string     `json:"name_en"`
	Propulsion Propulsion `json:"propulsion"`
	// MaxRangeMeters is the range on a full battery (e-bikes only).
	MaxRangeMeters int       `json:"max_range_meters,omitempty"`
	PricingPlanID  string    `json:"pricing_plan_id"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Electric reports whether the type has a battery.
func (v VehicleType) Electric() bool { return v.Propulsion == ElectricAssist }

// Validate checks a vehicle type's fields: the first of its Problems.
func (v VehicleType) Validate() error { return first(v.Problems()) }

// Problems is every mistake in a vehicle type's fields, in the order
// Validate reports them.
func (v VehicleType) Problems() []error {
	var out []error
	if err := checkID("vehicle type", v.ID); err != nil {
		out = append(out, err)
	}
	if !ValidNames(v.NameIT, v.NameEN) {
		out = append(out, apperr.R(apperr.Invalid, "vehicle_type_name", "A vehicle type needs an Italian name: one line of at most %d characters.", MaxName))
	}
	switch {
	case v.Propulsion != Human && v.Propulsion != ElectricAssist:
		out = append(out, apperr.R(apperr.Invalid, "vehicle_type_propulsion", "Propulsion must be %q or %q.", Human, ElectricAssist))
	case v.Electric() && (v.MaxRangeMeters <= 0 || v.MaxRangeMeters > MaxRange):
		out = append(out, apperr.R(apperr.Invalid, "vehicle_type_range", "An e-bike type needs its range on a full battery in meters."))
	case !v.Electric() && v.MaxRangeMeters != 0:
		out = append(out, apperr.R(apperr.Invalid, "vehicle_type_range", "Only e-bike types have a range."))
	}
	if err := checkID("pricing plan", v.PricingPlanID); err != nil {
		out = append(out, err)
	}
	return out
}

// Bike is one registered bike.
type Bike struct {
	ID            string `json:"id"`
	VehicleTypeID string `json:"vehicle_type_id"`
	// Active is false for a bike taken out of the fleet; it cannot be unlocked.
	Active    bool      `json:"active"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks a bike's fields.
func (b Bike) Validate() error {
	if err := checkID("bike", b.ID); err != nil {
		return err
	}
	return checkID("vehicle type", b.VehicleTypeID)
}

// StationState is the live state of a station as its telemetry last told it.
type StationState struct {
	StationID string `json:"station_id"`
	// Online comes from the retained online topic and the station's will.
	Online   bool      `json:"online"`
	OnlineAt time.Time `json:"online_at"`
	// LastReported is the station's own timestamp ("ts") of the newest
	// message it took, by the station's clock: it orders the station's
	// messages. ReportedAt reads it by the hub's.
	LastReported time.Time   `json:"last_reported"`
	Docks        []DockState `json:"docks"`
	Faults       []string    `json:"faults,omitempty"`
	// EmptySince and FullSince are when the station last became empty or
	// full, by the hub's clock as the station's is known (clock.go); zero
	// while it is neither.
	EmptySince time.Time `json:"empty_since,omitzero"`
	FullSince  time.Time `json:"full_since,omitzero"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Clock is what the hub has learnt of the station's clock (clock.go).
	Clock StationClock `json:"clock"`
	// AheadRefusedAt is when the hub last refused a message of the station
	// for a "ts" more than MaxClockSkew ahead of its clock (zero: never
	// since the state was reset), and AheadRefusedBy how far ahead that
	// stamp was. Such a station's messages change nothing else: this is how
	// its operator learns why it looks silent (OperatorStation.ClockRefused).
	AheadRefusedAt time.Time     `json:"ahead_refused_at,omitzero"`
	AheadRefusedBy time.Duration `json:"ahead_refused_by,omitempty"`
}

// Silent reports whether, at now, the station has sent nothing the hub took
// for after or more (by the hub's clock: ReportedAt), or never reported:
// it is offline whatever its online flag says.
func (s StationState) Silent(now time.Time, after time.Duration) bool {
	return s.LastReported.IsZero() || now.Sub(s.ReportedAt()) >= after
}

// ReportedAt is when, by the hub's clock, the station's newest message the
// hub took was made: LastReported moved by the station's known lag (within
// clockSlack, not moved), and never later than the hub last saved the
// state. Zero when it never reported.
func (s StationState) ReportedAt() time.Time {
	if s.LastReported.IsZero() {
		return time.Time{}
	}
	at := s.LastReported.Add(s.Clock.correction(0, false))
	if !s.UpdatedAt.IsZero() && at.After(s.UpdatedAt) {
		return s.UpdatedAt
	}
	return at
}

// DockState is one dock in a station's status.
type DockState struct {
	Dock   int    `json:"dock"`
	BikeID string `json:"bike,omitempty"`
	Locked bool   `json:"locked"`
	// Battery is the e-bike's charge in percent; nil for mechanical bikes.
	Battery *int   `json:"battery,omitempty"`
	Fault   string `json:"fault,omitempty"`
	// ListedAt is when the hub first received this bike locked in this
	// dock, by its own clock, kept while the station's messages keep
	// listing it there: a listing older than a ride is no evidence that
	// the ride's bike came back (placements). The hub's bookkeeping, never
	// read from a station; zero for a listing kept before the hub noted it.
	ListedAt time.Time `json:"listed_at,omitzero"`
	// LeftBike is the bike whose unlock's ok emptied this dock in the hub's
	// state, kept (with the ListedAt of its listing) until the station
	// shows the dock without it: a status that lists it here again before
	// that repeats what the station's reader still reads (a reader stuck on
	// the released bike's tag), not a return, since a station tells of the
	// bike leaving (bike_undocked, or a status without it) before it can
	// tell of its coming back. The hub's bookkeeping, never read from a
	// station.
	LeftBike string `json:"left_bike,omitempty"`
}

// Bikes counts docks holding a bike.
func (s StationState) Bikes() int {
	n := 0
	for _, d := range s.Docks {
		if d.BikeID != "" {
			n++
		}
	}
	return n
}

// Dock returns the state of dock n.
func (s StationState) Dock(n int) (DockState, bool) {
	i := slices.IndexFunc(s.Docks, func(d DockState) bool { return d.Dock == n })
	if i < 0 {
		return DockState{}, false
	}
	return s.Docks[i], true
}

// DockOfBike returns the dock holding bike.
func (s StationState) DockOfBike(bike string) (DockState, bool) {
	i := slices.IndexFunc(s.Docks, func(d DockState) bool { return d.BikeID == bike })
	if i < 0 {
		return DockState{}, false
	}
	return s.Docks[i], true
}

// OccupancySample is a station's bikes and free docks in one 5-minute bucket.
type OccupancySample struct {
	StationID string    `json:"-"`
	At        time.Time `json:"at"`
	Bikes     int       `json:"bikes"`
	FreeDocks int       `json:"free_docks"`
}

// SampleEvery is the width of an occupancy bucket.
const SampleEvery = 5 * time.Minute

// RideStatus is where a ride is in its life.
type RideStatus string

const (
	RidePending RideStatus = "pending" // the unlock command is out, no answer yet
	RideActive  RideStatus = "active"  // the station confirmed; the bike is out
	RideEnded   RideStatus = "ended"   // docked; fare computed (and charged unless Unsettled)
	RideFailed  RideStatus = "failed"  // the unlock failed; nothing charged
)

// Ride is one rider's use of one bike, from unlock to dock.
type Ride struct {
	ID string `json:"id"`
	// CommandID is the unlock's request id: a retried unlock with the same id
	// finds this ride instead of starting another.
	CommandID     string     `json:"command_id"`
	RiderID       string     `json:"rider_id"`
	BikeID        string     `json:"bike_id"`
	StartStation  string     `json:"start_station_id"`
	StartDock     int        `json:"start_dock"`
	Status        RideStatus `json:"status"`
	PricingPlanID string     `json:"pricing_plan_id"`
	// Plan is the plan as it was at unlock, so a price change mid-ride does
	// not change this ride's fare.
	Plan       PricingPlan `json:"-"`
	Deadline   time.Time   `json:"-"`
	CreatedAt  time.Time   `json:"created_at"`
	StartedAt  time.Time   `json:"started_at,omitzero"`
	EndedAt    time.Time   `json:"ended_at,omitzero"`
	EndStation string      `json:"end_station_id,omitempty"`
	EndDock    int         `json:"end_dock,omitempty"`
	FareCents  int64       `json:"fare_cents"`
	// Unsettled is true when the fare could not be charged even under the
	// ride-overrun rule; the operator settles it.
	Unsettled     bool   `json:"unsettled,omitempty"`
	LedgerTxID    string `json:"ledger_transaction_id,omitempty"`
	FailureReason string `json:"failure_reason,omitempty"`
	// Replayed is true when Unlock answered with the ride an earlier
	// attempt with the same request id started; never stored.
	Replayed bool `json:"-"`
}

// Open reports whether the ride still holds its bike.
func (r Ride) Open() bool { return r.Status == RidePending || r.Status == RideActive }

// Duration is how long an active ride has run at now, or an ended ride ran.
func (r Ride) Duration(now time.Time) time.Duration {
	switch r.Status {
	case RideActive:
		if now.Before(r.StartedAt) {
			return 0
		}
		return now.Sub(r.StartedAt)
	case RideEnded:
		return r.EndedAt.Sub(r.StartedAt)
	}
	return 0
}
