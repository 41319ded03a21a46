package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/web/httpx"
)

type adminAccountRequest struct {
	Email    string           `json:"email"`
	Password string           `json:"password"`
	Name     string           `json:"name"`
	Locale   string           `json:"locale"`
	Grants   []identity.Grant `json:"grants"`
}

// handleAPIAdminCreateAccount lets a city administrator create an account
// with grants (shop staff, door staff, operators, administrators). 201 with
// the account; 403 for anyone else.
func (h *accountHandler) handleAPIAdminCreateAccount(w http.ResponseWriter, r *http.Request) {
	admin, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req adminAccountRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	a, err := h.identity.CreateAccount(r.Context(), admin, identity.NewAccount{
		Email: req.Email, Password: req.Password, Name: req.Name, Locale: req.Locale, Grants: req.Grants,
	})
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/accounts/"+a.ID)
	httpx.WriteJSON(w, http.StatusCreated, a)
}
