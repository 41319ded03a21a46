package web

import (
	"net/http"

	"cityhub/identity"
)

// handleAdminDashboard is the city administrator's dashboard shell; the
// vouchers and ticketing pages add their panels.
func (s *Server) handleAdminDashboard(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.render(w, r, http.StatusOK, "dashboard_admin", "admin", nil)
}

// handleOperatorDashboard is the mobility operator's dashboard shell; the
// mobility pages add their panels.
func (s *Server) handleOperatorDashboard(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.render(w, r, http.StatusOK, "dashboard_operator", "operator", nil)
}
