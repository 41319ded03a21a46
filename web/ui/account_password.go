package ui

import (
	"context"
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

// forgotPage asks for the address a reset link goes to.
type forgotPage struct {
	Email field
	Error string
	// Key is the form's own (anonymousFormOnce): sent twice, it e-mails
	// one link.
	Key string
}

func (a *accountPages) handleForgotPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "account_forgot", "login", forgotPage{Email: input(a.locale(r), "email", "email", "email", ""), Key: formKey(r)})
}

// handleForgot asks identity for a reset link; the next page says the same
// whether or not the address has an account.
func (a *accountPages) handleForgot(w http.ResponseWriter, r *http.Request) {
	l := a.locale(r)
	p := forgotPage{Email: input(l, "email", "email", "email", strings.TrimSpace(r.PostFormValue("email"))), Key: formKey(r)}
	err := a.anonymousFormOnce(r.Context(), "password_forgot", p.Key, p.Email.Value,
		func(ctx context.Context) error { return a.flows.RequestPasswordReset(ctx, p.Email.Value) })
	if err != nil {
		top, ok := formProblem(l, err, []*field{&p.Email})
		if !ok {
			a.pageError(w, r, err)
			return
		}
		httpx.SetRetryAfter(w, err)
		p.Error = top
		a.render(w, r, problemStatus(err), "account_forgot", "login", p)
		return
	}
	http.Redirect(w, r, "/password/forgot/sent", http.StatusSeeOther)
}

func (a *accountPages) handleForgotSent(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "account_sent", "login", sentPage{Kind: "reset"})
}

// resetPage chooses a new password with a reset link's token.
type resetPage struct {
	Token            string
	Password, Repeat field
	Error            string
}

func (a *accountPages) resetForm(r *http.Request, token string) *resetPage {
	l := a.locale(r)
	return &resetPage{Token: token, Password: input(l, "new_password", "password", "new-password", ""),
		Repeat: input(l, "repeat_password", "password", "new-password", "")}
}

// handleResetPage shows the new password form of a reset link; a link that
// cannot be one is refused at once, with the form to ask again.
func (a *accountPages) handleResetPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if !validTokenShape(token, "pr_") {
		a.badToken(w, r, "reset")
		return
	}
	if !a.linkWorks(w, r, token, "reset") {
		return
	}
	a.render(w, r, http.StatusOK, "account_reset", "", a.resetForm(r, token))
}

// handleReset sets the new password. A weak password or two that differ
// come back next to the field with the token unspent; a token that does not
// work gets the page that says why. Identity ends every session, so the
// person then logs in with the new password.
func (a *accountPages) handleReset(w http.ResponseWriter, r *http.Request) {
	l := a.locale(r)
	token := r.PostFormValue("token")
	if !validTokenShape(token, "pr_") {
		a.badToken(w, r, "reset")
		return
	}
	p := a.resetForm(r, token)
	pw := r.PostFormValue("new_password")
	if pw != r.PostFormValue("repeat_password") {
		p.Repeat.Error = l.T("account.password.mismatch")
		a.render(w, r, http.StatusBadRequest, "account_reset", "", p)
		return
	}
	if err := a.flows.ResetPassword(r.Context(), token, pw); err != nil {
		if apperr.ReasonOf(err) == "invalid_token" {
			a.badToken(w, r, "reset")
			return
		}
		top, ok := formProblem(l, err, []*field{&p.Password})
		if !ok {
			a.pageError(w, r, err)
			return
		}
		p.Error = top
		a.render(w, r, problemStatus(err), "account_reset", "", p)
		return
	}
	// Any session of this browser ended with the others.
	a.setCookie(w, r, httpx.SessionCookie, "", -1)
	http.Redirect(w, r, "/login?notice=password_reset", http.StatusSeeOther)
}
