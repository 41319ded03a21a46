package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// The SPID/CIE login. The login page's button links to pathOIDCStart,
// which sends the browser to the provider with the flow (state, nonce,
// PKCE verifier, sealed by oidclogin) in a short-lived cookie; the provider
// sends it back to pathOIDCCallback, registered there as the redirect URI.
//
// The cookies are HttpOnly, SameSite=Lax (the provider's redirect back is
// a top-level GET, which Lax lets through) and limited to /login/oidc.

const (
	pathOIDCStart    = "/login/oidc"
	pathOIDCCallback = "/login/oidc/callback"
	pathOIDCLink     = "/login/oidc/link"
	pathOIDCEmail    = "/login/oidc/email"
	pathOIDCConnect  = "/login/oidc/connect"
	oidcFlowCookie   = "cityhub_oidc_flow"
	oidcLinkCookie   = "cityhub_oidc_link"
	oidcEmailCookie  = "cityhub_oidc_email"
	oidcCookieAge    = 600
)

// The flow cookie says what the login is for: signing in, or connecting
// SPID/CIE to the signed-in account from its page.
const (
	oidcModeLogin = "login"
	oidcModeLink  = "link"
	// oidcModeEmail: a password-less account proves itself to add an
	// address (handleChangeEmailSPID), the address waiting in its cookie.
	oidcModeEmail = "email"
)

func (s *site) setOIDCCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: pathOIDCStart, MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
}

// clearOIDCCookies ends whatever SPID/CIE step this browser had waiting (a
// flow, an identity waiting to be linked, an address waiting for its
// login): at logout and at every sign-in, so that on a shared computer
// the next person never finishes the previous person's step. Cleared
// whether or not the request shows them: the browser sends them to
// /login/oidc only.
func (s *site) clearOIDCCookies(w http.ResponseWriter, r *http.Request) {
	for _, name := range []string{oidcFlowCookie, oidcLinkCookie, oidcEmailCookie} {
		s.setOIDCCookie(w, r, name, "", -1)
	}
}

// linkBound is what a waiting identity is sealed with (ExternalLogin's
// bound): for a link asked from the account page (connect true), the page
// session it was asked under, so that it completes under that session only,
// never after a logout and another person's sign-in in the same browser;
// for a SPID/CIE login whose e-mail named a password account, "" (no
// session), so that such an identity is never linked to a signed-in
// account other than the one its e-mail names.
func linkBound(r *http.Request, connect bool) string {
	if !connect {
		return ""
	}
	sum := sha256.Sum256([]byte(pageSessionToken(r)))
	return "session:" + hex.EncodeToString(sum[:])
}

// startOIDC sends the browser to the provider; the flow cookie keeps the
// mode, the sealed flow and where a login goes next ("" for its home):
// mode "." flow "." next, query-escaped (neither a mode nor a sealed flow
// holds a dot).
func (a *accountPages) startOIDC(w http.ResponseWriter, r *http.Request, mode, next string) {
	if a.noOIDC(w, r) {
		return
	}
	to, flow, err := a.oidc.Start(r.Context())
	if err != nil {
		a.oidcError(w, r, err)
		return
	}
	a.setOIDCCookie(w, r, oidcFlowCookie, mode+"."+flow+"."+url.QueryEscape(next), oidcCookieAge)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// handleOIDCStart is the login page's SPID/CIE button; its next (a local
// path, as the login form's) is where the person goes once signed in.
func (a *accountPages) handleOIDCStart(w http.ResponseWriter, r *http.Request) {
	next, _ := a.returnTarget(r, r.URL.Query().Get("next"))
	a.startOIDC(w, r, oidcModeLogin, next)
}

// handleOIDCLinkStart is the account page's "connect SPID/CIE" button:
// the SPID/CIE login that follows proves one half, and the account's
// password, asked after it (handleOIDCConnectPage), the other: a session
// left open is not enough.
func (a *accountPages) handleOIDCLinkStart(w http.ResponseWriter, r *http.Request, _ identity.Caller) {
	a.startOIDC(w, r, oidcModeLink, "")
}

// oidcErrorPage says why a SPID/CIE login did not complete.
type oidcErrorPage struct {
	Message string
	Status  int
}

// oidcError shows a failed SPID/CIE login with the way to start again: a
// refusal of the provider, a state that does not match, an expired flow,
// an account conflict. Internal errors are logged and shown as such.
func (a *accountPages) oidcError(w http.ResponseWriter, r *http.Request, err error) {
	status := httpx.StatusFor(err)
	switch apperr.CodeOf(err) {
	case apperr.Unauthenticated, apperr.Invalid, apperr.Conflict:
		status = http.StatusBadRequest
	case apperr.Internal:
		a.log.ErrorContext(r.Context(), "spid/cie login failed", slog.Any("error", err))
	}
	a.render(w, r, status, "account_oidc_error", "login", oidcErrorPage{Message: a.locale(r).ErrorText(err), Status: status})
}

var errOIDCNoFlow = apperr.R(apperr.Unauthenticated, "oidc_flow", "The login took too long or was started elsewhere.")

// handleOIDCCallback completes the login the provider sends back: the
// flow must match (oidclogin checks state, code, ID token and nonce), then
// identity finds or makes the account by the fiscal code. When the e-mail
// claim names an account made with a password, the identity waits in a
// sealed cookie for that password (handleOIDCLinkPage).
func (a *accountPages) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	if a.noOIDC(w, r) {
		return
	}
	c, err := r.Cookie(oidcFlowCookie)
	// One flow, one callback: the cookie goes whatever happens next.
	a.setOIDCCookie(w, r, oidcFlowCookie, "", -1)
	if err != nil {
		a.oidcError(w, r, errOIDCNoFlow)
		return
	}
	mode, rest, _ := strings.Cut(c.Value, ".")
	flow, escNext, _ := strings.Cut(rest, ".")
	if mode != oidcModeLogin && mode != oidcModeLink && mode != oidcModeEmail {
		a.oidcError(w, r, errOIDCNoFlow)
		return
	}
	ext, err := a.oidc.Finish(r.Context(), flow, r.URL.Query())
	if err != nil {
		a.oidcError(w, r, err)
		return
	}
	if mode == oidcModeEmail {
		a.finishEmailSPID(w, r, ext)
		return
	}
	if mode == oidcModeLink {
		if _, ok := a.pageCaller(r); !ok {
			a.oidcError(w, r, apperr.E(apperr.Unauthenticated, "sign in first"))
			return
		}
		// The identity waits, sealed to this session, for the account's
		// password.
		sealed, err := a.oidc.SealIdentity(ext, linkBound(r, true))
		if err != nil {
			a.oidcError(w, r, err)
			return
		}
		a.setOIDCCookie(w, r, oidcLinkCookie, sealed, oidcCookieAge)
		http.Redirect(w, r, pathOIDCConnect, http.StatusSeeOther)
		return
	}
	token, caller, _, err := a.flows.StartExternalSession(r.Context(), ext)
	if apperr.ReasonOf(err) == "link_required" {
		sealed, serr := a.oidc.SealIdentity(ext, linkBound(r, false))
		if serr != nil {
			a.oidcError(w, r, serr)
			return
		}
		a.setOIDCCookie(w, r, oidcLinkCookie, sealed, oidcCookieAge)
		http.Redirect(w, r, pathOIDCLink, http.StatusSeeOther)
		return
	}
	if err != nil {
		a.oidcError(w, r, err)
		return
	}
	a.clearOIDCCookies(w, r)
	a.setCookie(w, r, httpx.SessionCookie, token, 0)
	next, _ := url.QueryUnescape(escNext)
	if next, ok := a.returnTarget(r, next); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, a.homeOf(caller), http.StatusSeeOther)
}

// oidcLinkPage asks the password of the account the SPID/CIE e-mail names.
type oidcLinkPage struct {
	Email    string
	Password field
	Error    string
	Label    string
	// Connect: the signed-in account's page asked for the link (its own
	// password is asked, under its address), not a SPID/CIE login whose
	// e-mail named a password account.
	Connect bool
	Name    string
}

// pendingIdentity is the identity waiting for a password, from its cookie:
// for the account page's link (connect), one sealed under this very page
// session; otherwise one a SPID/CIE login left waiting (linkBound).
func (a *accountPages) pendingIdentity(r *http.Request, connect bool) (identity.ExternalIdentity, error) {
	c, err := r.Cookie(oidcLinkCookie)
	if err != nil {
		return identity.ExternalIdentity{}, errOIDCNoFlow
	}
	return a.oidc.OpenIdentity(c.Value, linkBound(r, connect))
}

func (a *accountPages) handleOIDCLinkPage(w http.ResponseWriter, r *http.Request) {
	if a.noOIDC(w, r) {
		return
	}
	ext, err := a.pendingIdentity(r, false)
	if err != nil {
		a.oidcError(w, r, err)
		return
	}
	l := a.locale(r)
	a.render(w, r, http.StatusOK, "account_oidc_link", "login", oidcLinkPage{Email: ext.Email, Label: a.oidcLabel,
		Password: input(l, "password", "password", "current-password", "")})
}

// handleOIDCLink logs in with the password of the account the SPID/CIE
// e-mail names and connects the fiscal code to it: the person proved both.
// The password check counts as a login (limits included).
func (a *accountPages) handleOIDCLink(w http.ResponseWriter, r *http.Request) {
	if a.noOIDC(w, r) {
		return
	}
	ext, err := a.pendingIdentity(r, false)
	if err != nil {
		a.oidcError(w, r, err)
		return
	}
	l := a.locale(r)
	p := oidcLinkPage{Email: ext.Email, Label: a.oidcLabel, Password: input(l, "password", "password", "current-password", "")}
	token, caller, err := a.accounts.StartSession(r.Context(), ext.Email, r.PostFormValue("password"), httpx.ClientIP(r))
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Unauthenticated, apperr.Invalid:
			p.Password.Error = l.T("account.oidc.link_wrong")
			if apperr.ReasonOf(err) == "email_not_verified" {
				p.Password.Error = l.T("account.login.unverified")
			}
			a.render(w, r, http.StatusUnauthorized, "account_oidc_link", "login", p)
		case apperr.Forbidden:
			// The right password of a disabled account (account_disabled).
			p.Password.Error = l.T("login.disabled")
			a.render(w, r, http.StatusForbidden, "account_oidc_link", "login", p)
		case apperr.RateLimited:
			httpx.SetRetryAfter(w, err)
			p.Error = l.T("login.rate_limited")
			a.render(w, r, http.StatusTooManyRequests, "account_oidc_link", "login", p)
		default:
			a.pageError(w, r, err)
		}
		return
	}
	if _, err := a.flows.LinkFiscalCode(r.Context(), caller, r.PostFormValue("password"), httpx.ClientIP(r), ext); err != nil {
		// The password was right: the session stays, the link failed.
		a.setCookie(w, r, httpx.SessionCookie, token, 0)
		a.setOIDCCookie(w, r, oidcLinkCookie, "", -1)
		a.oidcError(w, r, err)
		return
	}
	a.setCookie(w, r, httpx.SessionCookie, token, 0)
	a.clearOIDCCookies(w, r)
	http.Redirect(w, r, "/account?done=linked", http.StatusSeeOther)
}

// connectPage is the password form that completes a link the account page
// started, for the signed-in caller.
func (a *accountPages) connectPage(r *http.Request, c identity.Caller, ext identity.ExternalIdentity) oidcLinkPage {
	l := a.locale(r)
	return oidcLinkPage{Email: c.Email, Label: a.oidcLabel, Connect: true, Name: strings.TrimSpace(ext.GivenName + " " + ext.FamilyName),
		Password: input(l, "password", "password", "current-password", "")}
}

// handleOIDCConnectPage asks the signed-in account's password before the
// SPID/CIE identity just proved is linked to it.
func (a *accountPages) handleOIDCConnectPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if a.noOIDC(w, r) {
		return
	}
	ext, err := a.pendingIdentity(r, true)
	if err != nil {
		a.oidcError(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "account_oidc_link", "account", a.connectPage(r, c, ext))
}

// handleOIDCConnect links the waiting SPID/CIE identity to the signed-in
// account once its password is given (identity.LinkFiscalCode checks it,
// counted as a login).
func (a *accountPages) handleOIDCConnect(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if a.noOIDC(w, r) {
		return
	}
	ext, err := a.pendingIdentity(r, true)
	if err != nil {
		a.oidcError(w, r, err)
		return
	}
	_, err = a.flows.LinkFiscalCode(r.Context(), c, r.PostFormValue("password"), httpx.ClientIP(r), ext)
	switch {
	case err == nil:
		a.setOIDCCookie(w, r, oidcLinkCookie, "", -1)
		http.Redirect(w, r, "/account?done=linked", http.StatusSeeOther)
	case apperr.ReasonOf(err) == "wrong_password":
		p := a.connectPage(r, c, ext)
		p.Password.Error = a.locale(r).T("account.oidc.link_wrong")
		a.render(w, r, http.StatusUnauthorized, "account_oidc_link", "account", p)
	case apperr.Has(err, apperr.RateLimited):
		httpx.SetRetryAfter(w, err)
		p := a.connectPage(r, c, ext)
		p.Error = a.locale(r).T("login.rate_limited")
		a.render(w, r, http.StatusTooManyRequests, "account_oidc_link", "account", p)
	default:
		a.setOIDCCookie(w, r, oidcLinkCookie, "", -1)
		a.oidcError(w, r, err)
	}
}
