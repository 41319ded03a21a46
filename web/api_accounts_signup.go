package web

import (
	"net/http"

	"cityhub/identity"
)

type signupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Locale   string `json:"locale"`
}

// handleAPISignup creates a citizen account with its wallet. 201 with the
// account; 400 for bad fields; 409 (reason email_taken) for a known email.
func (s *Server) handleAPISignup(w http.ResponseWriter, r *http.Request) {
	var req signupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Identity.Register(r.Context(), identity.NewAccount{Email: req.Email, Password: req.Password, Name: req.Name, Locale: req.Locale})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/accounts/"+a.ID)
	writeJSON(w, http.StatusCreated, a)
}
