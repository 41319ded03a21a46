package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// The account e-mails for apps: what the pages do with the e-mailed links,
// for a client that shows its own screens. Every answer about an address
// is the same whether or not it has an account.

type emailRequest struct {
	Email string `json:"email"`
}

type tokenRequest struct {
	Token string `json:"token"`
}

type passwordResetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

type passwordChangeRequest struct {
	Current  string `json:"current_password"`
	Password string `json:"new_password"`
}

type emailChangeRequest struct {
	Password string `json:"password"`
	Email    string `json:"new_email"`
}

// writeAccepted is the one answer to a request for an account e-mail, as
// to a sign-up.
func writeAccepted(w http.ResponseWriter) {
	httpx.WriteJSON(w, http.StatusAccepted, signupAccepted{Status: "check_email"})
}

// handleAPIResendVerification sends a new verification link to an address
// whose account is not verified yet. 202 whatever the address; 400 for an
// unreadable one; 429 after too many e-mails from the network.
func (h *accountHandler) handleAPIResendVerification(w http.ResponseWriter, r *http.Request) {
	var req emailRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.identity.ResendVerification(r.Context(), req.Email); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	writeAccepted(w)
}

// emailConfirmed answers a confirmed address: the address, and that it is
// verified. Nothing else of the account: the answer is kept for retries,
// and a sign-up's link is confirmed by whoever follows it.
type emailConfirmed struct {
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
}

// handleAPIConfirmEmail takes the token of an e-mailed confirmation link:
// a sign-up's from anyone, a change of address's only with the bearer token
// of the account that asked for it (identity.Service.ConfirmEmail). 200
// with the address; 400 (reason invalid_token) for a token unknown, used,
// expired or forged; 401 (reason login_required) for a change of
// address's without a bearer token; 403 (reason other_account) with
// another account's.
func (h *accountHandler) handleAPIConfirmEmail(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	c, _ := httpx.Caller(r)
	a, err := h.identity.ConfirmEmail(r.Context(), c, req.Token)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, emailConfirmed{Email: a.Email, EmailVerified: a.Verified()})
}

// handleAPIRequestPasswordReset e-mails a reset link to the address if it
// has an account. 202 whatever the address.
func (h *accountHandler) handleAPIRequestPasswordReset(w http.ResponseWriter, r *http.Request) {
	var req emailRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.identity.RequestPasswordReset(r.Context(), req.Email); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	writeAccepted(w)
}

// handleAPIResetPassword sets a new password with a reset link's token;
// every page session and refresh token of the account ends. 204; 400 for a weak
// password (the token is not spent) or an invalid token.
func (h *accountHandler) handleAPIResetPassword(w http.ResponseWriter, r *http.Request) {
	var req passwordResetRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.identity.ResetPassword(r.Context(), req.Token, req.Password); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleAPIChangePassword replaces the caller's password after checking
// the current one; every page session and refresh token of the account ends, this
// one's too, so the client logs in again. 204.
func (h *accountHandler) handleAPIChangePassword(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req passwordChangeRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.identity.ChangePassword(r.Context(), c, req.Current, req.Password, httpx.ClientIP(r)); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleAPIChangeEmail sends a confirmation link to the new address, after
// checking the password; the address changes when the link is confirmed.
// 202 whether or not the new address has an account.
func (h *accountHandler) handleAPIChangeEmail(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var req emailChangeRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.identity.RequestEmailChange(r.Context(), c, req.Password, req.Email, httpx.ClientIP(r)); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	writeAccepted(w)
}
