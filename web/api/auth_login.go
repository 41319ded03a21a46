package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// loginRequest's fields are pointers so that one left out (or null) is
// 400 missing_field, a client's mistake, not a wrong password.
type loginRequest struct {
	Email    *string `json:"email"`
	Password *string `json:"password"`
}

// handleAPILogin exchanges an email and a password for an access token and
// a refresh token. 401 for a wrong email or password alike, 429 with
// Retry-After when the attempt does not fit the login limits.
func (h *accountHandler) handleAPILogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	email, err := required("email", req.Email)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	password, err := required("password", req.Password)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	tokens, err := h.identity.Login(r.Context(), email, password, httpx.ClientIP(r))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tokens)
}
