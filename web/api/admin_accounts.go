package api

import (
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

type adminAccountRequest struct {
	Email    string           `json:"email"`
	Password string           `json:"password"`
	Name     string           `json:"name"`
	Locale   *string          `json:"locale"`
	Grants   []identity.Grant `json:"grants"`
}

// handleAPIAdminCreateAccount lets a city administrator create an account
// with grants (shop staff, door staff, operators, administrators). 201 with
// the account; 400 (reason unknown_scope) for a grant of a shop, venue or
// office that does not exist; 403 for anyone else.
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
	locale, err := newAccountLocale(req.Locale)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	a, err := h.identity.CreateAccount(r.Context(), admin, identity.NewAccount{
		Email: req.Email, Password: req.Password, Name: req.Name, Locale: locale, Grants: req.Grants,
	})
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/accounts/"+a.ID)
	httpx.WriteJSON(w, http.StatusCreated, a)
}

// handleAPIAdminAccounts is GET /api/v1/admin/accounts (city admin): the
// accounts matching the query, newest first, a page at a time, each with
// its grants and state.
func (h *accountHandler) handleAPIAdminAccounts(w http.ResponseWriter, r *http.Request) {
	admin, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	q, err := httpx.AccountQuery(r.URL.Query())
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := h.identity.SearchAccounts(r.Context(), admin, q)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

type accountGrantsRequest struct {
	Grants []identity.Grant `json:"grants"`
}

// handleAPIAdminSetGrants is PUT /api/v1/admin/accounts/{id}/grants (city
// admin): the account's grants become the ones given. 200 with the
// account; 400 (reason unknown_scope) for a new grant of a shop, venue or
// office that does not exist; 403 for anyone else and for an administrator
// taking their own admin role (reason own_admin); 404 for no such account.
func (h *accountHandler) handleAPIAdminSetGrants(w http.ResponseWriter, r *http.Request) {
	admin, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req accountGrantsRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if req.Grants == nil {
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "missing_field", "The field \"grants\" is required."))
		return
	}
	a, err := h.identity.SetGrants(r.Context(), admin, r.PathValue("id"), req.Grants)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a)
}
