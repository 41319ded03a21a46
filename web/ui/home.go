package ui

import (
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

// handleHome is the front page: what the hub offers, and each signed-in
// person's links by role.
func (s *homePages) handleHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", "home", nil)
}

// unrouted answers what no other route of mux takes: the front page at
// "/", 405 with Allow for a page asked with a method it does not take
// (the front page included), and 404 for any other path, as pages. A path
// off says is switched off (the SPID/CIE routes without a provider) is 404
// whatever the method: its Allow would say the route is there.
func (s *homePages) unrouted(mux *http.ServeMux, off func(path string) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		if off(r.URL.Path) {
			s.pageError(w, r, apperr.E(apperr.NotFound, "no such page"))
			return
		}
		if r.URL.Path == "/" {
			// The front page, the busiest path, asks the routes nothing.
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				s.handleHome(w, r)
				return
			}
			allow = []string{http.MethodGet, http.MethodHead}
		} else {
			allow = httpx.AllowedMethods(mux, r)
		}
		if len(allow) > 0 {
			methods := strings.Join(allow, ", ")
			w.Header().Set("Allow", methods)
			s.pageErrorStatus(w, r, http.StatusMethodNotAllowed, apperr.R(apperr.Invalid, "method_not_allowed", "This page answers %s only.", methods))
			return
		}
		s.pageError(w, r, apperr.E(apperr.NotFound, "no such page"))
	}
}
