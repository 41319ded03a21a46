package api

import (
	"cityhub/web/httpx"
	"net/http"
)

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
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
	tokens, err := h.identity.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tokens)
}
