package ui

import (
	"net/http"

	"cityhub/apperr"
)

// handleLanguage keeps the language chosen with the switch in a cookie for a
// year and returns to the page it was chosen on.
func (s *homePages) handleLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !supportedLanguage(lang) {
		s.pageError(w, r, apperr.E(apperr.Invalid, "unknown language"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode, HttpOnly: true})
	next, ok := s.returnTarget(r, r.PostFormValue("next"))
	if !ok {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
