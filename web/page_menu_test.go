package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// Every link of the menu opens a page, for a citizen and an administrator,
// on a hub with every optional area off and on hubs with some on: a
// link to an area that is off is left out of the menu rather than leading
// to "not found".
func TestEveryMenuLinkOpensAPage(t *testing.T) {
	t.Parallel()
	navLink := regexp.MustCompile(`<a class="nav-link[^"]*" href="([^"]+)"`)
	for _, c := range []struct {
		name      string
		configure []func(env *testEnv, d *Deps)
		reports   bool
	}{
		{"no areas", nil, false},
		{"participation", []func(env *testEnv, d *Deps){withParticipation}, true},
		{"wallet, theatre and participation", []func(env *testEnv, d *Deps){withWallet(false), withTicketing, withParticipation}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, "sqlite", c.configure...)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			for _, role := range []identity.Role{identity.RoleCitizen, identity.RoleAdmin} {
				a, _ := env.account(t, role)
				pc := webtest.NewPageClient(t, srv.URL)
				pc.Login(a.Email, testPassword)
				_, body := pc.Get("/aiuto")
				links := navLink.FindAllStringSubmatch(body, -1)
				if len(links) < 4 {
					t.Fatalf("%s: the menu has %d links", role, len(links))
				}
				reports := false
				for _, l := range links {
					reports = reports || l[1] == "/reports"
					if res, _ := pc.Get(l[1]); res.StatusCode != http.StatusOK {
						t.Errorf("%s: the menu's %s answers %d", role, l[1], res.StatusCode)
					}
				}
				if reports != c.reports {
					t.Errorf("%s: the menu links the reports: %v, want %v", role, reports, c.reports)
				}
			}
		})
	}
}
