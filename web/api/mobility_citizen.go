package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/web/httpx"
)

// What a rider keeps or says about stations, as the pages offer it
// (web/ui/mobility_citizen.go): favourite stations, and fault reports on a
// bike or a dock that reach the operators. Both are the caller's own; the
// mobility service decides who may (citizens).

// favouritesAnswer is the caller's favourite stations, by id.
type favouritesAnswer struct {
	StationIDs []string `json:"station_ids"`
}

// handleAPIFavourites lists the caller's favourite stations.
func (h *mobilityHandler) handleAPIFavourites(w http.ResponseWriter, r *http.Request) {
	c, err := mobilityCaller(r, mobility.MayRide)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	h.writeFavourites(w, r, c)
}

// handleAPIAddFavourite marks a station as a favourite (nothing changes
// when it is one already) and answers the list; 404 for no such station.
func (h *mobilityHandler) handleAPIAddFavourite(w http.ResponseWriter, r *http.Request) {
	h.setFavourite(w, r, true)
}

// handleAPIRemoveFavourite unmarks a station (nothing changes when it was
// not a favourite) and answers the list.
func (h *mobilityHandler) handleAPIRemoveFavourite(w http.ResponseWriter, r *http.Request) {
	h.setFavourite(w, r, false)
}

func (h *mobilityHandler) setFavourite(w http.ResponseWriter, r *http.Request, on bool) {
	c, err := mobilityCaller(r, mobility.MayRide)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.mobility.SetFavourite(r.Context(), c, r.PathValue("id"), on); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	h.writeFavourites(w, r, c)
}

func (h *mobilityHandler) writeFavourites(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ids, err := h.mobility.Favourites(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if ids == nil {
		ids = []string{}
	}
	httpx.WriteJSON(w, http.StatusOK, favouritesAnswer{StationIDs: ids})
}

// handleAPIReportFault files the caller's fault report on a bike (by the
// code on its frame) or a dock of a station: 201 with the new report, or
// 200 with the caller's open report of the same bike or dock, which stands
// for both. 400 for a bad target or description, 404 for no such station
// or bike, 429 with MaxOpenReports open already.
func (h *mobilityHandler) handleAPIReportFault(w http.ResponseWriter, r *http.Request) {
	c, err := mobilityCaller(r, mobility.MayRide)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req mobility.FaultReport
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	inc, created, err := h.mobility.ReportFault(r.Context(), c, req)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, mobility.MyReportOf(inc))
}

// handleAPIMyFaultReports lists the caller's fault reports, open and
// resolved, newest first.
func (h *mobilityHandler) handleAPIMyFaultReports(w http.ResponseWriter, r *http.Request) {
	c, err := mobilityCaller(r, mobility.MayRide)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	list, err := h.mobility.MyReports(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"reports": list})
}
