package ui

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/web/httpx"
)

// handleOperatorDockService puts a dock in (in_service=1) or out of service
// (in_service=0, with a note for the technician).
func (s *bikePages) handleOperatorDockService(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.refused(w, r, mobility.MayOperate(c)) {
		return
	}
	id := r.PathValue("id")
	note := strings.TrimSpace(r.PostFormValue("note"))
	dock, err := strconv.Atoi(r.PathValue("dock"))
	if err != nil {
		s.dockRefused(w, r, c, id, 0, note, apperr.R(apperr.Invalid, "dock_number", "The dock must be a number."))
		return
	}
	inService, err := strconv.ParseBool(r.PostFormValue("in_service"))
	if err != nil {
		s.dockRefused(w, r, c, id, dock, note, apperr.R(apperr.Invalid, "in_service", "Choose in or out of service."))
		return
	}
	if _, err := s.mobility.SetDockService(r.Context(), c, id, dock, inService, note); err != nil {
		s.dockRefused(w, r, c, id, dock, note, err)
		return
	}
	http.Redirect(w, r, "/operator/bikes/stations/"+id+"#dock-"+strconv.Itoa(dock), http.StatusSeeOther)
}

// dockRefused shows the station's page again with why a dock's change was
// refused, at the top and next to the dock's form, which keeps the note
// typed, so the operator corrects it there.
func (s *bikePages) dockRefused(w http.ResponseWriter, r *http.Request, c identity.Caller, id string, dock int, note string, refusal error) {
	s.stationFormRefused(w, r, c, id, refusal, func(page *operatorStationPage, msg string) {
		page.Error = msg
		for i := range page.Docks {
			if d := &page.Docks[i]; d.Number == dock && !d.Beyond {
				d.Error, d.Typed = msg, note
			}
		}
	})
}

// stationFormRefused shows the station's page again, status as refusal's,
// with why one of its forms was refused put where mark puts it. A refusal
// that is not the form's (no such station, not the caller's) gets its own
// error page.
func (s *bikePages) stationFormRefused(w http.ResponseWriter, r *http.Request, c identity.Caller, id string, refusal error, mark func(page *operatorStationPage, msg string)) {
	if apperr.CodeOf(refusal) != apperr.Invalid {
		s.pageError(w, r, refusal)
		return
	}
	page, err := s.operatorStation(r, c, id)
	if apperr.Has(err, apperr.NotFound) {
		// No such station: that is the answer, as its page's, whatever
		// else the form got wrong; nothing failed that an operator must
		// know of.
		s.pageError(w, r, err)
		return
	}
	if err != nil {
		// The refusal is the answer; the page that could not be drawn
		// again around it is the operator's to know of.
		s.log.ErrorContext(r.Context(), "draw the station page again after a refused form", slog.String("station", id), slog.Any("error", err))
		s.pageError(w, r, refusal)
		return
	}
	mark(&page, s.locale(r).ErrorText(refusal))
	s.render(w, r, httpx.StatusFor(refusal), "mobility_operator_station", "operator", page)
}
