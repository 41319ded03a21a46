package ui

import (
	"net/http"
)

// The visitor pages: help, contacts, the accessibility statement, legal
// notes, the privacy policy and the cookie notice. Anyone may read them,
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

// sitePageHandler renders one visitor page.
func (s *site) sitePageHandler(p sitePage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, p.View, p.Nav, nil)
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
