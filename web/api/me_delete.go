package api

import (
	"cityhub/web/httpx"
	"net/http"
)

// handleAPIDeleteMe erases the caller's personal data (GDPR erasure): the
// account is anonymised and every token and session revoked. The wallet's
// ledger entries stay, pointing at no one, because accounting law keeps them.
func (h *accountHandler) handleAPIDeleteMe(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.identity.DeleteAccount(r.Context(), c.AccountID); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
