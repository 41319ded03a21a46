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

// Every link of the menu opens a page, for a citizen, an administrator
// and a visitor, on a hub with every optional area off and on hubs with
// some on: a link to an area that is off is left out of the menu rather
// than leading to "not found". The public areas (the bikes, the theatre,
// the reports) are in everyone's menu, a visitor's too, where they were a
// citizen's only.
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
		theatre   bool
	}{
		{"no areas", nil, false, false},
		{"participation", []func(env *testEnv, d *Deps){withParticipation}, true, false},
		{"wallet, theatre and participation", []func(env *testEnv, d *Deps){withWallet(false), withTicketing, withParticipation}, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, "sqlite", c.configure...)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			// An account holding every role the hub grants has the most links.
			everyRole := multiRoleAccount(t, env)
			// "" is the account holding every role, "visitor" nobody signed in.
			for _, role := range []identity.Role{identity.RoleCitizen, identity.RoleAdmin, "", "visitor"} {
				var pc *webtest.PageClient
				switch role {
				case "visitor":
					pc = webtest.NewPageClient(t, srv.URL)
				case "":
					pc = webtest.SignedIn(t, srv.URL, everyRole.Email, testPassword)
				default:
					a, _ := env.account(t, role)
					pc = webtest.SignedIn(t, srv.URL, a.Email, testPassword)
				}
				_, body := pc.Get("/aiuto")
				links := navLink.FindAllStringSubmatch(body, -1)
				if least := map[bool]int{true: 2, false: 3}[role == "visitor"]; len(links) < least {
					t.Fatalf("%s: the menu has %d links", role, len(links))
				}
				reports, theatre := false, false
				for _, l := range links {
					reports = reports || l[1] == "/reports"
					theatre = theatre || l[1] == "/theatre"
					if res, _ := pc.Get(l[1]); res.StatusCode != http.StatusOK {
						t.Errorf("%s: the menu's %s answers %d", role, l[1], res.StatusCode)
					}
				}
				if reports != c.reports {
					t.Errorf("%s: the menu links the reports: %v, want %v", role, reports, c.reports)
				}
				if theatre != c.theatre {
					t.Errorf("%s: the menu links the theatre: %v, want %v", role, theatre, c.theatre)
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
