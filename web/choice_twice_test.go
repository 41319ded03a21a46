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
	"cityhub/web/api"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// A shop named twice in a till's query is no choice of one: for staff of
// both shops, a redemption with ?shop= twice (the two shops, or one twice)
// is 400 shop_required from the API and from the scanner's endpoint, and a
// reversal likewise from the API, its confirmation page and its button.
// Nothing is redeemed or reversed, where the first shop named used to win.
func TestTillRefusesAShopNamedTwice(t *testing.T) {
	t.Parallel()
	env, shops, v := scanFixture(t, "Libreria", "Cartoleria")
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	if _, err := env.Identity.SetGrants(ctx, admin, staff.ID, []identity.Grant{{Role: identity.RoleMerchant, Scope: shops[0].ID}, {Role: identity.RoleMerchant, Scope: shops[1].ID}}); err != nil {
		t.Fatal(err)
	}
	tokens, err := env.Identity.Login(ctx, staff.Email, testPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + tokens.AccessToken
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	a, b := shops[0].ID, shops[1].ID
	twice := []string{
		url.Values{"shop": {a, b}}.Encode(),
		url.Values{"shop": {b, a}}.Encode(),
		url.Values{"shop": {a, a}}.Encode(),
	}
	unused := func(when string) {
		t.Helper()
		mine, err := env.Deps.Vouchers.MyVoucher(ctx, identity.Caller{AccountID: "acc_anna"}, v.ID)
		if err != nil || mine.Status != vouchers.VoucherActive || len(mine.Redemptions) != 0 {
			t.Fatalf("the voucher %s: %+v, %v", when, mine, err)
		}
	}

	redeem := `{"code":"` + v.TypedCode + `","purchase_cents":2350}`
	for i, q := range twice {
		p := wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem?"+q, bearer, redeem, "Idempotency-Key: twice-"+string(rune('a'+i))), http.StatusBadRequest)
		if p.Reason != "shop_required" {
			t.Errorf("API redeem ?%s: reason %q, want shop_required", q, p.Reason)
		}
		res, out := pc.PostJSON(ui.VoucherScanEndpoint+"?"+q, pc.CSRF("/staff/scan?shop="+a), `{"code":"`+v.TypedCode+`","amount_cents":2350}`)
		if res.StatusCode != http.StatusBadRequest || out["reason"] != "shop_required" {
			t.Errorf("scanner ?%s: %d %v, want 400 shop_required", q, res.StatusCode, out)
		}
	}
	unused("after redemptions naming the shop twice")

	var red api.RedemptionReply
	decodeInto(t, mustStatus(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem?shop="+a, bearer, redeem, "Idempotency-Key: once"), http.StatusCreated), &red)
	reversed := func() bool {
		t.Helper()
		mine, err := env.Deps.Vouchers.MyVoucher(ctx, identity.Caller{AccountID: "acc_anna"}, v.ID)
		if err != nil || len(mine.Redemptions) != 1 {
			t.Fatalf("the voucher after one redemption: %+v, %v", mine, err)
		}
		return mine.Redemptions[0].ReversedAt != nil
	}
	reverse := "/staff/vouchers/redemptions/" + red.ID + "/reverse"
	for i, q := range twice {
		p := wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse?"+q, bearer, "", "Idempotency-Key: rtwice-"+string(rune('a'+i))), http.StatusBadRequest)
		if p.Reason != "shop_required" {
			t.Errorf("API reverse ?%s: reason %q, want shop_required", q, p.Reason)
		}
		if res, _ := pc.Get(reverse + "?" + q); res.StatusCode != http.StatusBadRequest {
			t.Errorf("reversal's confirmation ?%s: %d, want 400", q, res.StatusCode)
		}
		form := url.Values{"confirm": {"yes"}, "csrf_token": {pc.CSRF("/staff/vouchers?shop=" + a)}}
		if res, _ := pc.Post(reverse+"?"+q, form); res.StatusCode != http.StatusBadRequest {
			t.Errorf("reversal's button ?%s: %d, want 400", q, res.StatusCode)
		}
	}
	if reversed() {
		t.Fatal("a reversal naming the shop twice reversed the redemption")
	}
	// Named once, it goes ahead.
	mustStatus(t, vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse?shop="+a, bearer, "", "Idempotency-Key: ronce"), http.StatusOK)
	if !reversed() {
		t.Fatal("the reversal naming the shop once did not reverse it")
	}
}

// A shop named twice at the till is refused in words of its own, asking
// for one shop, where the staff of one shop were told they are staff of
// several and must choose: by the scanner's script, its plain form and a
// reversal's confirmation, in each language.
func TestTillSaysAShopNamedTwiceInItsOwnWords(t *testing.T) {
	t.Parallel()
	env, shops, v := scanFixture(t, "Libreria")
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	q := url.Values{"shop": {shops[0].ID, shops[0].ID}}.Encode()
	for _, tc := range []struct{ lang, want string }{
		{"it", "Il negozio è indicato più di una volta: scegline uno."},
		{"en", "The shop is given more than once: choose one."},
	} {
		lang, want := tc.lang, tc.want
		if lang == "en" {
			english(pc)
		}
		res, out := pc.PostJSON(ui.VoucherScanEndpoint+"?"+q, pc.CSRF("/staff/scan"), `{"code":"`+v.TypedCode+`","amount_cents":2350}`)
		if res.StatusCode != http.StatusBadRequest || out["reason"] != "shop_required" || out["detail"] != want {
			t.Errorf("%s, the scanner's script: %d %v, want 400 shop_required saying %q", lang, res.StatusCode, out, want)
		}
		res, body := pc.Post(ui.VoucherScanEndpoint+"?"+q, url.Values{"code": {v.TypedCode}, "amount": {"23,50"}, "csrf_token": {pc.CSRF("/staff/scan")}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s, the scanner's form: %d, want 400 saying %q\n%s", lang, res.StatusCode, want, body)
		}
		res, body = pc.Get("/staff/vouchers/redemptions/red_nope/reverse?" + q)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s, a reversal's confirmation: %d, want 400 saying %q\n%s", lang, res.StatusCode, want, body)
		}
	}
}

// The pages that take the till's shop read it once too: the scanner and
// the shop's page named with ?shop= twice (two shops, or one twice) are
// 400 in words asking for one shop, where they showed the first one. A
// redemption so named is refused under a heading of its own, by the
// scanner's script and its plain form, not as a voucher not accepted: the
// voucher was not looked at.
func TestTillPagesReadTheShopOnce(t *testing.T) {
	t.Parallel()
	env, shops, v := scanFixture(t, "Libreria", "Cartoleria")
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	if _, err := env.Identity.SetGrants(ctx, admin, staff.ID, []identity.Grant{{Role: identity.RoleMerchant, Scope: shops[0].ID}, {Role: identity.RoleMerchant, Scope: shops[1].ID}}); err != nil {
		t.Fatal(err)
	}
	loner, _ := env.account(t, identity.RoleMerchant, shops[1].ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	lc := webtest.SignedIn(t, srv.URL, loner.Email, testPassword)
	a, b := shops[0].ID, shops[1].ID
	const twiceWords = "Il negozio è indicato più di una volta: scegline uno."
	for _, tc := range []struct {
		who *webtest.PageClient
		q   string
	}{
		{pc, url.Values{"shop": {a, b}}.Encode()},
		{pc, url.Values{"shop": {a, a}}.Encode()},
		{lc, url.Values{"shop": {b, b}}.Encode()},
	} {
		for _, path := range []string{"/staff/scan", "/staff/vouchers"} {
			res, body := tc.who.Get(path + "?" + tc.q)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, twiceWords) || strings.Contains(body, `data-testid="scan-shop"`) ||
				strings.Contains(body, `data-testid="owed"`) {
				t.Errorf("%s?%s: %d, want 400 saying %q\n%s", path, tc.q, res.StatusCode, twiceWords, body)
			}
		}
	}

	q := url.Values{"shop": {a, b}}.Encode()
	for _, tc := range []struct{ lang, heading string }{{"it", "Quale negozio?"}, {"en", "Which shop?"}} {
		if tc.lang == "en" {
			english(pc)
		}
		res, out := pc.PostJSON(ui.VoucherScanEndpoint+"?"+q, pc.CSRF("/staff/scan?shop="+a), `{"code":"`+v.TypedCode+`","amount_cents":2350}`)
		if res.StatusCode != http.StatusBadRequest || out["reason"] != "shop_required" || out["heading"] != tc.heading {
			t.Errorf("%s, the scanner's script: %d %v, want 400 under %q", tc.lang, res.StatusCode, out, tc.heading)
		}
		res, body := pc.Post(ui.VoucherScanEndpoint+"?"+q, url.Values{"code": {v.TypedCode}, "amount": {"23,50"}, "csrf_token": {pc.CSRF("/staff/scan?shop=" + a)}})
		if kind, text := answerOf(t, body); res.StatusCode != http.StatusBadRequest || kind != "error" || !strings.HasPrefix(strings.TrimSpace(text), tc.heading) {
			t.Errorf("%s, the scanner's form: %d %s %q, want 400 under %q", tc.lang, res.StatusCode, kind, text, tc.heading)
		}
	}
	mine, err := env.Deps.Vouchers.MyVoucher(ctx, identity.Caller{AccountID: "acc_anna"}, v.ID)
	if err != nil || mine.Status != vouchers.VoucherActive || len(mine.Redemptions) != 0 {
		t.Fatalf("the voucher after redemptions naming the shop twice: %+v, %v", mine, err)
	}
}
