// Package gbfs publishes the city's bikesharing as open data in GBFS v3.0:
// gbfs.json, system_information, station_information, station_status,
// vehicle_types, vehicle_status and system_pricing_plans. It turns a Snapshot
// of the system into the feeds' JSON, keeps the rendered bodies in memory and
// refreshes them, so that a request costs a map lookup and a write.
//
// It must never speak HTTP or SQL, nor decide anything about rides or fares:
// it reads what a Source (the mobility service) says, and it never publishes
// a bike's stable id, so a bike cannot be followed from one trip to the next.
package gbfs

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Version is the GBFS version the feeds conform to.
const Version = "3.0"

// Source gives the feeds their input. The mobility service implements it.
type Source interface {
	// GBFSSnapshot reads the catalogue and live state together, so the feeds
	// rendered from one snapshot agree with each other.
	GBFSSnapshot(ctx context.Context) (Snapshot, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context) (Snapshot, error)

// GBFSSnapshot calls f.
func (f SourceFunc) GBFSSnapshot(ctx context.Context) (Snapshot, error) { return f(ctx) }

// Snapshot is the system at one moment, as the hub's store holds it.
type Snapshot struct {
	// At is when the snapshot was read.
	At time.Time
	// ChangedAt is when the data last changed (live state and rides
	// included), CatalogueChangedAt when the catalogue (stations, vehicle
	// types, plans) did; both from the data itself, so that replicas
	// serving the same data publish the same last_updated and ETag. Zero
	// stands for At.
	ChangedAt          time.Time
	CatalogueChangedAt time.Time

	Stations     []Station
	Vehicles     []Vehicle
	VehicleTypes []VehicleType
	Plans        []PricingPlan
}

// Station is a station with its live state.
type Station struct {
	ID       string
	NameIT   string
	NameEN   string // optional; the Italian name stands in when empty
	Address  string // optional
	Lat, Lon float64
	// Capacity is the number of docks installed, working or not.
	Capacity int
	// Open is the operator's switch: a closed station rents nothing but
	// still takes bikes back.
	Open bool
	// Online is true when the station is connected and its latest status is
	// fresh (the mobility service's liveness rule).
	Online bool
	// LastReported is when the station's latest status was made, by the
	// hub's clock as the station's is known (mobility's ReportedAt). Zero
	// means it never reported: such a station is not published yet.
	LastReported time.Time
	// Docks are the docks the station reported, with the operator's setting.
	Docks []Dock
}

// Dock is one dock of a station.
type Dock struct {
	Number int
	// BikeID is the bike held by the dock; empty when the dock is free.
	BikeID string
	// InService is false when the dock reports a fault or the operator put it
	// out of service.
	InService bool
	// Battery is the docked e-bike's charge in percent; nil when unknown or
	// for a mechanical bike.
	Battery *int
}

// Vehicle is one registered bike.
type Vehicle struct {
	ID            string
	VehicleTypeID string
	// Active is false for a bike taken out of the fleet.
	Active bool
	// OnRide is true while a ride holds the bike (pending or active): such a
	// bike is never counted, wherever a station says it is.
	OnRide bool
	// Trip changes whenever a trip of the bike ends (the number of its ended
	// rides, or the id of its last ride). The published vehicle_id is derived
	// from it, so the id rotates after each trip.
	Trip string
}

// Propulsion is GBFS's propulsion_type for the kinds of bike the city runs.
type Propulsion string

const (
	Human          Propulsion = "human"
	ElectricAssist Propulsion = "electric_assist"
)

// VehicleType is a kind of bike.
type VehicleType struct {
	ID         string
	NameIT     string
	NameEN     string
	Propulsion Propulsion
	// MaxRangeMeters is the range on a full battery (e-bikes).
	MaxRangeMeters int
	// PricingPlanID is the plan a ride on this type is charged by.
	PricingPlanID string
}

// Electric reports whether the type has a battery.
func (v VehicleType) Electric() bool { return v.Propulsion != Human }

// PricingPlan is an unlock fee plus per-minute segments, in integer cents.
type PricingPlan struct {
	ID            string
	NameIT        string
	NameEN        string
	DescriptionIT string // generated from the prices when empty
	DescriptionEN string
	UnlockCents   int64
	PerMin        []Segment
}

// Segment has GBFS per_min_pricing semantics: RateCents is charged at the
// start of every IntervalMin minutes from StartMin, until EndMin (0: no end).
type Segment struct {
	StartMin    int
	RateCents   int64
	IntervalMin int
	EndMin      int
}

// SystemInfo describes the system in system_information. CitySystem makes
// it from the configured city.
type SystemInfo struct {
	SystemID string
	NameIT   string
	NameEN   string
	// OperatorIT and OperatorEN name who runs the system (optional).
	OperatorIT string
	OperatorEN string
	// Timezone is an IANA zone name, e.g. Europe/Rome.
	Timezone string
	// OpeningHours is in OSM opening_hours syntax, e.g. "24/7".
	OpeningHours string
	// FeedContactEmail is where feed consumers report technical problems;
	// GBFS v3.0 requires it.
	FeedContactEmail string
	// Email is the riders' customer service address (optional).
	Email string
	// PhoneNumber is the customer service number in E.164 (optional).
	PhoneNumber string
	// URL is the system's public web page (optional; the hub's URL if empty).
	URL string
	// LicenseID is the data licence as an SPDX id, e.g. CC-BY-4.0.
	LicenseID string
	// AttributionIT and AttributionEN name the organisation to credit when
	// the licence requires attribution (optional).
	AttributionIT string
	AttributionEN string
	// StartDate is when the system opened (optional).
	StartDate time.Time
}

// PlaceholderFeedContact is the feed contact of a system whose city gave no
// e-mail address. GBFS v3.0 requires feed_contact_email, so the feeds say
// this rather than leave it out; being in a domain reserved for examples,
// it reaches nobody, and New warns that it is published.
const PlaceholderFeedContact = "opendata@cityhub.example"

// CitySystem is the system information of the bikesharing the hub runs for
// city, the municipality's name alone (CITYHUB_CITY_NAME), in the IANA zone
// timezone (CITYHUB_TIMEZONE). The id, the names, the operator and the
// attribution are said from the city's name; the opening hours (24/7:
// the hub rents at every hour, and a station's is_renting says when one
// does not) and the licence are the hub's defaults, and the feed contact PlaceholderFeedContact
// until WithFeedContact gives the city's, all of which the caller may
// replace. For the demo's Benevento it is "Bici Benevento", run by the
// Comune di Benevento, with the id cityhub-benevento.
func CitySystem(city, timezone string) SystemInfo {
	return SystemInfo{
		SystemID:         systemID(city),
		NameIT:           "Bici " + city,
		NameEN:           city + " Bike Share",
		OperatorIT:       "Comune di " + city,
		OperatorEN:       "City of " + city,
		Timezone:         timezone,
		OpeningHours:     "24/7",
		FeedContactEmail: PlaceholderFeedContact,
		LicenseID:        "CC-BY-4.0",
		AttributionIT:    "Comune di " + city,
		AttributionEN:    "City of " + city,
	}
}

// WithFeedContact is s with email, the address the city gave for people to
// write to (CITYHUB_CITY_EMAIL), as the feed contact that consumers report
// problems with the feeds to; an empty email leaves s as it is.
func (s SystemInfo) WithFeedContact(email string) SystemInfo {
	if email = strings.TrimSpace(email); email != "" {
		s.FeedContactEmail = email
	}
	return s
}

// systemID is "cityhub-" and the city's name in lower-case ASCII letters and
// digits, accents dropped and every other run of characters made one hyphen
// ("Reggio nell'Emilia" → cityhub-reggio-nell-emilia), as GBFS advises for
// ids; a name with no such character gives "cityhub".
func systemID(city string) string {
	var b strings.Builder
	b.WriteString("cityhub")
	hyphen := true
	for _, r := range norm.NFD.String(strings.ToLower(city)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// an accent, decomposed from its letter: dropped
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen {
				b.WriteByte('-')
				hyphen = false
			}
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	return b.String()
}
