package ui

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
)

// The mobility operator's bike pages: every station on one page with what
// needs a visit (offline, faults, empty or full and for how long) and the
// rides that run long; a station's occupancy over the last 24 hours as an
// SVG chart drawn here, with the same numbers as a table; opening and
// closing stations and taking docks out of service. The mobility service
// decides who may (operators and city admins).

type operatorBikesPage struct {
	At        time.Time
	Stations  []operatorStationRow
	Offline   []operatorStationRow
	LongRides []longRideRow
	OpenRides int
	// Incidents are the open ones, newest first.
	Incidents []incidentRow
	// Closed: the incident just marked resolved was no longer open.
	Closed bool
}

// incidentRow is an open incident with what it says (its station named in
// the page's language, by id only for a station no longer in the
// catalogue), and what its resolve button names to a screen reader, so
// that the list's buttons do not all read the same.
type incidentRow struct {
	mobility.Incident
	Text string
	// Named says, for a bike a citizen reported at another station than
	// the one it is at, which one they named; "" otherwise.
	Named string
	About string
}

// incidentText is what incident i says on the overview. A citizen's report
// names the bike or dock and the station it is at (for a bike, where the
// hub sees it, which may not be where the citizen reported it: Named then
// says so), as the reported faults page does.
func incidentText(l *locale, i mobility.Incident, station string) string {
	if i.Kind == mobility.IncidentCitizenReport {
		return l.T("mobility.op.incident.citizen_report", incidentAbout(l, i, station), i.RequestID)
	}
	return l.T("mobility.op.incident."+i.Kind, station, i.RequestID)
}

// incidentAbout names incident i for its button: the bike or dock a
// citizen reported, or the unlock a station confirmed late, and where.
func incidentAbout(l *locale, i mobility.Incident, station string) string {
	switch {
	case i.Kind == mobility.IncidentCitizenReport && i.BikeID != "":
		return l.T("bikes.op.what_bike", i.BikeID, station)
	case i.Kind == mobility.IncidentCitizenReport:
		return l.T("bikes.op.what_dock", i.Dock, station)
	}
	return l.T("mobility.op.incident.what_unlock", i.RequestID, station)
}

type operatorStationRow struct {
	mobility.OperatorStation
	Name string
	// EmptyFor and FullFor say for how long, in words.
	EmptyFor string
	FullFor  string
	// Clock says how far the station's clock is off, when it is
	// (mobility.ClockOffAfter).
	Clock string
}

type longRideRow struct {
	mobility.RideView
	StartName string
	Duration  string
}

// handleOperatorBikes is the operator's overview, problems first.
func (s *bikePages) handleOperatorBikes(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	ov, err := s.mobility.OperatorOverview(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	incidents, err := s.mobility.Incidents(ctx, c, true, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	page := operatorBikesPage{At: ov.At, OpenRides: ov.OpenRides, Closed: r.URL.Query().Get("closed") == "1"}
	names := map[string]string{}
	for _, st := range ov.Stations {
		row := operatorStationRow{OperatorStation: st, Name: st.Name(l.Lang)}
		names[st.ID] = row.Name
		if st.Empty {
			row.EmptyFor = sinceText(l, ov.At.Sub(st.EmptySince))
		}
		if st.Full {
			row.FullFor = sinceText(l, ov.At.Sub(st.FullSince))
		}
		row.Clock = clockText(l, st)
		page.Stations = append(page.Stations, row)
		if st.Offline {
			page.Offline = append(page.Offline, row)
		}
	}
	nameOf := func(id string) string {
		if name, ok := names[id]; ok {
			return name
		}
		return id
	}
	for _, i := range incidents {
		name := nameOf(i.StationID)
		row := incidentRow{Incident: i, Text: incidentText(l, i, name), About: incidentAbout(l, i, name)}
		if i.NamedStationID != "" {
			row.Named = l.T("mobility.op.incident.named_station", nameOf(i.NamedStationID), name)
		}
		page.Incidents = append(page.Incidents, row)
	}
	for _, ride := range ov.LongRides {
		page.LongRides = append(page.LongRides, longRideRow{RideView: ride, StartName: nameOf(ride.StartStation), Duration: rideDuration(l, ride.DurationSeconds)})
	}
	s.render(w, r, http.StatusOK, "mobility_operator", "operator", page)
}

// sinceText is a span as "2 h 05 min" or "7 min".
func sinceText(l *locale, d time.Duration) string {
	if d < 0 {
		d = 0
	}
	mins := int64(d / time.Minute)
	if mins >= 60 {
		return l.T("mobility.since_hours", mins/60, mins%60)
	}
	return l.T("mobility.since_minutes", mins)
}

// clockText is "Clock 5 min behind" for a station whose clock is off, "Clock
// 5 min ahead: its messages are refused" for one the hub refuses, or "" when
// it is not off.
func clockText(l *locale, st mobility.OperatorStation) string {
	if !st.ClockOff || st.ClockLagMS == nil {
		return ""
	}
	lag := time.Duration(*st.ClockLagMS) * time.Millisecond
	key := "mobility.op.clock_behind"
	switch {
	case st.ClockRefused:
		key, lag = "mobility.op.clock_refused", -lag
	case lag < 0:
		key, lag = "mobility.op.clock_ahead", -lag
	}
	span := l.T("mobility.since_seconds", int64(lag/time.Second))
	if lag >= time.Minute {
		span = sinceText(l, lag)
	}
	return l.T(key, span)
}

type operatorStationPage struct {
	Station mobility.OperatorStation
	Name    string
	Clock   string
	Chart   occupancyChart
	Docks   []operatorDockRow
	// Credential: the reader may manage the station's broker credential
	// (its page is under /admin, for operators too).
	Credential bool
	// Error is a refused dock change's reason, at the top of the page.
	Error string
	// ResetError says the reset's box was not ticked, next to it.
	ResetError string
}

type operatorDockRow struct {
	Number    int
	BikeID    string
	Battery   *int
	Fault     string
	InService bool
	Note      string
	// Reported: the station's last status listed the dock; a dock of a
	// station that never reported, or that its status left out, is not
	// known to be free.
	Reported bool
	// OnRide: the bike the station lists here is out on a ride, which its
	// listing did not end (a reader stuck on the tag of the bike that left,
	// docs/mqtt.md): someone should look at the dock and its reader.
	OnRide bool
	// Beyond marks a dock the station reports above the capacity the city
	// registered: riders and feeds never see it, nor can it be put out of
	// service; the operator sees it, and the bike it holds, here.
	Beyond bool
	// Error is why the dock's service change was refused, next to its
	// form, which keeps the note typed (Typed).
	Error, Typed string
}

// handleOperatorBikeStation is one station for the operator: its occupancy
// chart, its docks with their service switches, open or closed.
func (s *bikePages) handleOperatorBikeStation(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page, err := s.operatorStation(r, c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "mobility_operator_station", "operator", page)
}

// operatorStation is the station page of station id.
func (s *bikePages) operatorStation(r *http.Request, c identity.Caller, id string) (operatorStationPage, error) {
	ctx := r.Context()
	ov, err := s.mobility.OperatorOverview(ctx, c)
	if err != nil {
		return operatorStationPage{}, err
	}
	var st *mobility.OperatorStation
	for i := range ov.Stations {
		if ov.Stations[i].ID == id {
			st = &ov.Stations[i]
		}
	}
	if st == nil {
		return operatorStationPage{}, apperr.R(apperr.NotFound, "no_station", "There is no station %q.", id)
	}
	samples, err := s.mobility.Occupancy24h(ctx, c, id)
	if err != nil {
		return operatorStationPage{}, err
	}
	// The docks as the station last reported them, with the operator's
	// settings: a dock holding a bike that riders cannot take (inactive,
	// unknown) shows that bike too.
	snap, err := s.mobility.Snapshot(ctx)
	if err != nil {
		return operatorStationPage{}, err
	}
	l := s.locale(r)
	page := operatorStationPage{Station: *st, Name: st.Name(l.Lang), Clock: clockText(l, *st), Chart: buildOccupancyChart(l, samples, st.Capacity, ov.At),
		Credential: mobility.MayOperate(c) == nil}
	rows := make([]operatorDockRow, st.Capacity)
	for i := range rows {
		rows[i] = operatorDockRow{Number: i + 1, InService: true}
	}
	for _, d := range snap.Docks[id] {
		if d.Number >= 1 && d.Number <= len(rows) {
			rows[d.Number-1].InService, rows[d.Number-1].Note = d.InService, d.Note
		}
	}
	var beyond []operatorDockRow
	for _, d := range snap.States[id].Docks {
		switch {
		case d.Dock >= 1 && d.Dock <= len(rows):
			row := &rows[d.Dock-1]
			row.BikeID, row.Battery, row.Fault, row.Reported = d.BikeID, d.Battery, d.Fault, true
			row.OnRide = d.BikeID != "" && snap.OnRide(d.BikeID)
		case d.Dock > len(rows):
			// Reported, not registered (docs/mqtt.md): kept for the
			// operator, after the registered docks.
			beyond = append(beyond, operatorDockRow{Number: d.Dock, BikeID: d.BikeID, Battery: d.Battery, Fault: d.Fault, InService: true, Reported: true, Beyond: true,
				OnRide: d.BikeID != "" && snap.OnRide(d.BikeID)})
		}
	}
	slices.SortFunc(beyond, func(a, b operatorDockRow) int { return cmp.Compare(a.Number, b.Number) })
	page.Docks = append(rows, beyond...)
	return page, nil
}

// handleOperatorStationOpenConfirm shows what opening (?open=true) or
// closing (?open=false) a station does, with the station's counts, before
// the operator confirms: closing keeps riders from taking bikes there.
func (s *bikePages) handleOperatorStationOpenConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	open, err := strconv.ParseBool(r.URL.Query().Get("open"))
	if err != nil {
		s.pageError(w, r, apperr.R(apperr.Invalid, "open", "Choose open or closed."))
		return
	}
	id := r.PathValue("id")
	ov, err := s.mobility.OperatorOverview(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var st *mobility.OperatorStation
	for i := range ov.Stations {
		if ov.Stations[i].ID == id {
			st = &ov.Stations[i]
		}
	}
	if st == nil {
		s.pageError(w, r, apperr.R(apperr.NotFound, "no_station", "There is no station %q.", id))
		return
	}
	l := s.locale(r)
	name := st.Name(l.Lang)
	p := confirmPage{
		Facts: []confirmFact{
			{l.T("staff.station.name"), name},
			{l.T("staff.station.bikes"), strconv.Itoa(st.BikesAvailable)},
			{l.T("staff.station.docks"), strconv.Itoa(st.DocksAvailable) + " / " + strconv.Itoa(st.Capacity)},
		},
		Action: "/operator/bikes/stations/" + url.PathEscape(id) + "/open",
		Hidden: map[string]string{"open": strconv.FormatBool(open)},
		Back:   "/operator/bikes/stations/" + url.PathEscape(id),
	}
	if open {
		p.Heading, p.Lead, p.Button = l.T("staff.station.open_heading", name), l.T("staff.station.open_lead"), l.T("mobility.op.open")
	} else {
		p.Heading, p.Lead, p.Button, p.Danger = l.T("staff.station.close_heading", name), l.T("staff.station.close_lead"), l.T("mobility.op.close"), true
	}
	s.renderConfirm(w, r, "operator", p)
}

// handleOperatorStationOpen opens (open=true) or closes (open=false) a
// station from its confirmation page; a post without the confirmation
// changes nothing and shows that page.
func (s *bikePages) handleOperatorStationOpen(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.refused(w, r, mobility.MayOperate(c)) {
		return
	}
	open, err := strconv.ParseBool(r.PostFormValue("open"))
	if err != nil {
		s.pageError(w, r, apperr.R(apperr.Invalid, "open", "Choose open or closed."))
		return
	}
	id := r.PathValue("id")
	if !confirmed(r) {
		http.Redirect(w, r, "/operator/bikes/stations/"+url.PathEscape(id)+"/open?open="+strconv.FormatBool(open), http.StatusSeeOther)
		return
	}
	if _, err := s.mobility.SetStationOpen(r.Context(), c, id, open); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/operator/bikes/stations/"+id, http.StatusSeeOther)
}

// handleOperatorStationReset forgets what a station reported, once the
// operator ticked the confirmation.
func (s *bikePages) handleOperatorStationReset(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.refused(w, r, mobility.MayOperate(c)) {
		return
	}
	id := r.PathValue("id")
	if r.PostFormValue("confirm") != "yes" {
		// The box left unticked: the page again, the box marked.
		s.stationFormRefused(w, r, c, id, apperr.R(apperr.Invalid, "confirm", "Tick the box to confirm the reset."), func(page *operatorStationPage, _ string) {
			page.ResetError = s.locale(r).T("mobility.op.reset_unconfirmed")
		})
		return
	}
	if err := s.mobility.ResetStationState(r.Context(), c, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/operator/bikes/stations/"+id, http.StatusSeeOther)
}

// occupancyChart is a station's last 24 hours drawn as two lines (bikes and
// free docks) in a fixed SVG viewBox, with its numbers as hourly table rows
// for anyone who cannot see the chart.
type occupancyChart struct {
	Width, Height       int
	Left, Top           int
	Right, Bottom       int
	PlotW, PlotH        int
	BikesPoints         string
	FreePoints          string
	XTicks              []chartTick
	YTicks              []chartTick
	Rows                []occupancyRow
	Empty               bool
	Desc                string
	LastBikes, LastFree int
}

type chartTick struct {
	Pos   int
	Label string
}

type occupancyRow struct {
	Hour      string
	At        time.Time
	Bikes     int
	FreeDocks int
}

const (
	chartW, chartH           = 480, 240
	chartLeft, chartTop      = 36, 12
	chartRight, chartBottom  = 12, 32
	chartPlotW, chartPlotH   = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	chartSpan                = 24 * time.Hour
	chartTickEvery           = 6 * time.Hour
	chartMinCapacityForScale = 1
)

func buildOccupancyChart(l *locale, samples []mobility.OccupancySample, capacity int, now time.Time) occupancyChart {
	c := occupancyChart{Width: chartW, Height: chartH, Left: chartLeft, Top: chartTop, Right: chartLeft + chartPlotW, Bottom: chartTop + chartPlotH,
		PlotW: chartPlotW, PlotH: chartPlotH}
	top := max(capacity, chartMinCapacityForScale)
	for _, smp := range samples {
		top = max(top, smp.Bikes, smp.FreeDocks)
	}
	from := now.Add(-chartSpan)
	x := func(t time.Time) int {
		f := float64(t.Sub(from)) / float64(chartSpan)
		return chartLeft + int(min(max(f, 0), 1)*float64(chartPlotW)+0.5)
	}
	y := func(n int) int { return chartTop + chartPlotH - int(float64(n)/float64(top)*float64(chartPlotH)+0.5) }
	// A step line: a station's count holds from one sample until the next,
	// and the last one until now, so even a single sample draws a line.
	var bikes, free strings.Builder
	for i, smp := range samples {
		next := now
		if i+1 < len(samples) {
			next = samples[i+1].At
		}
		fmt.Fprintf(&bikes, "%d,%d %d,%d ", x(smp.At), y(smp.Bikes), x(next), y(smp.Bikes))
		fmt.Fprintf(&free, "%d,%d %d,%d ", x(smp.At), y(smp.FreeDocks), x(next), y(smp.FreeDocks))
	}
	c.BikesPoints, c.FreePoints = strings.TrimSpace(bikes.String()), strings.TrimSpace(free.String())
	// Ticks on the city's full hours, every six hours.
	first := l.In(from).Truncate(time.Hour).Add(time.Hour)
	for t := first; !t.After(now); t = t.Add(time.Hour) {
		if l.In(t).Hour()%int(chartTickEvery/time.Hour) == 0 {
			c.XTicks = append(c.XTicks, chartTick{Pos: x(t), Label: l.Clock(t)})
		}
	}
	for _, n := range []int{0, top / 2, top} {
		c.YTicks = append(c.YTicks, chartTick{Pos: y(n), Label: strconv.Itoa(n)})
	}
	// One table row per hour: the last sample of each.
	today := l.In(now).YearDay()
	for _, smp := range samples {
		hour := l.In(smp.At).Format("15:00")
		if l.In(smp.At).YearDay() != today {
			// The span covers two days: yesterday's 23:00 is not today's.
			hour = l.T("mobility.chart.yesterday", hour)
		}
		if n := len(c.Rows); n > 0 && c.Rows[n-1].Hour == hour && smp.At.Sub(c.Rows[n-1].At) < time.Hour {
			c.Rows[n-1] = occupancyRow{Hour: hour, At: smp.At, Bikes: smp.Bikes, FreeDocks: smp.FreeDocks}
			continue
		}
		c.Rows = append(c.Rows, occupancyRow{Hour: hour, At: smp.At, Bikes: smp.Bikes, FreeDocks: smp.FreeDocks})
	}
	c.Empty = len(samples) == 0
	if c.Empty {
		c.Desc = l.T("mobility.chart.no_data")
		return c
	}
	lo, hi := samples[0].Bikes, samples[0].Bikes
	for _, smp := range samples {
		lo, hi = min(lo, smp.Bikes), max(hi, smp.Bikes)
	}
	last := samples[len(samples)-1]
	c.LastBikes, c.LastFree = last.Bikes, last.FreeDocks
	c.Desc = l.T("mobility.chart.desc", len(samples), lo, hi, last.Bikes, last.FreeDocks)
	return c
}
