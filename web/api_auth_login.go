package web

import "net/http"

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// handleAPILogin exchanges an email and a password for an access token and
// a refresh token. 401 for a wrong email or password alike, 429 with
// Retry-After when the attempt does not fit the login limits.
func (s *Server) handleAPILogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	tokens, err := s.Identity.Login(r.Context(), req.Email, req.Password, clientIP(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tokens)
}
