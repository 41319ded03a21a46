package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// closedCampaignVoucher is a hub with a citizen's voucher of a campaign
// the city closed before its end, and a shop that took its vouchers.
func closedCampaignVoucher(t *testing.T) (*testEnv, vouchers.VoucherView, string) {
	t.Helper()
	_, env := newTestServer(t, "sqlite", withWallet(true), func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Wallet.RegisterItems("voucher", d.Vouchers)
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	fornoTraiano(t, svc)
	camp := christmasCampaign(t, svc, 1000, 1, true)
	anna, _ := env.account(t, identity.RoleCitizen)
	v, err := svc.Claim(ctx, identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetCampaignStatus(ctx, voucherAdmin, camp.ID, vouchers.StatusClosed); err != nil {
		t.Fatal(err)
	}
	return env, v, anna.Email
}

// The shops page of a closed campaign says it is closed and lists no
// shop: none takes its vouchers any more. Before, it was "Negozi che
// accettano «Natale»" with the shops.
func TestClosedCampaignShopsPageSaysItIsClosed(t *testing.T) {
	t.Parallel()
	env, v, email := closedCampaignVoucher(t)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, email, testPassword)
	for _, tc := range []struct{ lang, heading string }{{"it", "La campagna «Natale» è chiusa"}, {"en", "The “Natale” campaign is closed"}} {
		if tc.lang == "en" {
			english(pc)
		}
		res, body := pc.Get("/vouchers/campaigns/" + v.CampaignID + "/shops")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>"+tc.heading+"</h1>") || strings.Contains(body, "data-shop=") {
			t.Errorf("%s: the closed campaign's shops: %d, want %q and no shop\n%s", tc.lang, res.StatusCode, tc.heading, body)
		}
	}
}

// A voucher of a campaign closed before its end says the campaign was
// closed, on the wallet and the vouchers page, not "Scaduto" beside a
// validity that has not ended, which it no longer shows.
func TestClosedCampaignVoucherSaysTheCampaignClosed(t *testing.T) {
	t.Parallel()
	env, v, email := closedCampaignVoucher(t)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, email, testPassword)
	card := func(body string) string {
		return regexp.MustCompile(`(?s)<li class="card item item-voucher" id="(?:voucher-)?` + v.ID + `".*?</dl>`).FindString(body)
	}
	for _, tc := range []struct{ lang, status, expired, until string }{
		{"it", "Campagna chiusa", "Scaduto", "Valido fino"},
		{"en", "Campaign closed", "Expired", "Valid until"},
	} {
		if tc.lang == "en" {
			english(pc)
		}
		for _, page := range []string{"/wallet", "/vouchers"} {
			_, body := pc.Get(page)
			c := card(body)
			if !strings.Contains(c, tc.status) || strings.Contains(c, tc.expired) || strings.Contains(c, tc.until) {
				t.Errorf("%s in %s: the closed campaign's voucher does not say %q alone:\n%s", page, tc.lang, tc.status, c)
			}
		}
	}
}
