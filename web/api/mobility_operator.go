package api

import (
	"net/http"
	"strconv"

	"cityhub/apperr"
	"cityhub/mobility"
	"cityhub/web/httpx"
)

// The mobility operator's API: every station with its problems, occupancy
// charts, opening and closing stations, docks out of service. City admins
// may do the same; the mobility service decides, these handlers
// authenticate and translate.

// handleAPIOperatorStations is the operator's overview: stations (offline,
// faulty, empty or full first, with since when) and long rides.
func (h *mobilityHandler) handleAPIOperatorStations(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ov, err := h.mobility.OperatorOverview(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ov)
}

// handleAPIOperatorOccupancy is a station's bikes and free docks over the last
// 24 hours, one sample per 5 minutes with telemetry, oldest first.
func (h *mobilityHandler) handleAPIOperatorOccupancy(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	samples, err := h.mobility.Occupancy24h(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"station_id": r.PathValue("id"), "interval_seconds": 300, "samples": samples})
}

// handleAPIOperatorStationStatus opens or closes a station: {"open": false}.
func (h *mobilityHandler) handleAPIOperatorStationStatus(w http.ResponseWriter, r *http.Request) {
	c, err := mobilityCaller(r, mobility.MayOperate)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req struct {
		Open *bool `json:"open"`
	}
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if req.Open == nil {
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "open", `The body needs "open": true or false.`))
		return
	}
	st, err := h.mobility.SetStationOpen(r.Context(), c, r.PathValue("id"), *req.Open)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

// handleAPIOperatorDock puts a dock in or out of service:
// {"in_service": false, "note": "lock jammed"}.
func (h *mobilityHandler) handleAPIOperatorDock(w http.ResponseWriter, r *http.Request) {
	c, err := mobilityCaller(r, mobility.MayOperate)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	dock, err := strconv.Atoi(r.PathValue("dock"))
	if err != nil {
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "dock_number", "The dock must be a number."))
		return
	}
	var req struct {
		InService *bool  `json:"in_service"`
		Note      string `json:"note"`
	}
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if req.InService == nil {
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "in_service", `The body needs "in_service": true or false.`))
		return
	}
	d, err := h.mobility.SetDockService(r.Context(), c, r.PathValue("id"), dock, *req.InService, req.Note)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

// handleAPIOperatorStationReset forgets what a station reported (docks,
// faults, online, the time of its last message), so its next status is taken
// whatever its clock says: 204.
func (h *mobilityHandler) handleAPIOperatorStationReset(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.mobility.ResetStationState(r.Context(), c, r.PathValue("id")); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
