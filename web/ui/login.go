package ui

import (
	"math"
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

type loginForm struct {
	Email string
	Next  string
	Error string
	// Notice names what brought the person here (an address confirmed, a
	// password reset), a key of loginNotices.
	Notice string
	// Unverified: the password was right but the address was never
	// confirmed; the page offers a new link.
	Unverified bool
	// Signup links sign-up and the forgotten password; OIDCLabel, when
	// set, shows the SPID/CIE button.
	Signup    bool
	OIDCLabel string
}

// loginNotices are the notices /login?notice= may show. confirm_email:
// a new address's link asks its account signed in (handleConfirmPage).
var loginNotices = map[string]bool{"verified": true, "email_changed": true, "password_reset": true, "password_changed": true, "confirm_email": true}

func (s *site) newLoginForm(r *http.Request, email, next string) loginForm {
	f := loginForm{Email: email, Next: next, Signup: s.signupOpen, OIDCLabel: s.oidcLabel}
	if n := r.URL.Query().Get("notice"); loginNotices[n] {
		f.Notice = n
	}
	return f
}

// handleLoginPage shows the sign-in form; a signed-in person goes straight on.
func (s *homePages) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	next, _ := s.returnTarget(r, r.URL.Query().Get("next"))
	if c, ok := s.pageCaller(r); ok {
		if next == "" {
			next = s.homeOf(c)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", "login", s.newLoginForm(r, "", next))
}

// handleLogin opens a page session from email and password and sets the
// session cookie (HttpOnly, SameSite=Lax, Secure over TLS). A SPID/CIE
// step the browser had waiting, perhaps another person's, ends.
func (s *homePages) handleLogin(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next, _ := s.returnTarget(r, r.PostFormValue("next"))
	form := s.newLoginForm(r, email, next)
	l := s.locale(r)
	if email == "" || password == "" {
		form.Error = l.T("login.missing")
		s.render(w, r, http.StatusBadRequest, "login", "login", form)
		return
	}
	if s.accounts == nil {
		s.pageError(w, r, apperr.E(apperr.Unavailable, "sign-in is not configured"))
		return
	}
	token, c, err := s.accounts.StartSession(r.Context(), email, password, httpx.ClientIP(r))
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Unauthenticated, apperr.NotFound, apperr.Invalid:
			form.Error = l.T("login.wrong")
			if apperr.ReasonOf(err) == "email_not_verified" && s.signupOpen {
				form.Error, form.Unverified = l.T("account.login.unverified"), true
			}
			s.render(w, r, http.StatusUnauthorized, "login", "login", form)
		case apperr.Forbidden:
			// The right password of a disabled account (account_disabled).
			form.Error = l.T("login.disabled")
			s.render(w, r, http.StatusForbidden, "login", "login", form)
		case apperr.RateLimited:
			httpx.SetRetryAfter(w, err)
			form.Error = rateLimitedText(l, err)
			s.render(w, r, http.StatusTooManyRequests, "login", "login", form)
		default:
			s.pageError(w, r, err)
		}
		return
	}
	s.setCookie(w, r, httpx.SessionCookie, token, 0)
	s.clearOIDCCookies(w, r)
	if next == "" {
		next = s.homeOf(c)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// rateLimitedText says when a limited sign-in may try again, in whole
// minutes rounded up (the Retry-After header has the seconds).
func rateLimitedText(l *locale, err error) string {
	minutes := max(1, int(math.Ceil(apperr.RetryAfterOf(err).Minutes())))
	if minutes == 1 {
		return l.T("login.rate_limited_minute")
	}
	return l.T("login.rate_limited", minutes)
}
