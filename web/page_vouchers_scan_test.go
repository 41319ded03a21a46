package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// The scanner page redeems a typed code through its page endpoint: cookie
// session, CSRF header, the shop from the grant, answers in the page's
// language; a repeated press answers the first redemption again.
func TestVoucherScanPageRedeemsTypedCode(t *testing.T) {
	t.Parallel()
	env, shops, v := scanFixture(t, "Libreria")
	shop := shops[0]
	staff, _ := env.account(t, identity.RoleMerchant, shop.ID)

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	csrf := pc.CSRF("/staff/scan")
	contentType := "application/json"
	scan := func(body string, withCSRF bool) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+ui.VoucherScanEndpoint, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if withCSRF {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res, out
	}
	body := `{"code":"` + strings.ToLower(v.TypedCode) + `","amount_cents":2350}`
	if res, _ := scan(body, false); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", res.StatusCode)
	}
	// The scanner's refusals take their status as the API's do: a body
	// declared as another type is 415, one over the limit 413.
	contentType = "text/plain"
	if res, out := scan(body, true); res.StatusCode != http.StatusUnsupportedMediaType || out["reason"] != "unsupported_media_type" {
		t.Fatalf("a body that is not JSON: %d %v", res.StatusCode, out)
	}
	contentType = "application/json"
	if res, out := scan(`{"code":"`+strings.Repeat("x", 70<<10)+`"}`, true); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over the limit: %d %v", res.StatusCode, out)
	}
	res, out := scan(body, true)
	if res.StatusCode != http.StatusOK || out["outcome"] != "ok" || !strings.Contains(out["message"].(string), "13,50") {
		t.Fatalf("scan: %d %v", res.StatusCode, out)
	}
	res, out = scan(body, true)
	if res.StatusCode != http.StatusOK || out["outcome"] != "warning" {
		t.Fatalf("repeated press: %d %v", res.StatusCode, out)
	}
	res, out = scan(`{"code":"`+v.TypedCode+`","amount_cents":2400}`, true)
	if res.StatusCode != http.StatusConflict || out["detail"] != "Questo buono è già stato usato." {
		t.Fatalf("second purchase: %d %v", res.StatusCode, out)
	}
	mine, err := env.Deps.Vouchers.MyVoucher(context.Background(), identity.Caller{AccountID: "acc_anna"}, v.ID)
	if err != nil || mine.Status != vouchers.VoucherUsed || len(mine.Redemptions) != 1 {
		t.Fatalf("voucher after the scan: %+v, %v", mine, err)
	}
}

// Staff of several shops open the scanner for one (?shop=, as the shop's
// page links it): what the page sends is for that shop, not refused for
// naming none.
func TestVoucherScanPageForOneOfSeveralShops(t *testing.T) {
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
	one := shops[1].ID
	if _, body := pc.Get("/staff/vouchers?shop=" + one); !strings.Contains(body, `href="/staff/scan?shop=`+one+`"`) {
		t.Fatalf("the shop's page does not open the scanner for it:\n%s", body)
	}
	_, page := pc.Get("/staff/scan?shop=" + one)
	endpoint := ui.VoucherScanEndpoint + "?shop=" + one
	if !strings.Contains(page, `data-endpoint="`+endpoint+`"`) {
		t.Fatalf("the scanner does not send to its shop:\n%s", page)
	}
	req, _ := http.NewRequest("POST", srv.URL+endpoint, strings.NewReader(`{"code":"`+v.TypedCode+`","amount_cents":2350,"preview":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", pc.CSRF("/staff/scan?shop="+one))
	res, err := pc.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusOK || out["outcome"] != "preview" {
		t.Fatalf("a preview at one of the staff's shops: %d %v", res.StatusCode, out)
	}
}

// Staff of several shops who open the scanner or the shop's page without
// saying which shop are asked to choose one of theirs, by name, and scan
// nothing meanwhile; once chosen, the shop is named at the top and the
// chooser stays there to change it. A shop that is not theirs is refused.
// Staff of one shop never see the chooser.
func TestStaffOfSeveralShopsChooseOne(t *testing.T) {
	t.Parallel()
	env, shops, _ := scanFixture(t, "Libreria", "Cartoleria", "Ferramenta")
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	if _, err := env.Identity.SetGrants(ctx, admin, staff.ID, []identity.Grant{{Role: identity.RoleMerchant, Scope: shops[0].ID}, {Role: identity.RoleMerchant, Scope: shops[1].ID}}); err != nil {
		t.Fatal(err)
	}
	loner, _ := env.account(t, identity.RoleMerchant, shops[2].ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	option := func(sh vouchers.Shop) string { return `<option value="` + sh.ID + `"` }

	for _, path := range []string{"/staff/scan", "/staff/vouchers"} {
		res, page := pc.Get(path)
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="shop-chooser"`) ||
			!strings.Contains(page, option(shops[0])) || !strings.Contains(page, option(shops[1])) || strings.Contains(page, option(shops[2])) {
			t.Fatalf("%s without a shop: %d, want the chooser of the staff's two shops:\n%s", path, res.StatusCode, page)
		}
		if strings.Contains(page, "data-endpoint=") || strings.Contains(page, "non è ancora attiva") || strings.Contains(page, `data-testid="owed"`) {
			t.Fatalf("%s scans or shows a shop before one is chosen:\n%s", path, page)
		}
		if strings.Index(page, ">Cartoleria ·") > strings.Index(page, ">Libreria ·") {
			t.Fatalf("%s: the shops are not in the order of their names:\n%s", path, page)
		}
		if res, _ := pc.Get(path + "?shop=" + shops[2].ID); res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s for a shop not the staff's: %d", path, res.StatusCode)
		}
	}
	one := shops[1]
	res, page := pc.Get("/staff/scan?shop=" + one.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="scan-shop">Cartoleria<`) ||
		!strings.Contains(page, option(one)+" selected") || !strings.Contains(page, `data-endpoint="`+ui.VoucherScanEndpoint+"?shop="+one.ID+`"`) {
		t.Fatalf("the scanner for the shop chosen: %d\n%s", res.StatusCode, page)
	}
	if res, page := pc.Get("/staff/vouchers?shop=" + one.ID); res.StatusCode != http.StatusOK ||
		!strings.Contains(page, option(one)+" selected") || !strings.Contains(page, `data-testid="owed"`) {
		t.Fatalf("the shop's page for the shop chosen: %d\n%s", res.StatusCode, page)
	}

	// Granted two shops of which one is gone: the one left is theirs,
	// with nothing to choose.
	left, _ := env.account(t, identity.RoleMerchant, shops[2].ID)
	if _, err := env.Identity.SetGrants(ctx, admin, left.ID, []identity.Grant{{Role: identity.RoleMerchant, Scope: shops[2].ID}, {Role: identity.RoleMerchant, Scope: "shop_gone"}}); err != nil {
		t.Fatal(err)
	}
	gc := webtest.SignedIn(t, srv.URL, left.Email, testPassword)
	if res, page := gc.Get("/staff/scan"); res.StatusCode != http.StatusOK || strings.Contains(page, "<select") ||
		!strings.Contains(page, `data-testid="scan-shop">Ferramenta<`) || !strings.Contains(page, `data-endpoint="`+ui.VoucherScanEndpoint+"?shop="+shops[2].ID+`"`) {
		t.Fatalf("the scanner of staff with one shop left: %d\n%s", res.StatusCode, page)
	}
	if res, page := gc.Get("/staff/vouchers"); res.StatusCode != http.StatusOK || strings.Contains(page, "<select") || !strings.Contains(page, `data-testid="owed"`) {
		t.Fatalf("the shop's page of staff with one shop left: %d\n%s", res.StatusCode, page)
	}

	// Every shop granted is gone: nothing to scan for, and said so.
	if _, err := env.Identity.SetGrants(ctx, admin, left.ID, []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop_gone"}, {Role: identity.RoleMerchant, Scope: "shop_gone_too"}}); err != nil {
		t.Fatal(err)
	}
	gc = webtest.SignedIn(t, srv.URL, left.Email, testPassword)
	for _, path := range []string{"/staff/scan", "/staff/vouchers"} {
		if res, _ := gc.Get(path); res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s of staff whose shops are all gone: %d", path, res.StatusCode)
		}
	}

	lc := webtest.SignedIn(t, srv.URL, loner.Email, testPassword)
	for _, path := range []string{"/staff/scan", "/staff/vouchers"} {
		if res, page := lc.Get(path); res.StatusCode != http.StatusOK || strings.Contains(page, "shop-chooser") {
			t.Fatalf("%s for staff of one shop: %d\n%s", path, res.StatusCode, page)
		}
	}
	if res, _ := lc.Get("/staff/scan?shop=" + one.ID); res.StatusCode != http.StatusForbidden {
		t.Fatalf("the scanner of staff of one shop, for another: %d", res.StatusCode)
	}
}

// scanFixture is a hub whose scanner page redeems vouchers, with a shop of
// each name, an open campaign that admits them all, and one voucher of it
// claimed by a citizen.
func scanFixture(t *testing.T, shopNames ...string) (*testEnv, []vouchers.Shop, vouchers.VoucherView) {
	t.Helper()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.ScanTargets = map[identity.Role]ui.ScanTarget{identity.RoleMerchant: {Endpoint: ui.VoucherScanEndpoint, AskAmount: true}}
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	var shops []vouchers.Shop
	for _, name := range shopNames {
		sh, err := svc.CreateShop(ctx, admin, vouchers.Shop{Name: name, Address: "Corso Garibaldi 1", District: "centro", Category: "books", IBAN: "IT60X0542811101000000123456"})
		if err != nil {
			t.Fatal(err)
		}
		shops = append(shops, sh)
	}
	camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale", BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 1,
		ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
		t.Fatal(err)
	}
	v, err := svc.Claim(ctx, identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	return env, shops, v
}
