package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// The city's and the shop's figures that count redemptions call them
// redemptions: two vouchers spent in three goes are "Richiesti 2" and
// "Riscatti 3" on the list of campaigns and the close page, and a
// statement of them "3 riscatti". Before, the redemptions were labelled
// "Usati", "Buoni usati" and "3 buoni", as if three vouchers had been
// used.
func TestVoucherFiguresCallRedemptionsRedemptions(t *testing.T) {
	t.Parallel()
	env, offset := voucherClockServer(t, "sqlite")
	ctx := context.Background()
	svc := env.Deps.Vouchers
	shop := fornoTraiano(t, svc)
	camp := christmasCampaign(t, svc, 2000, 2, true, func(c *vouchers.Campaign) { c.Mode = vouchers.ModePartial })
	anna := identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	staffCaller := identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}}
	v1, err1 := svc.Claim(ctx, anna, camp.ID)
	v2, err2 := svc.Claim(ctx, anna, camp.ID)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	for i, code := range []string{v1.TypedCode, v1.TypedCode, v2.TypedCode} {
		if _, _, err := svc.Redeem(ctx, staffCaller, shop.ID, "k"+string(rune('a'+i)), vouchers.RedeemRequest{Code: code, PurchaseCents: 500}); err != nil {
			t.Fatal(err)
		}
	}
	offset.Store(int64(31 * time.Minute)) // past the reversal window: the redemptions settle
	if _, _, err := svc.CloseSettlement(ctx, voucherAdmin, "settle-1", shop.ID, nil); err != nil {
		t.Fatal(err)
	}

	admin, _ := env.account(t, identity.RoleAdmin)
	staff, _ := env.account(t, identity.RoleMerchant, shop.ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	row := func(body string) string {
		return regexp.MustCompile(`(?s)<tr data-campaign="` + camp.ID + `">.*?</tr>`).FindString(body)
	}
	for lang, want := range map[string]struct{ header, statement, closed, wrong string }{
		"it": {`<th scope="col" class="num">Riscatti</th>`, "3 riscatti, 15,00 €", "<dt>Riscatti</dt>", "Buoni usati|>Usati<|3 buoni"},
		"en": {`<th scope="col" class="num">Redemptions</th>`, "3 redemptions, €15.00", "<dt>Redemptions</dt>", "Vouchers used|>Redeemed<|3 vouchers"},
	} {
		wrong := regexp.MustCompile(want.wrong)
		ac := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
		chooseLanguage(t, ac, lang, "/admin/vouchers")
		_, body := ac.Get("/admin/vouchers")
		body = nbsp(body)
		if !strings.Contains(body, want.header) || !strings.Contains(row(body), "<td class=\"num\">3 · ") || !strings.Contains(body, want.statement) || wrong.MatchString(body) {
			t.Errorf("/admin/vouchers in %s does not say %q and %q:\n%s", lang, want.header, want.statement, body)
		}
		res, body := ac.Get("/admin/vouchers/campaigns/" + camp.ID + "/close")
		body = nbsp(body)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, want.closed) || wrong.MatchString(body) {
			t.Errorf("the close page in %s does not say %q: %d\n%s", lang, want.closed, res.StatusCode, body)
		}
		sc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
		chooseLanguage(t, sc, lang, "/staff/vouchers")
		_, body = sc.Get("/staff/vouchers")
		body = nbsp(body)
		if !strings.Contains(body, want.statement) || wrong.MatchString(body) {
			t.Errorf("/staff/vouchers in %s does not say %q:\n%s", lang, want.statement, body)
		}
	}
}
