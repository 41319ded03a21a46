package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The pages speak of SPID/CIE only on a hub that signs people in with it.
// Without an OpenID Connect provider, the login page's notice of an address
// to confirm asks for the account's sign-in without naming SPID/CIE, the
// help says nothing of it, and neither the citizen's account page nor the
// administrator's page of an account shows a fiscal code row or an enabling
// "with SPID/CIE"; with one, each names the hub's button (its label).
func TestSPIDWordsFollowTheConfiguration(t *testing.T) {
	t.Parallel()
	type hub struct {
		env *testEnv
		url string
	}
	plain := func() hub {
		_, env := newTestServer(t, "sqlite")
		srv := httptest.NewServer(env.Server)
		t.Cleanup(srv.Close)
		return hub{env, srv.URL}
	}
	withOIDC := func() hub {
		o := oidcServer(t)
		return hub{o.env, o.url}
	}
	for _, tc := range []struct {
		name string
		hub  func() hub
		oidc bool
	}{
		{"without SPID/CIE", plain, false},
		{"with SPID/CIE", withOIDC, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.hub()
			citizen, _ := h.env.account(t, identity.RoleCitizen)
			admin, _ := h.env.account(t, identity.RoleAdmin)
			idle, _ := h.env.account(t, identity.RoleCitizen)
			if _, err := h.env.Identity.SetDisabled(context.Background(), identity.Caller{AccountID: admin.ID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}, idle.ID, true); err != nil {
				t.Fatal(err)
			}
			visitor := webtest.NewPageClient(t, h.url)
			pc := webtest.SignedIn(t, h.url, citizen.Email, testPassword)
			ac := webtest.SignedIn(t, h.url, admin.Email, testPassword)
			for _, p := range []struct {
				what   string
				client *webtest.PageClient
				path   string
				// said is what the page says of SPID/CIE on a hub with it.
				said []string
			}{
				{"login notice, Italian", visitor, "/login?notice=confirm_email", []string{"con SPID / CIE o con la sua password"}},
				{"help", visitor, "/aiuto", []string{"«Entra con SPID / CIE»"}},
				{"account page", pc, "/account", []string{`data-testid="fiscal-code"`}},
				{"administrator's account page", ac, "/admin/accounts/" + citizen.ID, []string{"<dt>SPID / CIE</dt>"}},
				{"enabling an account", ac, "/admin/accounts/" + idle.ID + "/enable", []string{"con la sua password o con SPID / CIE"}},
			} {
				_, body := p.client.Get(p.path)
				for _, s := range p.said {
					if strings.Contains(body, s) != tc.oidc {
						t.Errorf("%s (%s): says %q: %v, want %v", p.what, p.path, s, !tc.oidc, tc.oidc)
					}
				}
				if !tc.oidc && (strings.Contains(body, "SPID") || strings.Contains(body, "CIE")) {
					t.Errorf("%s (%s) speaks of SPID/CIE on a hub without it:\n%s", p.what, p.path, body)
				}
			}
			_, body := visitor.Get("/login?notice=confirm_email")
			if !strings.Contains(body, `data-testid="notice">Per confermare il nuovo indirizzo email, entra nell&#39;account che lo ha chiesto`) {
				t.Errorf("the login page shows no notice of the address to confirm:\n%s", body)
			}
		})
	}
}
