package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
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
	// The menu's links and those of its staff group.
	navLink := regexp.MustCompile(`<a class="(?:nav-link|dropdown-item)[^"]*" href="([^"]+)"`)
	// Every link to a page of the hub (not its static files).
	pageLink := regexp.MustCompile(`<a [^>]*href="(/[^"#]*)"`)
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
			// An account holding every role the hub grants has the most links.
			everyRole := multiRoleAccount(t, env)
			for _, role := range []identity.Role{identity.RoleCitizen, identity.RoleAdmin, ""} {
				a := everyRole
				if role != "" {
					a, _ = env.account(t, role)
				}
				pc := webtest.SignedIn(t, srv.URL, a.Email, testPassword)
				_, body := pc.Get("/aiuto")
				links := navLink.FindAllStringSubmatch(body, -1)
				if len(links) < 3 {
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
				// The rest of the home page and the footer link only areas
				// that are on, too.
				_, home := pc.Get("/")
				for _, l := range pageLink.FindAllStringSubmatch(home, -1) {
					if strings.HasPrefix(l[1], "/static/") {
						continue
					}
					if res, _ := pc.Get(l[1]); res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusServiceUnavailable {
						t.Errorf("%s: the home page's %s answers %d", role, l[1], res.StatusCode)
					}
				}
			}
		})
	}
}

// multiRoleAccount makes an account holding every role the hub grants: a
// citizen who is also administrator, operator, shop and door staff and an
// office's staff.
func multiRoleAccount(t *testing.T, env *testEnv) identity.Account {
	t.Helper()
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	a, err := env.Identity.CreateAccount(context.Background(), admin, identity.NewAccount{
		Email: "every-role-" + strconv.FormatInt(testAccountSeq.Add(1), 10) + "@example.org", Password: testPassword, Name: "Tutti i ruoli", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleAdmin}, {Role: identity.RoleOperator},
			{Role: identity.RoleMerchant, Scope: "scope_merchant_staff"}, {Role: identity.RoleDoor, Scope: "scope_door_staff"},
			{Role: identity.RoleCityStaff, Scope: testOffice}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
