package api

import (
	"cityhub/web/httpx"
	"net/http"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
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
	tokens, err := h.identity.Login(r.Context(), req.Email, req.Password, httpx.ClientIP(r))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tokens)
}
