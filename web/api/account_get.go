package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/web/httpx"
)

// handleAPIAccount shows one account to its owner or to a city
// administrator. Anyone else gets 404, as if it did not exist, so account
// ids cannot be probed.
func (h *accountHandler) handleAPIAccount(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	id := r.PathValue("id")
	if id != c.AccountID && !c.Has(identity.RoleAdmin) {
		httpx.WriteError(h.log, w, r, identity.ErrNoAccount)
		return
	}
	a, err := h.identity.Account(r.Context(), id)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a)
}
