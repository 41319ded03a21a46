package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/ticketing"
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

// offlineEntriesAnswer is the answer to an upload of entries let in
// offline: each entry's outcome, in the order sent.
type offlineEntriesAnswer struct {
	Results []ticketing.OfflineEntryResult `json:"results"`
}

// handleAPIOfflineEntries records the entries a door let in while it could
// not reach the hub (ticketing.Service.RecordOfflineEntries). 200 with
// each entry's outcome (checked_in, double_entry or rejected); an upload no
// device sends is 400 and records nothing.
func (h *ticketHandler) handleAPIOfflineEntries(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleDoor)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in ticketing.OfflineUpload
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	rs, err := h.ticketing.RecordOfflineEntries(r.Context(), c, in)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, offlineEntriesAnswer{Results: rs})
}

// doubleEntriesAnswer lists a performance's double entries; More says
// there are others after the last one listed.
type doubleEntriesAnswer struct {
	DoubleEntries []ticketing.DoubleEntry `json:"double_entries"`
	More          bool                    `json:"more"`
}

// handleAPIDoorDoubleEntries lists the double entries of a performance of
// the caller's venue.
func (h *ticketHandler) handleAPIDoorDoubleEntries(w http.ResponseWriter, r *http.Request) {
	h.doubleEntries(w, r, identity.RoleDoor)
}

// handleAPIAdminDoubleEntries lists the double entries of any performance.
func (h *ticketHandler) handleAPIAdminDoubleEntries(w http.ResponseWriter, r *http.Request) {
	h.doubleEntries(w, r, identity.RoleAdmin)
}

func (h *ticketHandler) doubleEntries(w http.ResponseWriter, r *http.Request, role identity.Role) {
	c, err := httpx.RequireRole(r, role)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	l, err := h.ticketing.DoubleEntries(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, doubleEntriesAnswer{DoubleEntries: l.Entries, More: l.More})
}
