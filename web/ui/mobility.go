package ui

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mobility"
	"cityhub/money"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// The rider's bike pages: stations with live bikes (nearest first when the
// phone shares its position), a station's bikes with an unlock button each,
// the running ride refreshing itself until the bike is docked and the fare
// charged, and the ride history. Every rule is mobility.Service's, who may
// included; these pages only show its answers in the rider's language.

// refused shows the refusal when err (one of the mobility service's May*
// rules, asked before a form is read) refuses the caller, and reports
// whether it did: a refused caller sees the refusal, not the form's
// mistakes.
func (s *site) refused(w http.ResponseWriter, r *http.Request, err error) bool {
	if err != nil {
		s.pageError(w, r, err)
		return true
	}
	return false
}

// currentRide is the rider's running ride, nil when there is none, and for
// a caller who does not ride (a visitor, an operator), whom the service
// would refuse and who sees the stations all the same.
func (s *bikePages) currentRide(ctx context.Context, c identity.Caller) (*mobility.RideView, error) {
	if mobility.MayRide(c) != nil {
		return nil, nil
	}
	ride, err := s.mobility.CurrentRide(ctx, c)
	switch {
	case err == nil:
		return &ride, nil
	case apperr.Has(err, apperr.NotFound):
		return nil, nil
	}
	return nil, err
}

type bikeStationsPage struct {
	Stations []stationRow
	// Near says the list is sorted by distance from the rider.
	Near bool
	Ride *mobility.RideView
	// Map is what the stations map reads; CanFavourite shows the stars.
	Map          bikeMaps
	Center       string
	CanFavourite bool
}

// handleBikeStations lists the stations; with ?lat=&lon= (sent by the
// page's script once the phone shares its position) nearest first, else by
// name, which is also what a browser without scripts sees. Anyone sees it:
// a visitor is offered the sign-in that unlocking needs.
func (s *bikePages) handleBikeStations(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	ride, err := s.currentRide(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	near, ok := positionOf(r)
	l := s.locale(r)
	list, err := s.mobility.StationList(ctx, near, l.Lang)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	favs, err := s.favouriteSet(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := bikeStationsPage{Near: ok, Ride: ride, Map: s.maps, Center: stationsCentre(list), CanFavourite: mobility.MayRide(c) == nil}
	var rest []stationRow
	for _, st := range list {
		row := stationRow{StationView: st, Favourite: favs[st.ID],
			Lat: strconv.FormatFloat(st.Lat, 'f', 6, 64), Lon: strconv.FormatFloat(st.Lon, 'f', 6, 64)}
		if st.DistanceMeters != nil {
			row.Distance = distanceText(l, *st.DistanceMeters)
		}
		// Favourites first, each group in the list's own order.
		if row.Favourite {
			page.Stations = append(page.Stations, row)
		} else {
			rest = append(rest, row)
		}
	}
	page.Stations = append(page.Stations, rest...)
	s.render(w, r, http.StatusOK, "mobility_stations", "bikes", page)
}

// stationsCentre is the middle of the stations, "lat,lon": where the map
// starts before it fits itself to them (empty for none: no map is shown).
func stationsCentre(list []mobility.StationView) string {
	if len(list) == 0 {
		return ""
	}
	var lat, lon float64
	for _, st := range list {
		lat += st.Lat
		lon += st.Lon
	}
	n := float64(len(list))
	return strconv.FormatFloat(lat/n, 'f', 5, 64) + "," + strconv.FormatFloat(lon/n, 'f', 5, 64)
}

type stationRow struct {
	mobility.StationView
	// Distance is how far the rider is, in words ("350 m", "1,2 km").
	Distance string
	// Favourite is one of the rider's favourite stations; Lat and Lon
	// place it on the map.
	Favourite bool
	Lat, Lon  string
}

func distanceText(l *locale, meters int) string {
	if meters < 1000 {
		return l.T("mobility.distance_m", meters)
	}
	km := strconv.FormatFloat(float64(meters)/1000, 'f', 1, 64)
	if l.Lang == "it" {
		km = strings.Replace(km, ".", ",", 1)
	}
	return l.T("mobility.distance_km", km)
}

// positionOf reads ?lat=&lon=; a missing or impossible position is ignored,
// so a hand-edited link still lists the stations.
func positionOf(r *http.Request) (*mobility.LatLon, bool) {
	q := r.URL.Query()
	lat, err1 := strconv.ParseFloat(q.Get("lat"), 64)
	lon, err2 := strconv.ParseFloat(q.Get("lon"), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 || math.IsNaN(lat) || math.IsNaN(lon) {
		return nil, false
	}
	return &mobility.LatLon{Lat: lat, Lon: lon}, true
}

type bikeStationPage struct {
	Station mobility.StationView
	Bikes   []bikeOffer
	// BalanceCents is the rider's credit.
	BalanceCents int64
	// ShortOfCredit is set when some bike here needs more credit than the
	// rider has; NeedCents is the least credit any of those bikes needs.
	ShortOfCredit bool
	NeedCents     int64
	Ride          *mobility.RideView
	// CodeRequestID is the request id of the form that unlocks by the
	// bike's code; Code is the code typed there when that unlock was
	// refused, which comes back in its field to be corrected, and
	// CodeWrong says the refusal is about the code itself.
	CodeRequestID string
	Code          string
	CodeWrong     bool
	// AnyAffordable says the rider has credit for at least one bike here.
	AnyAffordable bool
	// Error is the refusal of an unlock just tried, in the rider's language.
	Error string
	// ErrorReason is its machine reason (tests and styling).
	ErrorReason string
	// Favourite says the station is one of the rider's; Report is the
	// fault report form, Reported a report just sent, Already the target
	// of one sent again while the rider's first was open (alreadyReported).
	Favourite bool
	Report    faultForm
	Reported  bool
	Already   string
	// Rider says the caller rides (and so may unlock, favourite and
	// report); a visitor sees the bikes without their codes and is asked
	// to sign in to unlock one.
	Rider bool
}

type bikeOffer struct {
	mobility.BikeAtDock
	PlanName    string
	PlanText    string
	NeedCents   int64
	Affordable  bool
	RequestID   string
	RangeKm     int
	HasRangeKm  bool
	BatteryText string
}

// handleBikeStation shows a station's bikes, each with its price and, for
// a rider, an unlock button; anyone sees it, a visitor without the bikes'
// codes (mobility.StationDetailFor) and asked to sign in to unlock.
func (s *bikePages) handleBikeStation(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page, err := s.bikeStationPage(r.Context(), r, c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "mobility_station", "bikes", page)
}

func (s *bikePages) bikeStationPage(ctx context.Context, r *http.Request, c identity.Caller, id string) (bikeStationPage, error) {
	lang := s.locale(r).Lang
	ride, err := s.currentRide(ctx, c)
	if err != nil {
		return bikeStationPage{}, err
	}
	st, err := s.mobility.StationDetailFor(ctx, c, id)
	if err != nil {
		return bikeStationPage{}, err
	}
	page := bikeStationPage{Station: st, CodeRequestID: ids.New("unl"), Ride: ride, Reported: r.URL.Query().Get("reported") == "1",
		Already: alreadyReported(r), Report: faultForm{StationID: st.ID, Target: mobility.TargetBike}}
	favs, err := s.favouriteSet(ctx, c)
	if err != nil {
		return page, err
	}
	page.Favourite, page.Rider = favs[st.ID], mobility.MayRide(c) == nil
	if s.wallet != nil && page.Rider {
		acct, err := s.wallet.AccountFor(ctx, c, wallet.CitizenAccount(c.AccountID))
		if err != nil && !apperr.Has(err, apperr.NotFound) {
			return page, err
		}
		page.BalanceCents = acct.Balance
	}
	plans := map[string]mobility.PricingPlan{}
	for _, b := range st.Bikes {
		offer := bikeOffer{BikeAtDock: b, RequestID: ids.New("unl")}
		plan, ok := plans[b.VehicleTypeID]
		if !ok {
			var err error
			if plan, err = s.mobility.RiderPlan(ctx, b.VehicleTypeID); err != nil {
				return page, err
			}
			plans[b.VehicleTypeID] = plan
		}
		offer.PlanName, offer.PlanText = plan.NameIT, plan.DescriptionIT
		if lang == "en" {
			if plan.NameEN != "" {
				offer.PlanName = plan.NameEN
			}
			if plan.DescriptionEN != "" {
				offer.PlanText = plan.DescriptionEN
			}
		}
		offer.NeedCents = plan.RequiredCredit()
		offer.Affordable = page.Rider && page.BalanceCents >= offer.NeedCents
		page.AnyAffordable = page.AnyAffordable || offer.Affordable
		if page.Rider && !offer.Affordable && (!page.ShortOfCredit || offer.NeedCents < page.NeedCents) {
			page.ShortOfCredit, page.NeedCents = true, offer.NeedCents
		}
		if b.RangeMeters > 0 {
			offer.RangeKm, offer.HasRangeKm = (b.RangeMeters+500)/1000, true
		}
		page.Bikes = append(page.Bikes, offer)
	}
	return page, nil
}

// handleBikeUnlock asks the station to release the chosen bike. The form's
// request id makes a double press one unlock: the second answer is the
// first one's ride. On success the rider lands on the running ride; a
// refusal shows the station again with the reason, nothing charged.
func (s *bikePages) handleBikeUnlock(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.refused(w, r, mobility.MayRide(c)) {
		return
	}
	ctx := r.Context()
	stationID := r.PostFormValue("station_id")
	// A dock button names the dock (and the bike it showed); the code form
	// names only the bike, as printed under the QR code on its frame.
	bikeID := mobility.BikeCode(r.PostFormValue("bike_id"))
	dock, err := strconv.Atoi(r.PostFormValue("dock"))
	if r.PostFormValue("dock") == "" && bikeID != "" {
		dock, err = 0, nil
	}
	if err != nil || !mobility.ValidID(stationID) {
		s.pageError(w, r, apperr.R(apperr.Invalid, "unlock_target", "Choose a bike at a station."))
		return
	}
	ride, err := s.mobility.Unlock(ctx, c, mobility.UnlockRequest{
		RequestID: r.PostFormValue("request_id"), StationID: stationID, Dock: dock, BikeID: bikeID})
	if err == nil {
		http.Redirect(w, r, "/bikes/rides/"+ride.ID, http.StatusSeeOther)
		return
	}
	if apperr.IsServerFault(err) {
		s.pageError(w, r, err)
		return
	}
	page, perr := s.bikeStationPage(ctx, r, c, stationID)
	if perr != nil {
		// The page could not be built: its error is what the rider sees
		// (and, when internal, what is logged); the unlock's refusal
		// would hide why the page failed.
		s.pageError(w, r, perr)
		return
	}
	l := s.locale(r)
	page.Error, page.ErrorReason = l.ErrorText(err), apperr.ReasonOf(err)
	if r.PostFormValue("dock") == "" {
		// The code form: what was typed comes back, as typed.
		page.Code = strings.TrimSpace(r.PostFormValue("bike_id"))
		switch page.ErrorReason {
		case "no_such_bike", "bike_not_at_station", "invalid_id":
			page.CodeWrong = true
		}
	}
	if apperr.Has(err, apperr.InsufficientFunds) && page.NeedCents > 0 {
		page.Error = l.T("mobility.credit_short", money.Cents(page.BalanceCents).Format(l.Lang), money.Cents(page.NeedCents).Format(l.Lang))
	}
	// The station's page again, whose language switch returns there, not
	// to the list of stations above /bikes/unlock.
	s.render(w, withFormPage(r, "/bikes/stations/"+url.PathEscape(stationID)), httpx.StatusFor(err), "mobility_station", "bikes", page)
}

type bikeRidePage struct {
	Ride      mobility.RideView
	StartName string
	EndName   string
	Duration  string
	// BalanceCents is the rider's credit now, named so on the page: the
	// ledger keeps no balance as of one transaction, and on an older
	// ride's page today's credit is not what was left after that ride.
	BalanceCents int64
	HasBalance   bool
	// Report is the fault report form, for this ride's bike or the dock it
	// was taken from or left in; Reported a report just sent, Already the
	// target of one sent again while the rider's first was open.
	Report   faultForm
	Reported bool
	Already  string
}

// handleBikeRide shows one of the rider's rides: while it runs, its time and
// cost so far (the page's script reloads this part every few seconds); once
// docked, the fare charged and the rider's current credit.
func (s *bikePages) handleBikeRide(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page, err := s.bikeRidePage(r.Context(), r, c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "mobility_ride", "bikes", page)
}

func (s *bikePages) bikeRidePage(ctx context.Context, r *http.Request, c identity.Caller, id string) (bikeRidePage, error) {
	ride, err := s.mobility.RideOf(ctx, c, id)
	if err != nil {
		return bikeRidePage{}, err
	}
	l := s.locale(r)
	page := bikeRidePage{Ride: ride, StartName: s.stationName(ctx, ride.StartStation, l.Lang), Duration: rideDuration(l, ride.DurationSeconds),
		Reported: r.URL.Query().Get("reported") == "1", Already: alreadyReported(r)}
	// A fault is reported where the bike is now: its end station once
	// docked, else the one it left.
	page.Report = faultForm{StationID: ride.StartStation, RideID: ride.ID, Target: mobility.TargetBike, BikeID: ride.BikeID, Dock: strconv.Itoa(ride.StartDock)}
	if ride.EndStation != "" {
		page.EndName = s.stationName(ctx, ride.EndStation, l.Lang)
		page.Report.StationID, page.Report.Dock = ride.EndStation, strconv.Itoa(ride.EndDock)
	}
	if ride.Status == mobility.RideEnded && s.wallet != nil {
		if acct, err := s.wallet.AccountFor(ctx, c, wallet.CitizenAccount(c.AccountID)); err == nil {
			page.BalanceCents, page.HasBalance = acct.Balance, true
		}
	}
	return page, nil
}

// stationName is a station's name from its public view; the id when the
// station is gone.
func (s *bikePages) stationName(ctx context.Context, id, lang string) string {
	st, err := s.mobility.StationDetail(ctx, id)
	if err != nil {
		return id
	}
	return st.Name(lang)
}

// rideDuration is "12 min 05 s", or "1 h 02 min" past an hour.
func rideDuration(l *locale, secs int64) string {
	if secs < 0 {
		secs = 0
	}
	if secs >= 3600 {
		return l.T("mobility.duration_hours", secs/3600, (secs%3600)/60)
	}
	return l.T("mobility.duration_minutes", secs/60, secs%60)
}

type bikeRidesPage struct {
	Rides []rideRow
}

type rideRow struct {
	mobility.RideView
	StartName string
	EndName   string
	Duration  string
}

// handleBikeRides lists the rider's latest rides, failed unlocks included
// (they show that nothing was charged).
func (s *bikePages) handleBikeRides(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	rides, err := s.mobility.RideHistory(ctx, c, time.Time{}, 50)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	names := map[string]string{}
	name := func(id string) string {
		if id == "" {
			return ""
		}
		n, ok := names[id]
		if !ok {
			n = s.stationName(ctx, id, l.Lang)
			names[id] = n
		}
		return n
	}
	page := bikeRidesPage{}
	for _, ride := range rides {
		page.Rides = append(page.Rides, rideRow{RideView: ride, StartName: name(ride.StartStation), EndName: name(ride.EndStation),
			Duration: rideDuration(l, ride.DurationSeconds)})
	}
	s.render(w, r, http.StatusOK, "mobility_rides", "bikes", page)
}
