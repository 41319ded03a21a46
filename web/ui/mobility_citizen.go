package ui

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/web/httpx"
)

// What a rider keeps or says about stations: the stations map, favourite
// stations and fault reports on a bike or dock. The report becomes an
// incident the operators see on /operator/bikes/reports and resolve there.
// Who may do what is mobility.Service's; these handlers read forms and
// show its answers.

func init() {
	pageViews = append(pageViews, "mobility_reports")
}

// bikeMaps are the stations map's tiles (the same setting as the report
// maps, CITYHUB_MAP_TILES_URL) and the page policy allowing their host.
type bikeMaps struct {
	Tiles       string
	Attribution string
	csp         string
}

func newBikeMaps(t MapTiles) bikeMaps {
	if t.URL == "" {
		t = MapTiles{URL: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
			Attribution: `&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors`}
	}
	return bikeMaps{Tiles: t.URL, Attribution: t.Attribution, csp: httpx.PolicyWithImages(TilesOrigin(t.URL))}
}

// mapped serves h with the tile host allowed among image sources.
func (s *bikePages) mapped(h http.Handler) http.Handler {
	return httpx.Secured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", s.maps.csp)
		h.ServeHTTP(w, r)
	}))
}

// favouriteSet is the caller's favourite stations; empty (not an error) for
// a caller who does not ride, who sees the list without the stars.
func (s *bikePages) favouriteSet(ctx context.Context, c identity.Caller) (map[string]bool, error) {
	set := map[string]bool{}
	if mobility.MayRide(c) != nil {
		return set, nil
	}
	ids, err := s.mobility.Favourites(ctx, c)
	for _, id := range ids {
		set[id] = true
	}
	return set, err
}

// handleBikeFavourite marks (on=1) or unmarks a station as a favourite and
// goes back to the page the form was on.
func (s *bikePages) handleBikeFavourite(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PathValue("id")
	if err := s.mobility.SetFavourite(r.Context(), c, id, r.PostFormValue("on") == "1"); err != nil {
		s.pageError(w, r, err)
		return
	}
	back := "/bikes"
	if r.PostFormValue("back") == "station" {
		back = "/bikes/stations/" + url.PathEscape(id)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// faultForm is the fault report form, on the station page and the ride
// page, with what was typed and the errors next to their fields.
type faultForm struct {
	StationID   string
	RideID      string // set on the ride page: the form goes back there
	Target      string
	BikeID      string
	Dock        string
	Description string
	Errors      map[string]string
	// Error is a refusal that belongs to no one field (too many reports).
	Error string
}

// alreadyReported is what a page's ?already= says: the target (TargetBike
// or TargetDock) of a report the rider sent again while their first was
// open, or "".
func alreadyReported(r *http.Request) string {
	switch t := r.URL.Query().Get("already"); t {
	case mobility.TargetBike, mobility.TargetDock:
		return t
	}
	return ""
}

// faultField is the form field a report refusal belongs to.
var faultField = map[string]string{
	"report_target": "target", "report_bike": "bike_id", "report_no_bike": "bike_id",
	"report_dock": "dock", "report_text": "description", "report_text_invisible_characters": "description",
}

// handleBikeReport records a rider's fault report and goes back to the
// page it came from with a confirmation; a refusal shows that page again
// with the error next to its field and what was typed.
func (s *bikePages) handleBikeReport(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.refused(w, r, mobility.MayRide(c)) {
		return
	}
	ctx := r.Context()
	f := faultForm{StationID: r.PostFormValue("station_id"), RideID: r.PostFormValue("ride_id"), Target: r.PostFormValue("target"),
		BikeID: strings.TrimSpace(r.PostFormValue("bike_id")), Dock: strings.TrimSpace(r.PostFormValue("dock")),
		Description: r.PostFormValue("description")}
	rep := mobility.FaultReport{StationID: f.StationID, Target: f.Target, Description: f.Description}
	// The page's own refusals, of what does not read; the domain's follow.
	var refusals []error
	switch f.Target {
	case mobility.TargetBike:
		rep.BikeID = f.BikeID
	case mobility.TargetDock:
		var err error
		if rep.Dock, err = strconv.Atoi(f.Dock); err != nil {
			refusals = append(refusals, apperr.R(apperr.Invalid, "report_dock", "Give the dock's number."))
		}
	}
	if !httpx.ValidText(f.Description + f.BikeID) {
		// The domain's refusal, bounds and all, which its words name.
		refusals = append(refusals, apperr.R(apperr.Invalid, "report_text", "Describe the fault in %d to %d characters.", mobility.MinReportText, mobility.MaxReportText))
	}
	back := "/bikes/stations/" + url.PathEscape(f.StationID)
	if f.RideID != "" {
		back = "/bikes/rides/" + url.PathEscape(f.RideID)
	}
	if len(refusals) == 0 {
		_, created, err := s.mobility.ReportFault(ctx, c, rep)
		if err == nil && !created {
			// The rider's own report of this bike or dock is still open: the
			// service answered with it and kept none of the new words, which
			// the page says rather than thanking for a report it did not file.
			http.Redirect(w, r, back+"?already="+url.QueryEscape(f.Target)+"#report-heading", http.StatusSeeOther)
			return
		}
		if err == nil {
			http.Redirect(w, r, back+"?reported=1#report-heading", http.StatusSeeOther)
			return
		}
		refusals = append(refusals, err)
	}
	code := apperr.CodeOf(refusals[0])
	if code == apperr.Internal || code == apperr.Unauthenticated || code == apperr.Forbidden {
		s.pageError(w, r, refusals[0])
		return
	}
	if code == apperr.Invalid || code == apperr.NotFound {
		// Every other mistake of the fields, as the domain judges them,
		// so that one sending corrects them all.
		more, err := s.mobility.ReportProblems(ctx, c, rep)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		refusals = append(refusals, more...)
	}
	l := s.locale(r)
	// The page the form was on comes back, and its language switch
	// returns there, not to the list of stations above /bikes/reports.
	r = withFormPage(r, back)
	f.Errors = map[string]string{}
	for _, err := range refusals {
		if field, ok := faultField[apperr.ReasonOf(err)]; !ok {
			if f.Error == "" {
				f.Error = l.ErrorText(err)
			}
		} else if _, said := f.Errors[field]; !said {
			f.Errors[field] = l.ErrorText(err)
		}
	}
	if f.RideID != "" {
		page, perr := s.bikeRidePage(ctx, r, c, f.RideID)
		if perr != nil {
			s.pageError(w, r, perr)
			return
		}
		page.Report = f
		s.render(w, r, httpx.StatusOf(code), "mobility_ride", "bikes", page)
		return
	}
	page, perr := s.bikeStationPage(ctx, r, c, f.StationID)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	page.Report = f
	s.render(w, r, httpx.StatusOf(code), "mobility_station", "bikes", page)
}

type bikeReportsPage struct {
	Reports  []faultRow
	Resolved bool
	// Closed: a resolve found the report no longer open (a second press,
	// or another operator resolved it first).
	Closed bool
}

type faultRow struct {
	mobility.Incident
	StationName string
	// NamedStationName is the station the citizen named, when the bike
	// was at another (Incident.NamedStationID).
	NamedStationName string
	// Reporter is who reported it, as the operators read them.
	Reporter reporterName
}

// reporterName names a report's citizen: by the account's name; by its id
// where the account has no name or could not be read now; Erased where the
// account was erased (its reports keep no id) or is gone.
type reporterName struct {
	Name, ID string
	Erased   bool
}

// reporterNames reads the names of the reports' citizens, each once. An
// account that cannot be read now is named by its id, and the page shows
// the rest.
func (s *bikePages) reporterNames(ctx context.Context, list []mobility.Incident) map[string]reporterName {
	out := map[string]reporterName{"": {Erased: true}}
	for _, i := range list {
		id := i.ReportedBy
		if _, done := out[id]; done {
			continue
		}
		if s.names == nil {
			out[id] = reporterName{ID: id}
			continue
		}
		a, err := s.names.Account(ctx, id)
		switch {
		case apperr.Has(err, apperr.NotFound) || err == nil && !a.DeletedAt.IsZero():
			out[id] = reporterName{Erased: true}
		case err != nil:
			s.log.ErrorContext(ctx, "read the name of a fault report's citizen", slog.String("account", id), slog.Any("error", err))
			out[id] = reporterName{ID: id}
		default:
			out[id] = reporterName{Name: a.Name, ID: id}
		}
	}
	return out
}

// handleOperatorReports lists the citizens' open fault reports: who, what,
// where and when, each with a button to resolve it.
func (s *bikePages) handleOperatorReports(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	list, err := s.mobility.CitizenReports(ctx, c, true)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lang := s.locale(r).Lang
	names := map[string]string{}
	page := bikeReportsPage{Resolved: r.URL.Query().Get("resolved") == "1", Closed: r.URL.Query().Get("closed") == "1"}
	name := func(id string) string {
		n, ok := names[id]
		if !ok {
			n = s.stationName(ctx, id, lang)
			names[id] = n
		}
		return n
	}
	reporters := s.reporterNames(ctx, list)
	for _, i := range list {
		row := faultRow{Incident: i, StationName: name(i.StationID), Reporter: reporters[i.ReportedBy]}
		if i.NamedStationID != "" {
			row.NamedStationName = name(i.NamedStationID)
		}
		page.Reports = append(page.Reports, row)
	}
	s.render(w, r, http.StatusOK, "mobility_reports", "operator", page)
}

// handleOperatorReportResolve resolves a citizen's report and goes back to
// the list.
func (s *bikePages) handleOperatorReportResolve(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.resolveIncident(w, r, c, "/operator/bikes/reports?resolved=1", "/operator/bikes/reports?closed=1")
}
