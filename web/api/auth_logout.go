package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// handleAPILogout revokes the refresh token and every token of its login;
// 204 even for an unknown token, so logging out twice is harmless.
func (h *accountHandler) handleAPILogout(w http.ResponseWriter, r *http.Request) {
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
	if err := h.identity.Logout(r.Context(), token); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
