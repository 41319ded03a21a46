package api

import (
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

type accountDisabledRequest struct {
	Disabled *bool `json:"disabled"`
}

// handleAPIAdminSetDisabled lets a city administrator disable an account or
// enable it again; a disabled account's tokens and sessions stop working at
// once, and enabling it again brings none of them back. 200 with the
// account; 403 for anyone else; 404 for no such account.
func (h *accountHandler) handleAPIAdminSetDisabled(w http.ResponseWriter, r *http.Request) {
	admin, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req accountDisabledRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if req.Disabled == nil {
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "missing_field", "The field \"disabled\" is required."))
		return
	}
	a, err := h.identity.SetDisabled(r.Context(), admin, r.PathValue("id"), *req.Disabled)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a)
}
