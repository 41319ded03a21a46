package api

import (
	"net/http"

	"cityhub/web/httpx"
)

type localeRequest struct {
	Locale string `json:"locale"`
}

// handleAPIChangeMyLocale sets the language of the caller's own account,
// the one its e-mails are in and its pages' without the switch's cookie.
// 200 with the caller as GET /api/v1/me shows it; 400 (bad_locale) for a
// language the hub does not speak, or none.
func (h *accountHandler) handleAPIChangeMyLocale(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req localeRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	a, err := h.identity.SetLocale(r.Context(), c, c.AccountID, req.Locale)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a.Caller())
}
