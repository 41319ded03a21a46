package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A campaign's name and description say which language they are written
// in, chosen by the administrator (Italian unless said), and the citizens'
// pages mark them with it, so that a screen reader reads an English name
// on the Italian pages in English (WCAG 3.1.2): the list of campaigns, the
// citizen's vouchers and the wallet. Another language is refused.
func TestCampaignNameMarkedWithItsLanguage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", append(authzConfigure, func(env *testEnv, d *Deps) {
		d.Wallet.RegisterItems("voucher", d.Vouchers) // as the hub does
	})...)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	admin := env.login(t, identity.RoleAdmin)
	var plain vouchers.Campaign
	decodeInto(t, vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign), &plain)
	if plain.Lang != "it" {
		t.Errorf("a campaign without a language: %q, want it", plain.Lang)
	}
	if pr := wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, strings.Replace(validCampaign, `{`, `{"lang":"de",`, 1)), http.StatusBadRequest); pr.Reason != "campaign_lang" {
		t.Errorf("a campaign in German: %+v, want campaign_lang", pr)
	}
	var camp vouchers.Campaign
	decodeInto(t, vreq(t, env, "POST", "/api/v1/admin/campaigns", admin,
		`{"name":"Christmas in the contrade","description":"Ten euros off in the shops of the old town.","lang":"en","budget_cents":100000,"face_value_cents":1000,"per_citizen_limit":1,"valid_from":"2026-01-01","valid_until":"2099-12-31"}`), &camp)
	if camp.Lang != "en" {
		t.Fatalf("campaign %+v, want lang en", camp)
	}
	wantStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, ""), http.StatusOK)

	a, bearer := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, a.Email, testPassword)
	_, body := pc.Get("/vouchers")
	for _, want := range []string{`<h3 class="item-title" lang="en">Christmas in the contrade</h3>`, `<p class="item-subtitle" lang="en">Ten euros off in the shops of the old town.</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the campaigns to claim without %s:\n%s", want, body)
		}
	}
	res := vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", bearer, "")
	wantStatus(t, res, http.StatusCreated)
	if _, body := pc.Get("/vouchers"); !strings.Contains(body, `<h3 class="item-title" lang="en">Christmas in the contrade</h3>`) || strings.Count(body, `lang="en">Christmas`) != 1 {
		t.Errorf("the citizen's voucher card unmarked:\n%s", body)
	}
	if _, body := pc.Get("/wallet"); !strings.Contains(body, `<h3 class="item-title" lang="en">Christmas in the contrade</h3>`) {
		t.Errorf("the wallet's voucher card unmarked:\n%s", body)
	}
}

// The administrators' campaign form asks for the name's language, Italian
// first, and keeps the one chosen; one it does not offer is refused next
// to its field.
func TestCampaignFormAsksTheNamesLanguage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	admin, bearer := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	if _, body := pc.Get("/admin/vouchers"); !strings.Contains(body, `<option value="it" lang="it" selected>Italiano</option>`) {
		t.Fatalf("the form does not offer Italian first:\n%s", body)
	}
	form := func(lang, key string) url.Values {
		return url.Values{"csrf_token": {pc.CSRF("/admin/vouchers")}, "name": {"Books for the new school year"}, "lang": {lang}, "budget": {"1000"},
			"face_value": {"10,00"}, "valid_from": {"01/12/2099"}, "valid_until": {"31/12/2099"}, "key": {key}}
	}
	res, body := pc.Post("/admin/vouchers/campaigns", form("fr", "campaign-form-lang-1"))
	if errs := fieldErrors(body); res.StatusCode != http.StatusBadRequest || errs["lang"] != "Scegli la lingua del nome: italiano o inglese." {
		t.Fatalf("a language not offered: %d, field errors %q", res.StatusCode, errs)
	}
	if res, _ := pc.Post("/admin/vouchers/campaigns", form("en", "campaign-form-lang-2")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the form in English: %d", res.StatusCode)
	}
	var page struct{ Campaigns []vouchers.Campaign }
	decodeInto(t, vreq(t, env, "GET", "/api/v1/admin/campaigns", bearer, ""), &page)
	if len(page.Campaigns) != 1 || page.Campaigns[0].Lang != "en" {
		t.Fatalf("campaigns %+v, want one in English", page.Campaigns)
	}
}
