package ui

import (
	"net/http"

	"cityhub/identity"
)

// DashboardPanel is a card an area adds to a dashboard shell: a title and a
// line of text (catalogue keys, so both languages have them) and a link to
// the area's own page. New declares the panels of the areas it serves
// (dashboardPanels).
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

// dashboardPanels are the cards of each dashboard, by role, for the areas
// that are on: the city administrator's bike catalogue, theatre and outbox,
// and the mobility operator's bikes.
func dashboardPanels(bikes, theatre, outbox bool) map[identity.Role][]DashboardPanel {
	panels := map[identity.Role][]DashboardPanel{}
	if bikes {
		panels[identity.RoleOperator] = append(panels[identity.RoleOperator],
			DashboardPanel{TitleKey: "mobility.panel.title", TextKey: "mobility.panel.text", Href: "/operator/bikes"})
		panels[identity.RoleAdmin] = append(panels[identity.RoleAdmin],
			DashboardPanel{TitleKey: "madmin.panel.title", TextKey: "madmin.panel.text", Href: "/admin/bikes"})
	}
	if theatre {
		panels[identity.RoleAdmin] = append(panels[identity.RoleAdmin],
			DashboardPanel{TitleKey: "tadmin.panel.title", TextKey: "tadmin.panel.text", Href: "/admin/theatre"})
	}
	if outbox {
		panels[identity.RoleAdmin] = append(panels[identity.RoleAdmin],
			DashboardPanel{TitleKey: "outbox.panel.title", TextKey: "outbox.panel.text", Href: "/admin/outbox"})
	}
	return panels
}

// handleAdminDashboard is the city administrator's dashboard shell; the
// vouchers and ticketing areas add their panels.
func (s *homePages) handleAdminDashboard(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.render(w, r, http.StatusOK, "dashboard_admin", "admin", dashboardPage{Panels: s.pages.panels[identity.RoleAdmin]})
}

// handleOperatorDashboard is the mobility operator's dashboard shell; the
// mobility area adds its panels.
func (s *homePages) handleOperatorDashboard(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.render(w, r, http.StatusOK, "dashboard_operator", "operator", dashboardPage{Panels: s.pages.panels[identity.RoleOperator]})
}
