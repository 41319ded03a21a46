package api

import (
	"net/http"
	"strings"
	"time"

	"cityhub/apperr"
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

// PerformanceRequest is the body of POST /api/v1/admin/performances and
// PUT /api/v1/admin/performances/{id}. Times are RFC 3339, or local times
// in the city's time zone written "2026-12-01T20:30". The end is ends_at or the
// start plus duration_minutes (not both); without either the domain's
// defaults apply.
type PerformanceRequest struct {
	VenueID         string           `json:"venue_id"`
	Title           string           `json:"title"`
	StartsAt        string           `json:"starts_at"`
	DoorsOpen       string           `json:"doors_open"`
	EndsAt          string           `json:"ends_at"`
	DurationMinutes int              `json:"duration_minutes"`
	Prices          map[string]int64 `json:"prices_cents"`
	SalesOpen       string           `json:"sales_open"`
	SalesClose      string           `json:"sales_close"`
	// SelfCancelHours lets buyers cancel their own orders until this many
	// hours before the start; absent, only an administrator refunds.
	SelfCancelHours *int `json:"self_cancel_hours"`
}

// cityTime reads an RFC 3339 time or a local time in zone, the city's;
// empty is the zero time.
func cityTime(field, v string, zone *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.R(apperr.Invalid, "invalid_"+field, "%s must be an RFC 3339 time or a local time like 2026-12-01T20:30.", field)
}

// Performance is the performance the request describes, with id, its local
// times read in zone, the city's; the theatre admin page reads its form
// through it too.
func (in PerformanceRequest) Performance(id string, zone *time.Location) (ticketing.Performance, error) {
	p := ticketing.Performance{ID: id, VenueID: in.VenueID, Title: in.Title, Prices: in.Prices, SelfCancelHours: in.SelfCancelHours}
	var err error
	if p.StartsAt, err = cityTime("starts_at", in.StartsAt, zone); err != nil {
		return p, err
	}
	if p.SalesOpen, err = cityTime("sales_open", in.SalesOpen, zone); err != nil {
		return p, err
	}
	if p.DoorsOpen, err = cityTime("doors_open", in.DoorsOpen, zone); err != nil {
		return p, err
	}
	if p.EndsAt, err = cityTime("ends_at", in.EndsAt, zone); err != nil {
		return p, err
	}
	switch {
	case in.DurationMinutes != 0 && !p.EndsAt.IsZero():
		return p, apperr.R(apperr.Invalid, "invalid_ends_at", "Give the end or the duration, not both.")
	case in.DurationMinutes < 0 || in.DurationMinutes > int(ticketing.MaxDuration/time.Minute):
		return p, apperr.R(apperr.Invalid, "invalid_duration", "The duration must be 1 to %d minutes.", int(ticketing.MaxDuration/time.Minute))
	case in.DurationMinutes > 0 && !p.StartsAt.IsZero():
		p.EndsAt = p.StartsAt.Add(time.Duration(in.DurationMinutes) * time.Minute)
	}
	p.SalesClose, err = cityTime("sales_close", in.SalesClose, zone)
	return p, err
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
	var in PerformanceRequest
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
	var in PerformanceRequest
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
