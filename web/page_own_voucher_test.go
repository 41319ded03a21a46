package web

import (
	"context"
	"encoding/json"
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

// At the till, a shopkeeper who is a citizen too and presents their own
// voucher is told, in the page's language, that it is theirs and cannot
// be redeemed there: at the preview already, at the redemption, with the
// script and with the plain form alike. Nothing is redeemed.
func TestVoucherScanPageRefusesStaffTheirOwnVoucher(t *testing.T) {
	t.Parallel()
	env, shops, other := scanFixture(t, "Ortofrutta")
	shop := shops[0]
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	keeper, _ := env.account(t, identity.RoleMerchant, shop.ID)
	grants := []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}, {Role: identity.RoleCitizen}}
	if _, err := env.Identity.SetGrants(ctx, admin, keeper.ID, grants); err != nil {
		t.Fatal(err)
	}
	holder := identity.Caller{AccountID: keeper.ID, Grants: grants}
	v, err := env.Deps.Vouchers.Claim(ctx, holder, other.CampaignID)
	if err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, keeper.Email, testPassword)
	words := map[string]struct{ heading, detail string }{
		"it": {"Buono non accettato", "Questo buono è tuo: non puoi riscattarlo a una cassa in cui lavori."},
		"en": {"Voucher not accepted", "This voucher is yours: you cannot redeem it at a till you work."},
	}
	for _, lang := range []string{"it", "en"} {
		u, _ := url.Parse(srv.URL)
		pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_lang", Value: lang}})
		csrf := pc.CSRF("/staff/scan")
		want := words[lang]
		for _, preview := range []bool{true, false} {
			body, _ := json.Marshal(map[string]any{"code": v.TypedCode, "amount_cents": 2350, "preview": preview})
			req, _ := http.NewRequest("POST", srv.URL+ui.VoucherScanEndpoint, strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", csrf)
			res, err := pc.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]any{}
			_ = json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			if res.StatusCode != http.StatusConflict || out["reason"] != "own_voucher" || out["heading"] != want.heading || out["detail"] != want.detail {
				t.Fatalf("%s, preview %v: %d %v; want 409 %q", lang, preview, res.StatusCode, out, want.detail)
			}
		}
		// Without the script: the form's preview says it before the
		// "Riscatta" button is offered.
		res, page := pc.Post(ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {v.TypedCode}, "amount": {"23,50"}})
		if kind, text := answerOf(t, page); res.StatusCode != http.StatusConflict || kind != "error" || !strings.Contains(text, want.heading) ||
			!strings.Contains(text, want.detail) || strings.Contains(page, `name="confirm"`) {
			t.Fatalf("%s, the form: %d %s %q", lang, res.StatusCode, kind, text)
		}
	}
	mine, err := env.Deps.Vouchers.MyVoucher(ctx, holder, v.ID)
	if err != nil || mine.Status != vouchers.VoucherActive || len(mine.Redemptions) != 0 {
		t.Fatalf("the keeper's voucher after the till: %+v, %v", mine, err)
	}
}
