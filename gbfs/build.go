package gbfs

import (
	"cityhub/money"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// builder turns one Snapshot into the data object of every feed.
type builder struct {
	sys     SystemInfo
	loc     *time.Location
	baseURL string // ends without '/'
	secret  []byte
	mac     hash.Hash // keyed with secret, reused across one build
}

// tally is what one station holds, counted once, for both status feeds.
type tally struct {
	available    map[string]int // by vehicle type
	numAvailable int
	numDisabled  int
	docksFree    int
	docksOff     int
	vehicles     []vehicleStatus
}

// build renders every feed's data object as JSON, keyed by feed name.
func (b builder) build(snap Snapshot) (map[string][]byte, error) {
	b.mac = hmac.New(sha256.New, b.secret)
	at := snap.At
	if at.IsZero() {
		return nil, fmt.Errorf("gbfs snapshot has no time")
	}

	plans := map[string]PricingPlan{}
	for _, p := range snap.Plans {
		if p.ID == "" {
			continue
		}
		if _, dup := plans[p.ID]; !dup {
			plans[p.ID] = p
		}
	}
	types := map[string]VehicleType{}
	for _, t := range snap.VehicleTypes {
		if t.ID == "" {
			continue
		}
		if _, dup := types[t.ID]; !dup {
			types[t.ID] = t
		}
	}
	typeIDs := sortedKeys(types)
	vehicles := map[string]Vehicle{}
	for _, v := range snap.Vehicles {
		if _, dup := vehicles[v.ID]; !dup && v.ID != "" {
			vehicles[v.ID] = v
		}
	}

	// A station is published once it has reported; the first of duplicate
	// ids wins, and stations go out in id order.
	stations := make([]Station, 0, len(snap.Stations))
	seenStation := map[string]bool{}
	for _, s := range snap.Stations {
		if s.ID == "" || seenStation[s.ID] || s.LastReported.IsZero() || !validPosition(s.Lat, s.Lon) {
			continue
		}
		seenStation[s.ID] = true
		stations = append(stations, s)
	}
	slices.SortFunc(stations, func(a, c Station) int { return cmp.Compare(a.ID, c.ID) })

	out := map[string][]byte{}
	put := func(name string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("render gbfs %s: %w", name, err)
		}
		out[name] = data
		return nil
	}

	links := gbfsData{}
	for _, name := range FeedNames {
		links.Feeds = append(links.Feeds, feedLink{Name: name, URL: b.baseURL + "/gbfs/v3/" + name + ".json"})
	}
	if err := put(FeedGBFS, links); err != nil {
		return nil, err
	}
	if err := put(FeedSystemInformation, b.systemInformation()); err != nil {
		return nil, err
	}

	vts := vehicleTypesData{VehicleTypes: []vehicleType{}}
	for _, id := range typeIDs {
		t := types[id]
		v := vehicleType{VehicleTypeID: id, FormFactor: "bicycle", RiderCapacity: 1, WheelCount: 2,
			PropulsionType: string(t.Propulsion), Name: localized(t.NameIT, t.NameEN), ReturnConstraint: "any_station"}
		if v.PropulsionType == "" {
			v.PropulsionType = string(Human)
		}
		if t.Electric() {
			r := float64(max(t.MaxRangeMeters, 0))
			v.MaxRangeMeters = &r
		}
		if _, ok := plans[t.PricingPlanID]; ok {
			v.DefaultPricingPlanID = t.PricingPlanID
			v.PricingPlanIDs = []string{t.PricingPlanID}
		}
		vts.VehicleTypes = append(vts.VehicleTypes, v)
	}
	if err := put(FeedVehicleTypes, vts); err != nil {
		return nil, err
	}

	info := stationInformationData{Stations: make([]stationInformation, 0, len(stations))}
	status := stationStatusData{Stations: make([]stationStatus, 0, len(stations))}
	vstatus := vehicleStatusData{Vehicles: []vehicleStatus{}}
	holder := holders(stations)
	for _, s := range stations {
		capacity := max(s.Capacity, 0)
		si := stationInformation{StationID: s.ID, Name: localized(s.NameIT, s.NameEN), Lat: s.Lat, Lon: s.Lon,
			Address: s.Address, Capacity: capacity}
		if len(typeIDs) > 0 {
			si.VehicleDocksCapacity = []typesCount{{VehicleTypeIDs: typeIDs, Count: capacity}}
		}
		info.Stations = append(info.Stations, si)

		// A station clock ahead of the hub's would publish a report from
		// the future (or after the feed's last_updated), which consumers
		// reject; the limit is the data's change time, not the render
		// time, so that every replica renders the same bytes.
		reported := s.LastReported
		if limit := changedAt(snap, FeedStationStatus); reported.After(limit) {
			reported = limit
		}
		t := b.tally(s, capacity, types, vehicles, plans, holder, timestamp(reported, b.loc))
		st := stationStatus{StationID: s.ID, NumVehiclesAvailable: t.numAvailable, NumVehiclesDisabled: t.numDisabled,
			NumDocksAvailable: t.docksFree, NumDocksDisabled: t.docksOff,
			IsInstalled: true, IsRenting: s.Open && s.Online, IsReturning: s.Online,
			LastReported: timestamp(reported, b.loc)}
		// Both are required whenever vehicle_types.json is published, as
		// it always is: empty while the catalogue has no vehicle types.
		st.VehicleTypesAvailable, st.VehicleDocksAvailable = make([]typeCount, 0, len(typeIDs)), []typesCount{}
		for _, id := range typeIDs {
			st.VehicleTypesAvailable = append(st.VehicleTypesAvailable, typeCount{VehicleTypeID: id, Count: t.available[id]})
		}
		if len(typeIDs) > 0 {
			st.VehicleDocksAvailable = []typesCount{{VehicleTypeIDs: typeIDs, Count: t.docksFree}}
		}
		status.Stations = append(status.Stations, st)
		vstatus.Vehicles = append(vstatus.Vehicles, t.vehicles...)
	}
	// Sorting by the rotated id keeps the order from leaking the fleet's ids.
	slices.SortFunc(vstatus.Vehicles, func(a, c vehicleStatus) int { return cmp.Compare(a.VehicleID, c.VehicleID) })
	if err := put(FeedStationInformation, info); err != nil {
		return nil, err
	}
	if err := put(FeedStationStatus, status); err != nil {
		return nil, err
	}
	if err := put(FeedVehicleStatus, vstatus); err != nil {
		return nil, err
	}

	pp := pricingPlansData{Plans: make([]pricingPlan, 0, len(plans))}
	for _, id := range sortedKeys(plans) {
		pp.Plans = append(pp.Plans, planFeed(plans[id]))
	}
	if err := put(FeedSystemPricingPlans, pp); err != nil {
		return nil, err
	}
	return out, nil
}

// docksOf are the docks of s that count, in number order: those within
// capacity, the first report of each number.
func docksOf(s Station, capacity int) []Dock {
	docks := slices.Clone(s.Docks)
	slices.SortStableFunc(docks, func(a, c Dock) int { return cmp.Compare(a.Number, c.Number) })
	seen := map[int]bool{}
	out := docks[:0]
	for _, d := range docks {
		if d.Number < 1 || d.Number > capacity || seen[d.Number] {
			continue
		}
		seen[d.Number] = true
		out = append(out, d)
	}
	return out
}

// holders says which station counts each bike that docks claim. Two
// stations claim one bike when it moved while one of them was dark (its
// state still lists the bike): the one whose report is newer counts it,
// the first by id when both reported at the same time. stations are in id
// order.
func holders(stations []Station) map[string]string {
	holder := map[string]string{}
	at := map[string]time.Time{}
	for _, s := range stations {
		for _, d := range docksOf(s, max(s.Capacity, 0)) {
			if d.BikeID == "" {
				continue
			}
			if prev, ok := at[d.BikeID]; !ok || s.LastReported.After(prev) {
				holder[d.BikeID], at[d.BikeID] = s.ID, s.LastReported
			}
		}
	}
	return holder
}

// tally counts a station's bikes and docks. Docks beyond the capacity or
// reported twice are ignored; docks the station did not report count as
// disabled, so bikes and docks never add up to more than the capacity. A
// bike is available when it is registered with a known type, active, not on
// a ride, and in a dock in service; a bike on a ride or unknown to the hub
// is not counted at all, nor is one that holder counts at another station.
// An e-bike without a reported battery is disabled with a range of 0: GBFS
// v3.0 requires a range for every vehicle with a motor, and the hub cannot
// vouch for any.
func (b builder) tally(s Station, capacity int, types map[string]VehicleType, vehicles map[string]Vehicle,
	plans map[string]PricingPlan, holder map[string]string, reported string) tally {
	t := tally{available: map[string]int{}}
	seen := map[int]bool{}
	counted := map[string]bool{} // a bike the station lists in two docks
	for _, d := range docksOf(s, capacity) {
		seen[d.Number] = true
		if d.BikeID == "" {
			if d.InService {
				t.docksFree++
			} else {
				t.docksOff++
			}
			continue
		}
		v, known := vehicles[d.BikeID]
		vt, typed := types[v.VehicleTypeID]
		if !known || !typed || v.OnRide || counted[v.ID] || holder[v.ID] != s.ID {
			continue
		}
		counted[v.ID] = true
		vs := vehicleStatus{VehicleID: b.vehicleID(v, s.ID, d.Number), VehicleTypeID: vt.ID, StationID: s.ID,
			LastReported: reported, IsDisabled: !v.Active || !d.InService}
		if _, ok := plans[vt.PricingPlanID]; ok {
			vs.PricingPlanID = vt.PricingPlanID
		}
		if vt.Electric() {
			var rng float64
			if d.Battery != nil {
				pct := min(max(*d.Battery, 0), 100)
				fuel := float64(pct) / 100
				rng = float64(max(vt.MaxRangeMeters, 0) * pct / 100)
				vs.CurrentFuelPercent = &fuel
			} else {
				vs.IsDisabled = true
			}
			vs.CurrentRangeMeters = &rng
		}
		if vs.IsDisabled {
			t.numDisabled++
		} else {
			t.numAvailable++
			t.available[vt.ID]++
		}
		t.vehicles = append(t.vehicles, vs)
	}
	for n := 1; n <= capacity; n++ {
		if !seen[n] {
			t.docksOff++
		}
	}
	return t
}

// vehicleID is the published id of a docked bike: a keyed hash of the bike,
// its trip counter and where it stands. Without the secret nobody can link it
// to the bike, and it changes when a trip ends (and when the bike moves), so
// the feed does not let anyone follow a bike across trips.
func (b builder) vehicleID(v Vehicle, station string, dock int) string {
	m := b.mac
	if m == nil {
		m = hmac.New(sha256.New, b.secret)
	}
	m.Reset()
	m.Write([]byte(v.ID))
	m.Write([]byte{0})
	m.Write([]byte(v.Trip))
	m.Write([]byte{0})
	m.Write([]byte(station))
	m.Write([]byte{0})
	var scratch [sha256.Size]byte
	m.Write(strconv.AppendInt(scratch[:0], int64(dock), 10))
	return hex.EncodeToString(m.Sum(scratch[:0])[:16])
}

func (b builder) systemInformation() systemInformation {
	s := b.sys
	out := systemInformation{SystemID: s.SystemID, Languages: []string{"it", "en"}, Name: localized(s.NameIT, s.NameEN),
		OpeningHours: s.OpeningHours, URL: s.URL, PhoneNumber: s.PhoneNumber, Email: s.Email,
		FeedContactEmail: s.FeedContactEmail, Timezone: s.Timezone, LicenseID: s.LicenseID}
	if out.URL == "" {
		out.URL = b.baseURL + "/"
	}
	if s.OperatorIT != "" {
		out.Operator = localized(s.OperatorIT, s.OperatorEN)
	}
	if s.AttributionIT != "" {
		out.AttributionOrganizationName = localized(s.AttributionIT, s.AttributionEN)
	}
	if !s.StartDate.IsZero() {
		out.StartDate = s.StartDate.In(b.loc).Format(time.DateOnly)
	}
	return out
}

func planFeed(p PricingPlan) pricingPlan {
	out := pricingPlan{PlanID: p.ID, Name: localized(p.NameIT, p.NameEN), Currency: "EUR",
		Price: Price(max(p.UnlockCents, 0)), Description: localized(p.DescriptionIT, p.DescriptionEN)}
	if p.DescriptionIT == "" {
		out.Description = localized(describe(p, "it"), describe(p, "en"))
	}
	for _, s := range p.PerMin {
		seg := minSegment{Start: max(s.StartMin, 0), Rate: Price(s.RateCents), Interval: max(s.IntervalMin, 0)}
		if s.EndMin > 0 {
			end := s.EndMin
			seg.End = &end
		}
		out.PerMinPricing = append(out.PerMinPricing, seg)
	}
	return out
}

// describe writes a plan's prices in words, for plans the city left without
// a description (GBFS requires one).
func describe(p PricingPlan, lang string) string {
	euro := func(c int64) string { return money.Cents(c).Format(lang) }
	var parts []string
	if lang == "it" {
		parts = append(parts, "Sblocco "+euro(p.UnlockCents))
	} else {
		parts = append(parts, "Unlock "+euro(p.UnlockCents))
	}
	for _, s := range p.PerMin {
		var part string
		if lang == "it" {
			part = fmt.Sprintf("dal minuto %d, %s ogni %d min", s.StartMin, euro(s.RateCents), s.IntervalMin)
			if s.EndMin > 0 {
				part += fmt.Sprintf(" fino al minuto %d", s.EndMin)
			}
		} else {
			part = fmt.Sprintf("from minute %d, %s every %d min", s.StartMin, euro(s.RateCents), s.IntervalMin)
			if s.EndMin > 0 {
				part += fmt.Sprintf(" until minute %d", s.EndMin)
			}
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "; ") + "."
}

func validPosition(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
