package web

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A voucher's remaining value reads as value left, on its wallet card and
// on the vouchers page alike, only while the voucher can be used. One used
// up shows no value; one expired with some left (its campaign closed, a
// redemption reversed after the close: the voucher's record gets the
// amount back, the campaign's budget the money, docs/vouchers.md) shows
// it as unspent, with words saying the voucher can no longer be used.
// Before, both read "Valore residuo 10,00 €", money nobody can spend.
func TestVoucherCardsSayValueLeftOnlyWhileUsable(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Wallet.RegisterItems("voucher", d.Vouchers)
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	shop, err := svc.CreateShop(ctx, admin, vouchers.Shop{Name: "Libreria", Address: "Corso Garibaldi 1", District: "centro", Category: "books",
		IBAN: "IT60X0542811101000000123456"})
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	citizen := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	staff := identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}}
	claim := func(name string) vouchers.VoucherView {
		t.Helper()
		camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: name, BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 1,
			ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
		if err == nil {
			_, err = svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen)
		}
		if err != nil {
			t.Fatal(err)
		}
		v, err := svc.Claim(ctx, citizen, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	active := claim("Pasqua")
	used := claim("Natale")
	if _, _, err := svc.Redeem(ctx, staff, shop.ID, "r-used", vouchers.RedeemRequest{Code: used.TypedCode, PurchaseCents: 1500}); err != nil {
		t.Fatal(err)
	}
	expired := claim("Estate")
	red, _, err := svc.Redeem(ctx, staff, shop.ID, "r-expired", vouchers.RedeemRequest{Code: expired.TypedCode, PurchaseCents: 1500})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetCampaignStatus(ctx, admin, expired.CampaignID, vouchers.StatusClosed); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Reverse(ctx, staff, shop.ID, red.ID, "rev-expired"); err != nil {
		t.Fatal(err)
	}
	if v, err := svc.MyVoucher(ctx, citizen, expired.ID); err != nil || v.Status != vouchers.VoucherExpired || v.RemainingCents != 1000 {
		t.Fatalf("the voucher of the closed campaign is %s with %d left (%v), want expired with 1000", v.Status, v.RemainingCents, err)
	}

	// A card: the wallet's (id "voucher-<id>") or the vouchers page's.
	card := func(body, id string) string {
		return regexp.MustCompile(`(?s)<li class="card item item-voucher" id="(?:voucher-)?` + id + `".*?</dl>`).FindString(body)
	}
	type want struct{ has, hasNot string }
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	for lang, cards := range map[string]map[string]want{
		"it": {
			active.ID:  {has: "<dt>Valore residuo</dt><dd>10,00 €</dd>"},
			used.ID:    {hasNot: "0,00 €"},
			expired.ID: {has: "<dt>Non speso</dt><dd>10,00 € · il buono non si può più usare</dd>", hasNot: "Valore residuo"},
		},
		"en": {
			active.ID:  {has: "<dt>Value left</dt><dd>€10.00</dd>"},
			used.ID:    {hasNot: "€0.00"},
			expired.ID: {has: "<dt>Unspent</dt><dd>€10.00 · the voucher can no longer be used</dd>", hasNot: "Value left"},
		},
	} {
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		chooseLanguage(t, pc, lang, "/wallet")
		for _, page := range []string{"/wallet", "/vouchers"} {
			_, body := pc.Get(page)
			body = nbsp(body)
			for id, w := range cards {
				c := card(body, id)
				switch {
				case c == "":
					t.Errorf("%s in %s: no card of voucher %s:\n%s", page, lang, id, body)
				case w.has != "" && !strings.Contains(c, w.has):
					t.Errorf("%s in %s: voucher %s does not show %q:\n%s", page, lang, id, w.has, c)
				case w.hasNot != "" && strings.Contains(c, w.hasNot):
					t.Errorf("%s in %s: voucher %s shows %q:\n%s", page, lang, id, w.hasNot, c)
				}
			}
		}
	}
}
