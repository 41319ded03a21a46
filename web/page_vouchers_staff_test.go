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

// The shopkeeper sees what the city owes, today's redemptions, and reverses
// one with the page's button, once.
func TestVoucherStaffPageReverses(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	shop, _ := svc.CreateShop(ctx, admin, vouchers.Shop{Name: "Forno Traiano", Address: "Via Traiano 3", District: "centro", Category: "food", IBAN: "IT60X0542811101000000123456"})
	other, _ := svc.CreateShop(ctx, admin, vouchers.Shop{Name: "Altro", Address: "Via 1", District: "centro", Category: "food", IBAN: "IT60X0542811101000000123456"})
	camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale", BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 2,
		ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen)
	anna := identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	v1, _ := svc.Claim(ctx, anna, camp.ID)
	v2, _ := svc.Claim(ctx, anna, camp.ID)
	staffCaller := identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}}
	r1, _, err := svc.Redeem(ctx, staffCaller, shop.ID, "k1", vouchers.RedeemRequest{Code: v1.TypedCode, PurchaseCents: 2500})
	if err != nil {
		t.Fatal(err)
	}
	r2, _, err := svc.Redeem(ctx, identity.Caller{AccountID: "acc_other", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: other.ID}}},
		other.ID, "k2", vouchers.RedeemRequest{Code: v2.TypedCode, PurchaseCents: 2500})
	if err != nil {
		t.Fatal(err)
	}

	staff, _ := env.account(t, identity.RoleMerchant, shop.ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	res, body := pc.Get("/staff/vouchers")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="owed">10,00`) || !strings.Contains(body, `data-redemption="`+r1.ID+`"`) ||
		strings.Contains(body, r2.ID) {
		t.Fatalf("staff page: %d\n%s", res.StatusCode, body)
	}
	tok := pc.CSRF("/staff/vouchers")
	// Another shop's redemption cannot be reversed from here, nor shown.
	res, _ = pc.Post("/staff/vouchers/redemptions/"+r2.ID+"/reverse", url.Values{"csrf_token": {tok}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("reverse another shop's: %d", res.StatusCode)
	}
	if res, _ := pc.Get("/staff/vouchers/redemptions/" + r2.ID + "/reverse"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("confirm page of another shop's: %d", res.StatusCode)
	}
	// A post without the confirmation changes nothing: it leads to the
	// page saying what the reversal does.
	res, _ = pc.Post("/staff/vouchers/redemptions/"+r1.ID+"/reverse", url.Values{"csrf_token": {tok}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/staff/vouchers/redemptions/"+r1.ID+"/reverse?") {
		t.Fatalf("reverse without confirmation: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if b, _ := svc.ShopBalance(ctx, staffCaller, shop.ID); b.OwedCents != 1000 {
		t.Fatalf("an unconfirmed reversal changed the balance: %+v", b)
	}
	if _, body := pc.Get("/staff/vouchers/redemptions/" + r1.ID + "/reverse"); !strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, "25,00") || !strings.Contains(body, "10,00") {
		t.Fatalf("confirmation page:\n%s", body)
	}
	// A link cannot make the page say a redemption was reversed.
	if _, body := pc.Get("/staff/vouchers?reversed=" + r1.ID); strings.Contains(body, `data-testid="reversed"`) {
		t.Fatalf("the reversal notice of a redemption not reversed:\n%s", body)
	}
	for i := 0; i < 2; i++ { // a double press reverses once
		res, _ = pc.Post("/staff/vouchers/redemptions/"+r1.ID+"/reverse", url.Values{"csrf_token": {tok}, "confirm": {"yes"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reverse %d: %d", i, res.StatusCode)
		}
	}
	if _, body := pc.Get(res.Header.Get("Location")); !strings.Contains(body, `data-testid="reversed"`) {
		t.Fatalf("no reversal notice after the reversal:\n%s", body)
	}
	_, body = pc.Get("/staff/vouchers")
	if !strings.Contains(body, `data-testid="owed">0,00`) || !strings.Contains(body, "Annullato") {
		t.Fatalf("after the reversal:\n%s", body)
	}
	b, err := svc.ShopBalance(ctx, staffCaller, shop.ID)
	if err != nil || b.OwedCents != 0 {
		t.Fatalf("balance %+v %v", b, err)
	}
	// Its confirmation page, opened again (a link kept, the back button),
	// says it is reversed already, rather than offering to reverse it.
	if res, body := pc.Get("/staff/vouchers/redemptions/" + r1.ID + "/reverse"); res.StatusCode != http.StatusConflict ||
		strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, "già stata annullata") {
		t.Fatalf("the confirmation page of a reversed redemption: %d\n%s", res.StatusCode, body)
	}
}
