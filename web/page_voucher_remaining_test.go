package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A voucher's value on its wallet card is what is left of it, and says so
// in the words of the vouchers page: a used voucher's card read "Valore
// 0,00 €" ("Value €0.00") where the vouchers page says "Valore residuo".
func TestWalletVoucherCardSaysValueLeft(t *testing.T) {
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
	camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale", BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 1,
		ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
	if err == nil {
		_, err = svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen)
	}
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	v, err := svc.Claim(ctx, identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	staff := identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}}
	if _, _, err := svc.Redeem(ctx, staff, shop.ID, "r1", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 1500}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	for lang, want := range map[string]string{"it": "<dt>Valore residuo</dt><dd>0,00 €</dd>", "en": "<dt>Value left</dt><dd>€0.00</dd>"} {
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		chooseLanguage(t, pc, lang, "/wallet")
		for _, page := range []string{"/wallet", "/vouchers"} {
			if _, body := pc.Get(page); !strings.Contains(nbsp(body), want) {
				t.Errorf("%s in %s: the used voucher does not show %q:\n%s", page, lang, want, body)
			}
		}
	}
}
