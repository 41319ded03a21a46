package api

import (
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

type signupRequest struct {
	Email    string  `json:"email"`
	Password string  `json:"password"`
	Name     string  `json:"name"`
	Locale   *string `json:"locale"`
}

// signupAccepted is the one answer to a valid sign-up.
type signupAccepted struct {
	// Status is always check_email: a link to confirm the address was sent
	// to it, or, when it already has an account, a note to its owner.
	Status string `json:"status"`
}

// handleAPISignup starts a citizen account: unverified, with its wallet,
// and a verification e-mail whose link (to the confirmation page) must be
// followed before the account can log in. 202 whether or not the address
// already had an account, so the answer tells nobody which addresses do;
// 400 for bad fields; 429 after too many sign-ups or e-mails from the
// network.
func (h *accountHandler) handleAPISignup(w http.ResponseWriter, r *http.Request) {
	var req signupRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	locale, err := newAccountLocale(req.Locale)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	err = h.identity.SignUp(r.Context(), identity.NewAccount{Email: req.Email, Password: req.Password, Name: req.Name, Locale: locale})
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusAccepted, signupAccepted{Status: "check_email"})
}

// newAccountLocale is a new account's language as a request gives it: left
// out (or null) the identity service's default, and otherwise one of
// identity.Locales, so that "" is 400 bad_locale here as on PUT
// /api/v1/me/locale, one rule for a language given as nothing.
func newAccountLocale(locale *string) (string, error) {
	if locale == nil {
		return "", nil
	}
	if *locale == "" {
		return "", apperr.R(apperr.Invalid, "bad_locale", "The language must be one of %s.", strings.Join(identity.Locales, ", "))
	}
	return *locale, nil
}
