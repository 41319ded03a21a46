package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/httpx"
)

// The city administrator's ticketing API: venues and seat maps,
// performances, sales statistics, refunds.

// venueRequest is the body of POST /api/v1/admin/venues.
type venueRequest struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

func (h *ticketHandler) handleAPIVenues(w http.ResponseWriter, r *http.Request) {
	if _, err := httpx.RequireRole(r, identity.RoleAdmin); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	vs, err := h.ticketing.Venues(r.Context())
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"venues": vs})
}

func (h *ticketHandler) handleAPICreateVenue(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in venueRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	v, err := h.ticketing.CreateVenue(r.Context(), c, ticketing.Venue{Name: in.Name, Address: in.Address})
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	// A venue has no URL of its own (the list holds them): Location is its
	// seat map, which is set up next, as the document says of this answer.
	w.Header().Set("Location", "/api/v1/admin/venues/"+v.ID+"/seats")
	httpx.WriteJSON(w, http.StatusCreated, v)
}

// handleAPIVenueSeats is a venue's seat map, as seats.
func (h *ticketHandler) handleAPIVenueSeats(w http.ResponseWriter, r *http.Request) {
	if _, err := httpx.RequireRole(r, identity.RoleAdmin); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	seats, err := h.ticketing.Seats(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"seats": seats})
}

// handleAPISetVenueSeats replaces a venue's seat map (409 once it has performances).
func (h *ticketHandler) handleAPISetVenueSeats(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in ticketing.SeatMap
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	seats, err := h.ticketing.SetSeatMap(r.Context(), c, r.PathValue("id"), in)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"seats": seats})
}

// categoryNamesRequest is the body of PUT /api/v1/admin/venues/{id}/categories.
type categoryNamesRequest struct {
	Categories []ticketing.CategoryName `json:"categories"`
}

// handleAPIVenueCategories is a venue's seat categories with the names
// buyers read for them; the domain decides who may read them.
func (h *ticketHandler) handleAPIVenueCategories(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cats, err := h.ticketing.VenueCategories(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"categories": cats})
}

// handleAPISetVenueCategories gives a venue's seat categories the venue's
// own names, in place of those it gave before; the domain decides who may.
func (h *ticketHandler) handleAPISetVenueCategories(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in categoryNamesRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	// A body without the list ({}, or null) leaves it nil, which the
	// domain refuses (missing_field) once it knows who asks.
	cats, err := h.ticketing.SetCategoryNames(r.Context(), c, r.PathValue("id"), in.Categories)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"categories": cats})
}

func (h *ticketHandler) handleAPIAdminPerformances(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ps, err := h.ticketing.AllPerformances(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"performances": ps})
}

func (h *ticketHandler) handleAPICreatePerformance(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in ticketing.PerformanceRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := in.Performance("", h.zone)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if p, err = h.ticketing.CreatePerformance(r.Context(), c, p); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/performances/"+p.ID+"/seats")
	httpx.WriteJSON(w, http.StatusCreated, p)
}

func (h *ticketHandler) handleAPIUpdatePerformance(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in ticketing.PerformanceRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := in.Performance(r.PathValue("id"), h.zone)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if p, err = h.ticketing.UpdatePerformance(r.Context(), c, p); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

// handleAPICancelPerformance cancels a performance and refunds its orders.
func (h *ticketHandler) handleAPICancelPerformance(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := h.ticketing.CancelPerformance(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (h *ticketHandler) handleAPIPerformanceStats(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	st, err := h.ticketing.Stats(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

// handleAPIRefundTicketOrder cancels an order and returns its money, once.
func (h *ticketHandler) handleAPIRefundTicketOrder(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	o, err := h.ticketing.RefundOrder(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}
