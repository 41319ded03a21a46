package ui

import (
	"cityhub/web/httpx"
	"log/slog"
	"net/http"
)

// handleLogout ends the session and clears its cookie, and any SPID/CIE
// step the browser had waiting.
func (s *homePages) handleLogout(w http.ResponseWriter, r *http.Request) {
	if token := pageSessionToken(r); token != "" && s.accounts != nil {
		if err := s.accounts.EndSession(r.Context(), token); err != nil {
			// The cookie goes anyway; a session left behind expires on its own.
			s.log.WarnContext(r.Context(), "end page session", slog.Any("error", err))
		}
	}
	s.setCookie(w, r, httpx.SessionCookie, "", -1)
	s.clearOIDCCookies(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
