package api

import (
	"net/http"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/web/httpx"
)

// The rider's mobility API: stations with live bikes, unlocking, the running
// ride and the ride history. The mobility service decides who may (citizens,
// their own rides); these handlers authenticate and translate.

// mobilityCaller is the caller of r once the mobility service's rule (one
// of its May* functions) lets it through. Handlers that read a body or a
// query ask it first, so a refused caller gets 401 or 403, never a 400 for
// what it sent; the service asks the same rule again.
func mobilityCaller(r *http.Request, rule func(identity.Caller) error) (identity.Caller, error) {
	c, err := httpx.Caller(r)
	if err != nil {
		return c, err
	}
	return c, rule(c)
}

// handleAPIMobilityStations lists stations with live availability; with
// ?lat=&lon= (the phone's position) nearest first; either given twice is
// Invalid (duplicate_field), as on every list. Public.
func (h *mobilityHandler) handleAPIMobilityStations(w http.ResponseWriter, r *http.Request) {
	var near *mobility.LatLon
	q := r.URL.Query()
	if err := httpx.Once(q, "lat", "lon"); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if q.Has("lat") || q.Has("lon") {
		p, err := mobility.ParseLatLon(q.Get("lat"), q.Get("lon"))
		if err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		near = &p
	}
	// The API gives both names; it lists them by the city's own, the
	// Italian one (name_it).
	list, err := h.mobility.StationList(r.Context(), near, "it")
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"stations": list})
}

// handleAPIMobilityStation is one station with its docked bikes. Public;
// a bike's id only for a signed-in caller (StationDetailFor).
func (h *mobilityHandler) handleAPIMobilityStation(w http.ResponseWriter, r *http.Request) {
	c, _ := identity.CallerFrom(r.Context())
	v, err := h.mobility.StationDetailFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

// handleAPIMobilityUnlock unlocks a bike for the calling citizen and answers
// 201 with the running ride once the station confirmed. The request id (body
// request_id or the Idempotency-Key header) makes a retry safe: it answers
// the first attempt's outcome, and the same id for another station, dock or
// bike is 409 idempotency_key_reused. 402 when the credit is too low (nothing is
// sent to the station), 409 when the bike is taken or the rider already rides,
// 503 when the station refused, is offline or did not answer: nothing charged.
func (h *mobilityHandler) handleAPIMobilityUnlock(w http.ResponseWriter, r *http.Request) {
	c, err := mobilityCaller(r, mobility.MayRide)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req mobility.UnlockRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if req.RequestID != "" && req.RequestID != key {
			httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "request_id", "request_id and Idempotency-Key differ."))
			return
		}
		req.RequestID = key
	}
	ride, err := h.mobility.Unlock(r.Context(), c, req)
	if err != nil {
		if ride.Replayed {
			// The first attempt's failure, told again (mobility.Unlock).
			w.Header().Set("Idempotent-Replayed", "true")
		}
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/mobility/rides/current")
	// A retry the service answered from its own record (the body differed
	// from the first, so the kept answer did not serve it) says so, as a
	// kept answer does.
	if ride.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpx.WriteJSON(w, http.StatusCreated, ride)
}

// handleAPIMobilityCurrentRide is the caller's running ride with its time and
// cost so far; 404 when there is none.
func (h *mobilityHandler) handleAPIMobilityCurrentRide(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	v, err := h.mobility.CurrentRide(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

// handleAPIMobilityRides is the caller's ride history, newest first; page
// with ?before= (RFC 3339, the created_at of the last ride seen) and ?limit=.
func (h *mobilityHandler) handleAPIMobilityRides(w http.ResponseWriter, r *http.Request) {
	c, err := mobilityCaller(r, mobility.MayRide)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	// The history's place, as every paged list's, is given once.
	if err := httpx.Once(r.URL.Query(), "before"); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var before time.Time
	if b := r.URL.Query().Get("before"); b != "" {
		if before, err = time.Parse(time.RFC3339Nano, b); err != nil {
			httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "bad_before", "before must be an RFC 3339 time, the created_at of a ride."))
			return
		}
	}
	limit, err := httpx.Limit(r.URL.Query(), 50, 100)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if r.URL.Query().Get("before") != "" && !before.After(time.Time{}) {
		// Nothing was made before the year 1's first instant, where the
		// service reads a zero time as no cursor: every ride.
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"rides": []mobility.RideView{}})
		return
	}
	rides, err := h.mobility.RideHistory(r.Context(), c, before, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"rides": rides})
}
