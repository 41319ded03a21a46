package ui

import (
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// accountPage is the signed-in person's account: who they are, the
// password and address forms, and the SPID/CIE connection.
type accountPage struct {
	Account identity.Account
	// Placeholder: the account came from SPID/CIE without a usable
	// address, and its address is a placeholder nothing is sent to.
	Placeholder bool
	// Done names what just succeeded (a catalogue key's last part).
	Done string
	// OIDCLabel is the SPID/CIE button's label; empty: no provider.
	OIDCLabel string

	Current, NewPassword, Repeat field
	PasswordError                string
	EmailPassword, NewEmail      field
	EmailError                   string
	// EmailSPID is the address waiting for the SPID/CIE login that sends
	// its link (handleChangeEmailSPID): the page offers the login's link.
	EmailSPID string
	// LocaleError is the language form's refusal.
	LocaleError string
}

// doneNotices are the notices /account?done= may show.
var doneNotices = map[string]bool{"password": true, "email_sent": true, "email_changed": true, "verified": true, "linked": true, "language": true}

func (a *accountPages) accountForm(r *http.Request, c identity.Caller) (*accountPage, error) {
	acct, err := a.flows.Account(r.Context(), c.AccountID)
	if err != nil {
		return nil, err
	}
	l := a.locale(r)
	p := &accountPage{Account: acct, Placeholder: !identity.MailableAddress(acct.Email),
		Current:       input(l, "current", "password", "current-password", ""),
		NewPassword:   input(l, "new_password", "password", "new-password", ""),
		Repeat:        input(l, "repeat_password", "password", "new-password", ""),
		EmailPassword: input(l, "email_password", "password", "current-password", ""),
		NewEmail:      input(l, "new_email", "email", "email", strings.TrimSpace(r.PostFormValue("new_email"))),
	}
	if a.oidc != nil {
		p.OIDCLabel = a.oidcLabel
	}
	if d := r.URL.Query().Get("done"); doneNotices[d] {
		p.Done = d
	}
	return p, nil
}

func (a *accountPages) handleAccountPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	p, err := a.accountForm(r, c)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "account", "account", p)
}

// handleChangePassword changes the password after checking the current
// one. Identity ends every session of the account, this one too, so the
// page opens a new one with the new password.
func (a *accountPages) handleChangePassword(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := a.locale(r)
	p, err := a.accountForm(r, c)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	next := r.PostFormValue("new_password")
	if next != r.PostFormValue("repeat_password") {
		p.Repeat.Error = l.T("account.password.mismatch")
		a.render(w, r, http.StatusBadRequest, "account", "account", p)
		return
	}
	ip := httpx.ClientIP(r)
	if err := a.flows.ChangePassword(r.Context(), c, r.PostFormValue("current"), next, ip); err != nil {
		top, ok := formProblem(l, err, []*field{&p.Current, &p.NewPassword})
		if !ok {
			a.pageError(w, r, err)
			return
		}
		httpx.SetRetryAfter(w, err)
		p.PasswordError = top
		a.render(w, r, problemStatus(err), "account", "account", p)
		return
	}
	token, _, err := a.accounts.StartSession(r.Context(), c.Email, next, ip)
	if err != nil {
		// The password changed; only the new session failed.
		a.setCookie(w, r, httpx.SessionCookie, "", -1)
		http.Redirect(w, r, "/login?notice=password_changed", http.StatusSeeOther)
		return
	}
	a.setCookie(w, r, httpx.SessionCookie, token, 0)
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

// handleChangeEmail sends a confirmation link to the new address, after
// checking the password; the address changes when the link is followed.
// The page says the same whether or not the new address has an account.
func (a *accountPages) handleChangeEmail(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := a.locale(r)
	p, err := a.accountForm(r, c)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	err = a.flows.RequestEmailChange(r.Context(), c, r.PostFormValue("email_password"), p.NewEmail.Value, httpx.ClientIP(r))
	if err != nil {
		if apperr.ReasonOf(err) == "wrong_password" {
			p.EmailPassword.Error = l.ErrorText(err)
		} else if apperr.ReasonOf(err) == "bad_email" || apperr.ReasonOf(err) == "same_email" {
			p.NewEmail.Error = l.ErrorText(err)
		} else if top, ok := formProblem(l, err, nil); ok {
			p.EmailError = top
		} else {
			a.pageError(w, r, err)
			return
		}
		httpx.SetRetryAfter(w, err)
		a.render(w, r, problemStatus(err), "account", "account", p)
		return
	}
	http.Redirect(w, r, "/account?done=email_sent", http.StatusSeeOther)
}

// handleChangeLanguage makes the language chosen the account's (its
// e-mails', and its pages' on a browser without the switch's cookie) and
// the browser's too, so that the page it returns to, and the next, are in
// it whatever the switch chose before.
func (a *accountPages) handleChangeLanguage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	lang := r.PostFormValue("locale")
	if _, err := a.flows.SetLocale(r.Context(), c, c.AccountID, lang); err != nil {
		p, ferr := a.accountForm(r, c)
		if ferr != nil {
			a.pageError(w, r, ferr)
			return
		}
		top, ok := formProblem(a.locale(r), err, nil)
		if !ok {
			a.pageError(w, r, err)
			return
		}
		p.LocaleError = top
		a.render(w, r, problemStatus(err), "account", "account", p)
		return
	}
	a.setLanguageCookie(w, r, lang)
	http.Redirect(w, r, "/account?done=language", http.StatusSeeOther)
}
