package gbfs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The feeds the hub publishes, by their GBFS names (file name without .json).
const (
	FeedGBFS               = "gbfs"
	FeedSystemInformation  = "system_information"
	FeedVehicleTypes       = "vehicle_types"
	FeedStationInformation = "station_information"
	FeedStationStatus      = "station_status"
	FeedVehicleStatus      = "vehicle_status"
	FeedSystemPricingPlans = "system_pricing_plans"
)

// FeedNames lists every published feed, gbfs.json first.
var FeedNames = []string{FeedGBFS, FeedSystemInformation, FeedVehicleTypes, FeedStationInformation,
	FeedStationStatus, FeedVehicleStatus, FeedSystemPricingPlans}

// Text is one translation of a localized string.
type Text struct {
	Text     string `json:"text"`
	Language string `json:"language"`
}

// localized gives it and en, English falling back to Italian.
func localized(it, en string) []Text {
	if en == "" {
		en = it
	}
	return []Text{{Text: it, Language: "it"}, {Text: en, Language: "en"}}
}

// Price is an amount in cents that marshals as GBFS's decimal price in the
// currency's unit (150 → 1.5) without passing through a float.
type Price int64

// MarshalJSON writes the exact decimal.
func (p Price) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalJSON reads a decimal with at most two fraction digits exactly.
func (p *Price) UnmarshalJSON(b []byte) error {
	s := string(b)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" {
		return fmt.Errorf("price %s is not a decimal with at most two fraction digits", b)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return fmt.Errorf("price %s: %w", b, err)
	}
	f, err := strconv.ParseUint(frac, 10, 8)
	if err != nil || w > (1<<62)/100 {
		return fmt.Errorf("price %s is not a decimal amount", b)
	}
	c := w*100 + int64(f)
	if neg {
		c = -c
	}
	*p = Price(c)
	return nil
}

// String is the decimal, e.g. "1.5", "0.05", "-2".
func (p Price) String() string {
	c := int64(p)
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	s := sign + strconv.FormatInt(c/100, 10)
	switch frac := c % 100; {
	case frac == 0:
	case frac%10 == 0:
		s += "." + strconv.FormatInt(frac/10, 10)
	default:
		s += "." + strconv.FormatInt(frac/10, 10) + strconv.FormatInt(frac%10, 10)
	}
	return s
}

// Feed wire types, GBFS v3.0. Optional fields are omitted when empty.

type gbfsData struct {
	Feeds []feedLink `json:"feeds"`
}

type feedLink struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type systemInformation struct {
	SystemID                    string   `json:"system_id"`
	Languages                   []string `json:"languages"`
	Name                        []Text   `json:"name"`
	OpeningHours                string   `json:"opening_hours"`
	Operator                    []Text   `json:"operator,omitempty"`
	URL                         string   `json:"url,omitempty"`
	StartDate                   string   `json:"start_date,omitempty"`
	PhoneNumber                 string   `json:"phone_number,omitempty"`
	Email                       string   `json:"email,omitempty"`
	FeedContactEmail            string   `json:"feed_contact_email"`
	Timezone                    string   `json:"timezone"`
	LicenseID                   string   `json:"license_id,omitempty"`
	AttributionOrganizationName []Text   `json:"attribution_organization_name,omitempty"`
}

type stationInformationData struct {
	Stations []stationInformation `json:"stations"`
}

type stationInformation struct {
	StationID            string       `json:"station_id"`
	Name                 []Text       `json:"name"`
	Lat                  float64      `json:"lat"`
	Lon                  float64      `json:"lon"`
	Address              string       `json:"address,omitempty"`
	IsVirtualStation     bool         `json:"is_virtual_station"`
	Capacity             int          `json:"capacity"`
	VehicleDocksCapacity []typesCount `json:"vehicle_docks_capacity,omitempty"`
}

// typesCount is GBFS's {vehicle_type_ids, count}.
type typesCount struct {
	VehicleTypeIDs []string `json:"vehicle_type_ids"`
	Count          int      `json:"count"`
}

type typeCount struct {
	VehicleTypeID string `json:"vehicle_type_id"`
	Count         int    `json:"count"`
}

type stationStatusData struct {
	Stations []stationStatus `json:"stations"`
}

type stationStatus struct {
	StationID             string       `json:"station_id"`
	NumVehiclesAvailable  int          `json:"num_vehicles_available"`
	VehicleTypesAvailable []typeCount  `json:"vehicle_types_available"`
	NumVehiclesDisabled   int          `json:"num_vehicles_disabled"`
	NumDocksAvailable     int          `json:"num_docks_available"`
	NumDocksDisabled      int          `json:"num_docks_disabled"`
	IsInstalled           bool         `json:"is_installed"`
	IsRenting             bool         `json:"is_renting"`
	IsReturning           bool         `json:"is_returning"`
	LastReported          string       `json:"last_reported"`
	VehicleDocksAvailable []typesCount `json:"vehicle_docks_available"`
}

type vehicleTypesData struct {
	VehicleTypes []vehicleType `json:"vehicle_types"`
}

type vehicleType struct {
	VehicleTypeID        string   `json:"vehicle_type_id"`
	FormFactor           string   `json:"form_factor"`
	RiderCapacity        int      `json:"rider_capacity"`
	PropulsionType       string   `json:"propulsion_type"`
	MaxRangeMeters       *float64 `json:"max_range_meters,omitempty"`
	Name                 []Text   `json:"name"`
	WheelCount           int      `json:"wheel_count"`
	ReturnConstraint     string   `json:"return_constraint"`
	DefaultPricingPlanID string   `json:"default_pricing_plan_id,omitempty"`
	PricingPlanIDs       []string `json:"pricing_plan_ids,omitempty"`
}

type vehicleStatusData struct {
	Vehicles []vehicleStatus `json:"vehicles"`
}

type vehicleStatus struct {
	VehicleID          string   `json:"vehicle_id"`
	IsReserved         bool     `json:"is_reserved"`
	IsDisabled         bool     `json:"is_disabled"`
	VehicleTypeID      string   `json:"vehicle_type_id"`
	LastReported       string   `json:"last_reported"`
	CurrentRangeMeters *float64 `json:"current_range_meters,omitempty"`
	CurrentFuelPercent *float64 `json:"current_fuel_percent,omitempty"`
	StationID          string   `json:"station_id"`
	PricingPlanID      string   `json:"pricing_plan_id,omitempty"`
}

type pricingPlansData struct {
	Plans []pricingPlan `json:"plans"`
}

type pricingPlan struct {
	PlanID        string       `json:"plan_id"`
	Name          []Text       `json:"name"`
	Currency      string       `json:"currency"`
	Price         Price        `json:"price"`
	IsTaxable     bool         `json:"is_taxable"`
	Description   []Text       `json:"description"`
	PerMinPricing []minSegment `json:"per_min_pricing,omitempty"`
}

type minSegment struct {
	Start    int   `json:"start"`
	Rate     Price `json:"rate"`
	Interval int   `json:"interval"`
	End      *int  `json:"end,omitempty"`
}

// timestamp is GBFS's RFC 3339 datetime, whole seconds, in the system's zone.
func timestamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Truncate(time.Second).Format(time.RFC3339)
}
