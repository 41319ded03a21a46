package ui

import (
	"net/http"

	"cityhub/identity"
	"cityhub/ticketing"
)

// DashboardPanel is a card an area adds to a dashboard shell: a title and a
// line of text (catalogue keys, so both languages have them) and a link to
// the area's own page. New declares the panels of the areas it serves
// (dashboardPanels).
type DashboardPanel struct {
	TitleKey string
	TextKey  string
	Href     string
	// Status is a short line of live state ("3 card refunds failed"),
	// already in the reader's language; Alert draws it as a warning.
	Status string
	Alert  bool
}

// dashboardPage is what a dashboard shell shows.
type dashboardPage struct {
	Panels []DashboardPanel
}

// dashboardPanels are the cards of each dashboard, by role, that areas
// register: the mobility operator's bikes. The city administrator's areas
// are listed by staffPages.adminPanels, which knows them all.
func dashboardPanels(bikes, theatre, outbox bool) map[identity.Role][]DashboardPanel {
	panels := map[identity.Role][]DashboardPanel{}
	if bikes {
		panels[identity.RoleOperator] = append(panels[identity.RoleOperator],
			DashboardPanel{TitleKey: "mobility.panel.title", TextKey: "mobility.panel.text", Href: "/operator/bikes"})
	}
	return panels
}

// adminPanels are the city administrator's areas, in the order of the
// dashboard: accounts, vouchers, theatre and its card refunds, the Stripe
// events kept for an operator, bikes,
// ledger and reports, the e-mail outbox, the participation queue. An area
// that is off, or whose page does not exist, has no card.
func (s *staffPages) adminPanels(r *http.Request, c identity.Caller) []DashboardPanel {
	l := s.locale(r)
	var out []DashboardPanel
	if s.routed("/admin/accounts") {
		out = append(out, DashboardPanel{TitleKey: "staff.panel.accounts.title", TextKey: "staff.panel.accounts.text", Href: "/admin/accounts"})
	} else if s.vouchers != nil {
		out = append(out, DashboardPanel{TitleKey: "staff.panel.accounts.title", TextKey: "staff.panel.accounts.shops", Href: "/admin/vouchers#shops"})
	}
	if s.vouchers != nil {
		out = append(out, DashboardPanel{TitleKey: "admin.panel.campaigns", TextKey: "staff.panel.vouchers.text", Href: "/admin/vouchers#campaigns"})
	}
	if s.ticketing != nil {
		out = append(out, DashboardPanel{TitleKey: "tadmin.panel.title", TextKey: "tadmin.panel.text", Href: "/admin/theatre"})
	}
	if s.ticketing != nil || s.topUps != nil {
		p := DashboardPanel{TitleKey: "staff.refunds.title", TextKey: "staff.panel.refunds.text", Href: "/admin/refunds"}
		failed := 0
		if s.ticketing != nil {
			if rs, err := s.ticketing.AdminCardRefunds(r.Context(), c); err == nil {
				for _, rf := range rs {
					if rf.State == ticketing.RefundFailed {
						failed++
					}
				}
			}
		}
		if s.topUps != nil {
			if rs, err := s.topUps.AdminTopUpRefunds(r.Context(), c); err == nil {
				for _, rf := range rs {
					if rf.State == ticketing.RefundFailed {
						failed++
					}
				}
			}
		}
		if failed > 0 {
			p.Status, p.Alert = l.T("staff.refunds.failed_count", failed), true
		}
		out = append(out, p)
	}
	if s.events != nil {
		p := DashboardPanel{TitleKey: "staff.events.title", TextKey: "staff.panel.events.text", Href: "/admin/payments/events"}
		// A count, not a warning: the events stay listed once settled in
		// Stripe's dashboard, so their number alone asks for nothing.
		if n, err := s.events.AttentionCount(r.Context(), c); err == nil && n > 0 {
			p.Status = l.T("staff.events.count", n)
		}
		out = append(out, p)
	}
	if s.mobility != nil {
		out = append(out, DashboardPanel{TitleKey: "madmin.panel.title", TextKey: "madmin.panel.text", Href: "/admin/bikes"},
			DashboardPanel{TitleKey: "mobility.panel.title", TextKey: "mobility.panel.text", Href: "/operator/bikes"})
	}
	out = append(out, DashboardPanel{TitleKey: "staff.reports.title", TextKey: "staff.panel.reports.text", Href: "/admin/reports"})
	if s.outbox {
		out = append(out, DashboardPanel{TitleKey: "outbox.panel.title", TextKey: "outbox.panel.text", Href: "/admin/outbox"})
	}
	// The citizens' reports' queue, in a hub that runs participation.
	if s.routed("/staff/reports") {
		out = append(out, DashboardPanel{TitleKey: "staff.panel.participation.title", TextKey: "staff.panel.participation.text", Href: "/staff/reports"})
	}
	return out
}

// routed says whether a GET of path reaches a page of its own rather than
// the catch-all home page.
func (s *staffPages) routed(path string) bool {
	if s.mux == nil {
		return false
	}
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return false
	}
	_, pattern := s.mux.Handler(req)
	return pattern != "" && pattern != "/"
}

// handleAdminDashboard is the city administrator's dashboard: a card per
// area, then the cards other areas registered.
func (s *staffPages) handleAdminDashboard(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	panels := s.adminPanels(r, c)
	seen := map[string]bool{}
	for _, p := range panels {
		seen[p.Href] = true
	}
	for _, p := range s.pages.panels[identity.RoleAdmin] {
		if !seen[p.Href] {
			panels = append(panels, p)
		}
	}
	s.render(w, r, http.StatusOK, "dashboard_admin", "admin", dashboardPage{Panels: panels})
}

// handleOperatorDashboard is the mobility operator's dashboard shell; the
// mobility area adds its panels.
func (s *homePages) handleOperatorDashboard(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.render(w, r, http.StatusOK, "dashboard_operator", "operator", dashboardPage{Panels: s.pages.panels[identity.RoleOperator]})
}
