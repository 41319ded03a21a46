package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// Staff of several shops who redeem without saying at which shop are
// asked which one, under the heading a shop named twice gets ("Quale
// negozio?"), by the scanner's script and its plain form: the voucher was
// not looked at, so it is not "Buono non accettato". The scanner opened
// without a shop says why it lists them, as the shop's page does. Before,
// the refusal was headed as the voucher's and the scanner listed the
// shops without a word.
func TestTillWithoutAShopAsksWhichShop(t *testing.T) {
	t.Parallel()
	env, shops, v := scanFixture(t, "Libreria", "Cartoleria")
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	if _, err := env.Identity.SetGrants(ctx, admin, staff.ID, []identity.Grant{{Role: identity.RoleMerchant, Scope: shops[0].ID}, {Role: identity.RoleMerchant, Scope: shops[1].ID}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	for _, tc := range []struct{ lang, heading, words, choose string }{
		{"it", "Quale negozio?", "Sei nel personale di più negozi: scegli quale.", "In quale negozio stai lavorando?"},
		{"en", "Which shop?", "", "Which shop are you working at?"},
	} {
		if tc.lang == "en" {
			english(pc)
		}
		res, out := pc.PostJSON(ui.VoucherScanEndpoint, pc.CSRF("/staff/scan?shop="+shops[0].ID), `{"code":"`+v.TypedCode+`","amount_cents":2350}`)
		if res.StatusCode != http.StatusBadRequest || out["reason"] != "shop_required" || out["heading"] != tc.heading {
			t.Errorf("%s, the scanner's script: %d %v, want 400 under %q", tc.lang, res.StatusCode, out, tc.heading)
		}
		res, body := pc.Post(ui.VoucherScanEndpoint, url.Values{"code": {v.TypedCode}, "amount": {"23,50"}, "csrf_token": {pc.CSRF("/staff/scan?shop=" + shops[0].ID)}})
		if kind, text := answerOf(t, body); res.StatusCode != http.StatusBadRequest || kind != "error" || !strings.HasPrefix(strings.TrimSpace(text), tc.heading) ||
			!strings.Contains(text, tc.words) {
			t.Errorf("%s, the scanner's form: %d %s %q, want 400 under %q", tc.lang, res.StatusCode, kind, text, tc.heading)
		}
		res, body = pc.Get("/staff/scan")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, tc.choose) || !strings.Contains(body, `data-testid="shop-chooser"`) {
			t.Errorf("%s, the scanner without a shop: %d, want it to ask %q\n%s", tc.lang, res.StatusCode, tc.choose, body)
		}
	}
	mine, err := env.Deps.Vouchers.MyVoucher(ctx, identity.Caller{AccountID: "acc_anna"}, v.ID)
	if err != nil || mine.Status != vouchers.VoucherActive || len(mine.Redemptions) != 0 {
		t.Fatalf("the voucher after redemptions naming no shop: %+v, %v", mine, err)
	}
}
