package ui

import (
	"net/http"
	"net/url"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// An account made with SPID/CIE that has no password (and perhaps no
// address: the provider gave none, or one another account holds) adds or
// changes its address by a fresh SPID/CIE login instead of a password. The
// account page's form checks the address and keeps it in a cookie of its
// own; the page then offers the login as a link (pathOIDCEmail), because
// the pages' CSP (form-action 'self') would stop a form's redirect to the
// provider. The callback sends the link to the address if the login was
// the account's own fiscal code
// (identity.Service.RequestEmailChangeWithSPID). The address is no secret
// of anyone's but the person's, so the cookie is plain, limited like the
// flow's to /login/oidc and to ten minutes.

func (a *accountPages) handleChangeEmailSPID(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if a.noOIDC(w, r) {
		return
	}
	l := a.locale(r)
	p, err := a.accountForm(r, c)
	if err != nil {
		a.pageError(w, r, err)
		return
	}
	if p.Account.HasPassword() {
		p.EmailError = l.T("account.page.email_spid_has_password")
		a.render(w, r, http.StatusBadRequest, "account", "account", p)
		return
	}
	if err := identity.ValidateEmail(p.NewEmail.Value); err != nil {
		p.NewEmail.Error = l.ErrorText(err)
		a.render(w, r, http.StatusBadRequest, "account", "account", p)
		return
	}
	a.setOIDCCookie(w, r, oidcEmailCookie, url.QueryEscape(p.NewEmail.Value), oidcCookieAge)
	p.EmailSPID = p.NewEmail.Value
	a.render(w, r, http.StatusOK, "account", "account", p)
}

// handleEmailSPIDStart is the account page's link that starts the SPID/CIE
// login for the address the form kept.
func (a *accountPages) handleEmailSPIDStart(w http.ResponseWriter, r *http.Request, _ identity.Caller) {
	if a.noOIDC(w, r) {
		return
	}
	if _, err := r.Cookie(oidcEmailCookie); err != nil {
		a.oidcError(w, r, errOIDCNoFlow)
		return
	}
	a.startOIDC(w, r, oidcModeEmail, "")
}

// finishEmailSPID completes handleChangeEmailSPID once the provider has
// sent the person back: the signed-in account, the address from its
// cookie, the identity the provider asserted.
func (a *accountPages) finishEmailSPID(w http.ResponseWriter, r *http.Request, ext identity.ExternalIdentity) {
	cookie, cerr := r.Cookie(oidcEmailCookie)
	a.setOIDCCookie(w, r, oidcEmailCookie, "", -1)
	caller, ok := a.pageCaller(r)
	if !ok {
		a.oidcError(w, r, apperr.E(apperr.Unauthenticated, "sign in first"))
		return
	}
	if cerr != nil {
		a.oidcError(w, r, errOIDCNoFlow)
		return
	}
	addr, err := url.QueryUnescape(cookie.Value)
	if err != nil {
		a.oidcError(w, r, errOIDCNoFlow)
		return
	}
	if err := a.flows.RequestEmailChangeWithSPID(r.Context(), caller, ext, addr, httpx.ClientIP(r)); err != nil {
		httpx.SetRetryAfter(w, err)
		a.oidcError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=email_sent", http.StatusSeeOther)
}
