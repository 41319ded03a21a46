package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/web/httpx"
)

// The door: door staff verify and check in tickets through the JSON API
// (door devices); the scanner page's own target is in web/ui.

// ticketCodeRequest is the body of the door endpoints: what was read, and
// the performance the door is checking tickets for.
type ticketCodeRequest struct {
	Code          string `json:"code"`
	PerformanceID string `json:"performance_id"`
}

// handleAPIDoorPerformances lists the performances the caller checks
// tickets for: its venues' performances that have not ended.
func (h *ticketHandler) handleAPIDoorPerformances(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleDoor)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ps, err := h.ticketing.DoorPerformances(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"performances": ps})
}

// handleAPIDoorList is one performance's list for checking tickets offline.
func (h *ticketHandler) handleAPIDoorList(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleDoor)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	list, err := h.ticketing.DoorList(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, list)
}

// handleAPIVerifyTicket shows door staff what a code is, without checking it in.
func (h *ticketHandler) handleAPIVerifyTicket(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleDoor)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in ticketCodeRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	tv, err := h.ticketing.VerifyTicket(r.Context(), c, in.PerformanceID, in.Code)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tv)
}

// handleAPICheckInTicket checks a ticket in: the first scan wins; a later
// one is 409 (reason already_checked_in, with the time in its detail).
func (h *ticketHandler) handleAPICheckInTicket(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleDoor)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in ticketCodeRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	res, err := h.ticketing.CheckIn(r.Context(), c, in.PerformanceID, in.Code)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}
