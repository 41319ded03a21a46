package ui

import (
	"log/slog"
	"net/http"

	"cityhub/apperr"
)

// handleLanguage keeps the language chosen with the switch in a cookie for a
// year and returns to the page it was chosen on. For a signed-in person the
// choice is their account's language too, so that their e-mails and their
// sign-ins on another browser follow it; a visitor's stays in the cookie.
func (s *homePages) handleLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !supportedLanguage(lang) {
		s.pageError(w, r, apperr.E(apperr.Invalid, "unknown language"))
		return
	}
	// Only with the token of the session signed in now: the switch also
	// takes the browser's token alone (preferForm), and a page left open
	// from a session that ended, whoever signed in on the browser since,
	// must not choose that person's e-mails' language.
	if s.locales != nil && checkCSRF(r) {
		if c, ok := s.pageCaller(r); ok {
			if _, err := s.locales.SetLocale(r.Context(), c, c.AccountID, lang); err != nil {
				// The pages still switch, by the cookie; the account
				// keeps its language until the next choice. A refusal
				// (an account disabled since the session was checked)
				// is not the hub's failure.
				level := slog.LevelInfo
				if apperr.IsServerFault(err) {
					level = slog.LevelError
				}
				s.log.Log(r.Context(), level, "save the account's language", slog.String("account", c.AccountID), slog.Any("error", err))
			}
		}
	}
	s.setLanguageCookie(w, r, lang)
	next, ok := s.returnTarget(r, r.PostFormValue("next"))
	if !ok {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// setLanguageCookie keeps lang as the browser's choice for a year: it
// decides the pages' language before the account's (pickLanguage).
func (s *site) setLanguageCookie(w http.ResponseWriter, r *http.Request, lang string) {
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode, HttpOnly: true})
}
