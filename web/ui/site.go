package ui

import (
	"net/http"

	"cityhub/identity"
)

// The visitor pages: help, contacts, the accessibility statement, legal
// notes, the privacy policy, the cookie notice and the open data. Anyone may read them,
// signed in or not; their text is in the site catalogues (site.*.json),
// with the city's name and contacts (City) filled in.

// sitePage is one visitor page: its path, view and the nav section it
// marks as current.
type sitePage struct {
	Path, View, Nav string
}

// sitePages are the visitor pages, at Italian paths like the municipal
// sites of the Designers Italia model. /privacy stays the signed-in
// person's own data page; the policy is /privacy-policy.
var sitePages = []sitePage{
	{"/aiuto", "site_help", "help"},
	{"/contatti", "site_contacts", "contacts"},
	{"/accessibilita", "site_accessibility", "accessibility"},
	{"/note-legali", "site_legal", "legal"},
	{"/privacy-policy", "site_policy", "policy"},
	{"/cookie", "site_cookie", "cookie"},
	{"/dati-aperti", "site_opendata", "opendata"},
}

// sitePageAt is the visitor page at path; a path that is not one is a
// defect in routes.go, found at start.
func sitePageAt(path string) sitePage {
	for _, p := range sitePages {
		if p.Path == path {
			return p
		}
	}
	panic("web/ui: no visitor page at " + path)
}

// sitePageData is what a visitor page reads of the hub's configuration.
type sitePageData struct {
	// OIDCLabel names the SPID/CIE button; empty: people sign in with a
	// password only, and the help says nothing of SPID/CIE.
	OIDCLabel string
}

// sitePageHandler renders one visitor page.
func (s *site) sitePageHandler(p sitePage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, p.View, p.Nav, sitePageData{OIDCLabel: s.oidcLabel})
	}
}

// navLink is one entry of the main navigation.
type navLink struct {
	Href, Label string
	Current     bool
}

// navItem builds the navigation entry for href, current when the page's
// section is nav.
func navItem(v view, href, nav, key string) navLink {
	return navLink{Href: href, Label: v.L.T(key), Current: v.Nav == nav}
}

// serviceCardData is one service on the home page.
type serviceCardData struct {
	Sprite, Href, Icon, Title, Text, Go string
}

func serviceCard(sprite, href, icon, title, text, goLabel string) serviceCardData {
	return serviceCardData{Sprite: sprite, Href: href, Icon: icon, Title: title, Text: text, Go: goLabel}
}

// staffMenu is the header's entry for the staff areas of the signed-in
// person. One area is a plain link; two or more are grouped under one
// dropdown ("Gestione"), so that an account holding several roles (a
// citizen who is also an administrator and an operator) keeps the header
// on one row: the citizen's links, the group and the shared links fit from
// 992 px in both languages. Href is where the group's toggle leads without
// the script (the administrator's dashboard, which links to every area, or
// the first area), so the menu stays usable without JavaScript.
type staffMenu struct {
	Items   []navLink
	Href    string
	Current bool
}

// StaffMenu lists the caller's staff areas, in the order the header shows
// them; a hub area that is off is left out.
func (v view) StaffMenu() staffMenu {
	var m staffMenu
	c := v.Caller
	if c == nil {
		return m
	}
	add := func(href, nav, key string) {
		l := navItem(v, href, nav, key)
		m.Items = append(m.Items, l)
		m.Current = m.Current || l.Current
	}
	if c.Has(identity.RoleAdmin) {
		add("/admin", "admin", "nav.admin")
	}
	if c.Has(identity.RoleOperator) {
		add("/operator", "operator", "nav.operator")
	}
	if v.Areas["participation"] && (c.Has(identity.RoleCityStaff) || c.Has(identity.RoleAdmin)) {
		add("/staff/reports", "staffreports", "part.staff_nav")
	}
	if v.Areas["vouchers"] && c.Has(identity.RoleMerchant) {
		add("/staff/vouchers", "vstaff", "nav.vstaff")
	}
	if c.Has(identity.RoleMerchant) || c.Has(identity.RoleDoor) {
		add("/staff/scan", "scan", "nav.scan")
	}
	if len(m.Items) > 0 {
		m.Href = m.Items[0].Href
	}
	return m
}
