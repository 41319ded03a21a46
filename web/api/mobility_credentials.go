package api

import (
	"log/slog"
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/web/httpx"
)

// Station broker credentials and mobility incidents. The mobility service
// decides who may (city admins and mobility operators); these handlers only
// authenticate and translate. A secret appears once, in the answer to the
// request that made it, which nothing may cache; an Idempotency-Key is not
// honoured here, because keeping the first answer would keep the secret: a
// client that lost the answer rotates the credential instead.

// handleAPIStationCredentials lists every station's credential (no secrets).
func (h *mobilityHandler) handleAPIStationCredentials(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	list, err := h.mobility.StationCredentials(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"credentials": list})
}

// handleAPIStationCredential is one station's credential (no secret).
func (h *mobilityHandler) handleAPIStationCredential(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cred, err := h.mobility.StationCredential(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, cred)
}

// handleAPIIssueStationCredential makes a station's first secret (or a new
// one after a revocation): 201 with the secret, shown this once.
func (h *mobilityHandler) handleAPIIssueStationCredential(w http.ResponseWriter, r *http.Request) {
	h.newStationSecret(w, r, false)
}

// handleAPIRotateStationCredential replaces a station's secret: 200 with the
// new secret; the old one stops working and its connection is dropped.
func (h *mobilityHandler) handleAPIRotateStationCredential(w http.ResponseWriter, r *http.Request) {
	h.newStationSecret(w, r, true)
}

func (h *mobilityHandler) newStationSecret(w http.ResponseWriter, r *http.Request, rotate bool) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	issue, status := h.mobility.IssueStationCredential, http.StatusCreated
	if rotate {
		issue, status = h.mobility.RotateStationCredential, http.StatusOK
	}
	cred, err := issue(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, status, cred)
}

// RegisteredStation is a station just created, with its first broker
// credential: the secret in this answer only, as the admin pages show it on
// registration.
type RegisteredStation struct {
	mobility.Station
	// Credential is absent when it could not be issued (CredentialError
	// says why); the station exists, and POST .../credential issues it.
	Credential      *mobility.IssuedCredential `json:"credential,omitempty"`
	CredentialError *httpx.Problem             `json:"credential_error,omitempty"`
}

// registered answers a station's creation with the station and its first
// credential. The route is unkeyed (UnkeyedRoutes) so that the secret is
// never kept for a replay: a retry finds the station taken (409), and a
// client that lost the answer rotates the credential.
func registered(m *mobility.Service, log *slog.Logger) func(http.ResponseWriter, *http.Request, identity.Caller, mobility.Station) {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller, st mobility.Station) {
		out := RegisteredStation{Station: st}
		ic, err := m.IssueStationCredential(r.Context(), c, st.ID)
		if err != nil {
			if apperr.IsServerFault(err) {
				log.ErrorContext(r.Context(), "issue the credential of a new station", slog.String("station", st.ID), slog.Any("error", err))
			}
			p := httpx.ProblemOf(err, r.URL.Path+"/"+st.ID+"/credential")
			out.CredentialError = &p
		} else {
			out.Credential = &ic
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, http.StatusCreated, out)
	}
}

// handleAPIRevokeStationCredential ends a station's credential and
// disconnects the station.
func (h *mobilityHandler) handleAPIRevokeStationCredential(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cred, err := h.mobility.RevokeStationCredential(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, cred)
}

// handleAPIIncidents lists mobility incidents, newest first, the newest
// mobility.MaxIncidentList; ?open=true for the unresolved ones only,
// ?kind= for one kind. Either given twice is Invalid (duplicate_field), as
// on every list: its first value is no more the operator's than its second.
// Whoever may not read them is refused for that first (mobilityCaller).
func (h *mobilityHandler) handleAPIIncidents(w http.ResponseWriter, r *http.Request) {
	c, err := mobilityCaller(r, mobility.MayOperate)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	q := r.URL.Query()
	if err := httpx.Once(q, "open", "kind"); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var open bool
	switch v := q.Get("open"); v {
	case "true":
		open = true
	case "", "false":
	default:
		// Taken as false, a typo (open=1) would list the resolved ones too.
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "bad_open", "open must be true or false, not %q.", v))
		return
	}
	list, err := h.mobility.Incidents(r.Context(), c, open, q.Get("kind"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if list == nil {
		list = []mobility.Incident{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"incidents": list})
}

// handleAPIResolveIncident closes an open incident.
func (h *mobilityHandler) handleAPIResolveIncident(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.mobility.ResolveIncident(r.Context(), c, r.PathValue("id")); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
