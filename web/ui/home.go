package ui

import (
	"net/http"

	"cityhub/apperr"
)

// handleHome is the front page: what the hub offers, and each signed-in
// person's links by role. It also answers every unknown page path with 404.
func (s *homePages) handleHome(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.pageError(w, r, apperr.R(apperr.Invalid, "method_not_allowed", "method not allowed"))
		return
	}
	if r.URL.Path != "/" {
		s.pageError(w, r, apperr.E(apperr.NotFound, "no such page"))
		return
	}
	s.render(w, r, http.StatusOK, "home", "home", nil)
}
