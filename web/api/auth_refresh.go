package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// refreshRequest is a refresh's and a logout's body; its token is a
// pointer so that one left out (or null) is 400 missing_field, a client's
// mistake, not a token the hub does not know.
type refreshRequest struct {
	RefreshToken *string `json:"refresh_token"`
}

// handleAPIRefresh rotates a refresh token: the answer holds a new access
// token and a new refresh token, and the old refresh token stops working.
// 401 for an unknown, expired or already used one (a reuse also revokes
// every token of its login).
func (h *accountHandler) handleAPIRefresh(w http.ResponseWriter, r *http.Request) {
	var req refreshRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	token, err := required("refresh_token", req.RefreshToken)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	tokens, err := h.identity.Refresh(r.Context(), token)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tokens)
}
