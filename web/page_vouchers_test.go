package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A citizen claims a voucher from the vouchers page, finds where to use it,
// and after a shop redeems it sees it used and where.
func TestVoucherPagesClaimAndSeeUse(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Wallet.RegisterItems("voucher", d.Vouchers) // as the hub does
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
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
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
	// A form without its request id claims nothing and comes back fresh.
	res, body = pc.Post("/vouchers/claim", url.Values{"csrf_token": {tok}, "campaign_id": {camp.ID}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-testid="form-error"`) {
		t.Fatalf("claim without a request id: %d\n%s", res.StatusCode, body)
	}
	res, _ = pc.Post("/vouchers/claim", url.Values{"csrf_token": {tok}, "campaign_id": {camp.ID}, "request_id": {claimRequestID(t, body, camp.ID)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/wallet?done=voucher_claimed" {
		t.Fatalf("claim: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = pc.Post("/vouchers/claim", url.Values{"csrf_token": {tok}, "campaign_id": {camp.ID}, "request_id": {"another-form"}})
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
	// "Show the QR code" leads to this voucher's card in the wallet, not
	// to the top of the wallet.
	if _, body = pc.Get("/vouchers"); !strings.Contains(body, `href="/wallet#voucher-`+mine[0].ID+`"`) {
		t.Fatalf("the vouchers page does not link to the voucher's card:\n%s", body)
	}
	if _, body = pc.Get("/wallet"); !strings.Contains(body, `id="voucher-`+mine[0].ID+`"`) {
		t.Fatalf("the wallet has no card with the voucher's anchor:\n%s", body)
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

// claimRequestID reads the request id of a campaign's claim form.
func claimRequestID(t *testing.T, body, campaignID string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)name="campaign_id" value="` + regexp.QuoteMeta(campaignID) + `">\s*<input type="hidden" name="request_id" value="([^"]+)">`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Errorf("the claim form of %s has no request id", campaignID)
		return "no-request-id-in-the-form"
	}
	return m[1]
}

// A double press of the claim button (two concurrent posts of one form)
// makes one voucher, and both answer with the confirmation; before, the
// page sent no key to the claim and made two. A fresh page is a new form
// and claims the next voucher.
func TestVoucherClaimPageDoubleSubmit(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
			})
			ctx := t.Context()
			svc := env.Deps.Vouchers
			admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
			camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Saldi di primavera", BudgetCents: 10000, FaceValueCents: 1000,
				PerCitizenLimit: 2, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
				t.Fatal(err)
			}
			anna, _ := env.account(t, identity.RoleCitizen)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
			_, body := pc.Get("/vouchers")
			form := url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]}, "campaign_id": {camp.ID},
				"request_id": {claimRequestID(t, body, camp.ID)}}

			var wg sync.WaitGroup
			start := make(chan struct{})
			answers := make([]string, 2)
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					res, err := pc.Client.PostForm(srv.URL+"/vouchers/claim", form)
					if err != nil {
						answers[i] = err.Error()
						return
					}
					res.Body.Close()
					answers[i] = fmt.Sprintf("%d %s", res.StatusCode, res.Header.Get("Location"))
				}()
			}
			close(start)
			wg.Wait()
			for _, a := range answers {
				if a != "303 /wallet?done=voucher_claimed" {
					t.Errorf("a press answered %q, want the confirmation", a)
				}
			}
			mine, err := svc.MyVouchers(ctx, identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}})
			if err != nil || len(mine) != 1 {
				t.Fatalf("a double press made %d vouchers (%v), want 1", len(mine), err)
			}

			// The page drawn again is a new form: it claims the second voucher.
			_, body = pc.Get("/vouchers")
			again := claimRequestID(t, body, camp.ID)
			if again == form.Get("request_id") {
				t.Fatal("the page drew the same request id twice")
			}
			form.Set("request_id", again)
			if res, _ := pc.Post("/vouchers/claim", form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the second claim: %d", res.StatusCode)
			}
			if mine, err = svc.MyVouchers(ctx, identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}); err != nil || len(mine) != 2 {
				t.Fatalf("after a second claim %d vouchers (%v), want 2", len(mine), err)
			}
		})
	}
}
