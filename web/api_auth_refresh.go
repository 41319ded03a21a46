package web

import "net/http"

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// handleAPIRefresh rotates a refresh token: the answer holds a new access
// token and a new refresh token, and the old refresh token stops working.
// 401 for an unknown, expired or already used one (a reuse also revokes
// every token of its login).
func (s *Server) handleAPIRefresh(w http.ResponseWriter, r *http.Request) {
	var req refreshRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	tokens, err := s.Identity.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tokens)
}
