package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// City office staff land on their offices' reports after signing in, as
// every other staff role lands on its own tool, where they landed on the
// home page of the citizen's services; a safe next= still wins. A
// citizen lands on the wallet only where the hub keeps one.
func TestOfficeStaffLandOnTheirReports(t *testing.T) {
	env := newPartEnv(t)
	staff, _ := env.account(t, "Rita Roads", roadsGrant)
	email := staff.Email
	pc := webtest.NewPageClient(t, env.URL)
	res := pc.Login(email, partPassword)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/reports" {
		t.Fatalf("office staff's login: %d to %q, want /staff/reports", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := pc.Get("/staff/reports"); res.StatusCode != http.StatusOK {
		t.Fatalf("office staff's landing page: %d\n%s", res.StatusCode, body)
	}
	if res, _ := pc.Get("/login"); res.Header.Get("Location") != "/staff/reports" {
		t.Errorf("the login page sends signed-in office staff to %q, want /staff/reports", res.Header.Get("Location"))
	}

	// A next= that answers no GET (a form's post, such as signing out)
	// would land on a "method not allowed" page: the landing page instead.
	for next, want := range map[string]string{"/proposals": "/proposals", "//evil.example/x": "/staff/reports",
		"/logout": "/staff/reports", "/language": "/staff/reports", "/reports/r1/reopen": "/staff/reports"} {
		again := webtest.NewPageClient(t, env.URL)
		res, _ := again.Post("/login", url.Values{"csrf_token": {again.CSRF("/login")}, "email": {email}, "password": {partPassword}, "next": {next}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != want {
			t.Errorf("login with next=%q: %d to %q, want %q", next, res.StatusCode, loc, want)
		}
	}

	if _, body := webtest.NewPageClient(t, env.URL).Get("/login?next=/logout"); !strings.Contains(body, `name="next" value=""`) {
		t.Errorf("the login page keeps next=/logout for after the sign-in:\n%s", body)
	}

	// A citizen lands on the wallet, where the hub keeps one: this hub
	// does not, and its home page answers.
	citizen, _ := env.account(t, "Carla Citizen", citizenGrant)
	cpc := webtest.NewPageClient(t, env.URL)
	if res := cpc.Login(citizen.Email, partPassword); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("a citizen's login in a hub without a wallet: %d to %q, want /", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := cpc.Get("/"); res.StatusCode != http.StatusOK {
		t.Errorf("a citizen's landing page: %d\n%s", res.StatusCode, body)
	}
	withWallet := &site{pages: &pages{areas: map[string]bool{"wallet": true}}}
	if got := withWallet.homeOf(identity.Caller{Grants: []identity.Grant{citizenGrant}}); got != "/wallet" {
		t.Errorf("a citizen lands on %q in a hub with a wallet, want /wallet", got)
	}

	// Without the reports, office staff have no tool of their own here.
	s := &site{pages: &pages{areas: map[string]bool{"participation": false}}}
	if got := s.homeOf(identity.Caller{Grants: []identity.Grant{roadsGrant}}); got != "/" {
		t.Errorf("office staff land on %q in a hub without reports, want /", got)
	}
}
