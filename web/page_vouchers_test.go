package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A citizen claims a voucher from the vouchers page, finds where to use it,
// and after a shop redeems it sees it used and where.
func TestVoucherPagesClaimAndSeeUse(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	shop, err := svc.CreateShop(ctx, admin, vouchers.Shop{Name: "Libreria Masone", Address: "Corso Garibaldi 1", District: "centro", Category: "books", IBAN: "IT60X0542811101000000123456"})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale in contrada", BudgetCents: 10000, FaceValueCents: 1000, MinSpendCents: 1500,
		PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.NewPageClient(t, srv.URL)
	if res := pc.Login(anna.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, body := pc.Get("/vouchers")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Natale in contrada") || !strings.Contains(body, "15,00") {
		t.Fatalf("vouchers page: %d\n%s", res.StatusCode, body)
	}
	// Without the form's CSRF token nothing is claimed.
	res, _ = pc.Post("/vouchers/claim", url.Values{"campaign_id": {camp.ID}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("claim without CSRF: %d", res.StatusCode)
	}
	tok := pc.CSRF("/vouchers")
	res, _ = pc.Post("/vouchers/claim", url.Values{"csrf_token": {tok}, "campaign_id": {camp.ID}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/wallet?done=voucher_claimed" {
		t.Fatalf("claim: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = pc.Post("/vouchers/claim", url.Values{"csrf_token": {tok}, "campaign_id": {camp.ID}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Hai già tutti i buoni") {
		t.Fatalf("second claim: %d\n%s", res.StatusCode, body)
	}
	_, body = pc.Get("/vouchers/campaigns/" + camp.ID + "/shops")
	if !strings.Contains(body, "Libreria Masone") || strings.Contains(body, "IT60") {
		t.Fatalf("shops page:\n%s", body)
	}
	// Districts and categories by their names, a district the catalogue
	// does not know made readable: no raw codes.
	if !strings.Contains(body, ">Centro</h2>") || !strings.Contains(body, "(Libreria)") || strings.Contains(body, "(books)") {
		t.Fatalf("shops page shows codes instead of names:\n%s", body)
	}

	mine, err := svc.MyVouchers(ctx, identity.Caller{AccountID: anna.ID})
	if err != nil || len(mine) != 1 {
		t.Fatalf("vouchers of the citizen: %v %v", mine, err)
	}
	if _, _, err := svc.Redeem(ctx, identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}},
		shop.ID, "k1", vouchers.RedeemRequest{Code: mine[0].TypedCode, PurchaseCents: 2000}); err != nil {
		t.Fatal(err)
	}
	_, body = pc.Get("/vouchers")
	if !strings.Contains(body, `data-testid="voucher-status">Usato`) || !strings.Contains(body, "Libreria Masone") {
		t.Fatalf("vouchers page after use:\n%s", body)
	}
}
