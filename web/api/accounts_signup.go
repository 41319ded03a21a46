package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/web/httpx"
)

type signupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Locale   string `json:"locale"`
}

// handleAPISignup creates a citizen account with its wallet. 201 with the
// account; 400 for bad fields; 409 (reason email_taken) for a known email.
func (h *accountHandler) handleAPISignup(w http.ResponseWriter, r *http.Request) {
	var req signupRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	a, err := h.identity.Register(r.Context(), identity.NewAccount{Email: req.Email, Password: req.Password, Name: req.Name, Locale: req.Locale})
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/accounts/"+a.ID)
	httpx.WriteJSON(w, http.StatusCreated, a)
}
