package web

import (
	"log/slog"
	"net/http"
	"strings"

	"cityhub/apperr"
)

type loginForm struct {
	Email string
	Next  string
	Error string
}

// handleLoginPage shows the sign-in form; a signed-in person goes straight on.
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	next, _ := localPath(r.URL.Query().Get("next"))
	if c, ok := s.pageCaller(r); ok {
		if next == "" {
			next = homeOf(c)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", "login", loginForm{Next: next})
}

// handleLogin opens a page session from email and password and sets the
// session cookie (HttpOnly, SameSite=Lax, Secure over TLS).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next, _ := localPath(r.PostFormValue("next"))
	form := loginForm{Email: email, Next: next}
	l := s.locale(r)
	if email == "" || password == "" {
		form.Error = l.T("login.missing")
		s.render(w, r, http.StatusBadRequest, "login", "login", form)
		return
	}
	if s.PageAccounts == nil {
		s.pageError(w, r, apperr.E(apperr.Unavailable, "sign-in is not configured"))
		return
	}
	token, c, err := s.PageAccounts.StartSession(r.Context(), email, password, clientIP(r))
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Unauthenticated, apperr.NotFound, apperr.Invalid:
			form.Error = l.T("login.wrong")
			s.render(w, r, http.StatusUnauthorized, "login", "login", form)
		case apperr.RateLimited:
			form.Error = l.T("login.rate_limited")
			s.render(w, r, http.StatusTooManyRequests, "login", "login", form)
		default:
			s.pageError(w, r, err)
		}
		return
	}
	s.setCookie(w, r, pageSessionCookie, token, 0)
	if next == "" {
		next = homeOf(c)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleLogout ends the session and clears its cookie.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if token := pageSessionToken(r); token != "" && s.PageAccounts != nil {
		if err := s.PageAccounts.EndSession(r.Context(), token); err != nil {
			// The cookie goes anyway; a session left behind expires on its own.
			s.log.WarnContext(r.Context(), "end page session", slog.Any("error", err))
		}
	}
	s.setCookie(w, r, pageSessionCookie, "", -1)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleLanguage keeps the language chosen with the switch in a cookie for a
// year and returns to the page it was chosen on.
func (s *Server) handleLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !supportedLanguage(lang) {
		s.pageError(w, r, apperr.E(apperr.Invalid, "unknown language"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode, HttpOnly: true})
	next, ok := localPath(r.PostFormValue("next"))
	if !ok {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
