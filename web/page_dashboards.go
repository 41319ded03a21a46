package web

import (
	"net/http"

	"cityhub/identity"
)

// DashboardPanel is a card an area adds to a dashboard shell: a title and a
// line of text (catalogue keys, so both languages have them) and a link to
// the area's own page. Areas register theirs in their block of routes.go with
// s.addDashboardPanel.
type DashboardPanel struct {
	TitleKey string
	TextKey  string
	Href     string
}

// dashboardPage is what a dashboard shell shows: the registered panels, or
// placeholders while no area has added any.
type dashboardPage struct {
	Panels []DashboardPanel
}

// addDashboardPanel adds p to the dashboard of role (city_admin or
// mobility_operator), after the panels added before it.
func (s *Server) addDashboardPanel(role identity.Role, p DashboardPanel) {
	s.loadPagesOnce()
	s.pages.panels[role] = append(s.pages.panels[role], p)
}

// handleAdminDashboard is the city administrator's dashboard shell; the
// vouchers and ticketing areas add their panels.
func (s *Server) handleAdminDashboard(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.render(w, r, http.StatusOK, "dashboard_admin", "admin", dashboardPage{Panels: s.pages.panels[identity.RoleAdmin]})
}

// handleOperatorDashboard is the mobility operator's dashboard shell; the
// mobility area adds its panels.
func (s *Server) handleOperatorDashboard(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.render(w, r, http.StatusOK, "dashboard_operator", "operator", dashboardPage{Panels: s.pages.panels[identity.RoleOperator]})
}
