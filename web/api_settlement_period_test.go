package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
)

// A period_end given as the zero time, or any time before the hub's
// earliest, is refused 400 period_end, not read as an absent one ("up to
// now", settling everything); so is one in the future.
func TestSettlementPeriodEndGivenZeroRefused(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	admin := env.login(t, identity.RoleAdmin)
	res := vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Forno Epoca","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"}`)
	wantStatus(t, res, http.StatusCreated)
	var shop vouchers.Shop
	decodeInto(t, res, &shop)
	for i, end := range []string{"0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2000-01-01T00:30:00+01:00", "2999-01-01T00:00:00Z"} {
		p := wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`","period_end":"`+end+`"}`, "Idempotency-Key: end-"+string(rune('a'+i))), http.StatusBadRequest)
		if p.Reason != "period_end" {
			t.Fatalf("%s: %+v", end, p)
		}
	}
	// Absent, it is now: nothing to settle for a shop without redemptions.
	if p := wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`"}`, "Idempotency-Key: end-now"), http.StatusConflict); p.Reason != "nothing_to_settle" {
		t.Fatalf("absent: %+v", p)
	}
}

// CloseSettlementRequest requires shop_id: a body without it, or with it
// empty, is 400 missing_field naming it, not a 404 for a shop of no id; a
// citizen is still refused 403 before the body is judged.
func TestSettlementWithoutShopIsMissingField(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	admin := env.login(t, identity.RoleAdmin)
	for i, body := range []string{`{}`, `{"shop_id":""}`, `{"period_end":"2020-01-01T00:00:00Z"}`} {
		p := wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", admin, body, "Idempotency-Key: no-shop-"+string(rune('a'+i))), http.StatusBadRequest)
		if p.Reason != "missing_field" || !strings.Contains(p.Detail, "shop_id") {
			t.Errorf("%s: %+v, want missing_field naming shop_id", body, p)
		}
	}
	citizen := env.login(t, identity.RoleCitizen)
	wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", citizen, `{}`, "Idempotency-Key: no-shop-citizen"), http.StatusForbidden)
}

// A close given what the client showed (iban, count, total_cents) settles
// that or nothing: after a change of the shop's IBAN it is 409
// settlement_changed and no statement is made; given the IBAN of now (as
// typed, spaced), it closes, and the statement names that IBAN.
func TestSettlementCloseGivenWhatWasShown(t *testing.T) {
	t.Parallel()
	env, offset := voucherClockServer(t, "sqlite")
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := env.login(t, identity.RoleAdmin)
	res := vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Forno Traiano","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT66 X054 2803 2000 0000 0001 000"}`)
	wantStatus(t, res, http.StatusCreated)
	var shop vouchers.Shop
	decodeInto(t, res, &shop)
	camp := voucherCampaign(t, svc, "Natale", true)
	v, err := svc.Claim(ctx, identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Redeem(ctx, identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}},
		shop.ID, "k1", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 2000}); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(31 * time.Minute))
	wantStatus(t, vreq(t, env, "PUT", "/api/v1/admin/shops/"+shop.ID, admin, `{"name":"Forno Traiano","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT07X0542811101000000654321"}`), http.StatusOK)

	close := func(key, shown string) *httptest.ResponseRecorder {
		return vreq(t, env, "POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`",`+shown+`}`, "Idempotency-Key: "+key)
	}
	if p := wantProblem(t, close("old-iban", `"iban":"IT66X0542803200000000001000","count":1,"total_cents":1000`), http.StatusConflict); p.Reason != "settlement_changed" {
		t.Fatalf("closed under the IBAN of before: %+v, want settlement_changed", p)
	}
	if p := wantProblem(t, close("more", `"iban":"IT07X0542811101000000654321","count":2`), http.StatusConflict); p.Reason != "settlement_changed" {
		t.Fatalf("closed with another count: %+v, want settlement_changed", p)
	}
	if page, err := svc.StatementPage(ctx, voucherAdmin, shop.ID, vouchers.PageQuery{Limit: 1}); err != nil || page.Total != 0 {
		t.Fatalf("statements after the refusals: %+v, %v", page, err)
	}
	res = close("now", `"iban":"IT07 X054 2811 1010 0000 0654 321","count":1,"total_cents":1000`)
	wantStatus(t, res, http.StatusCreated)
	var st vouchers.Settlement
	decodeInto(t, res, &st)
	if read, err := svc.Statement(ctx, voucherAdmin, st.ID); err != nil || read.Shop.IBAN != "IT07X0542811101000000654321" || st.Count != 1 {
		t.Fatalf("statement %+v names %q, %v", st, read.Shop.IBAN, err)
	}
}

// GET /api/v1/admin/shops/{id}/settlement-due answers what a close now
// would settle, settling nothing; closed with those figures and its
// period_end, the statement is exactly that. Staff of no city role are
// refused, an unknown shop is 404.
func TestSettlementDueThenClosedAsShown(t *testing.T) {
	t.Parallel()
	env, offset := voucherClockServer(t, "sqlite")
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := env.login(t, identity.RoleAdmin)
	res := vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Forno Dovuto","address":"Via Traiano 5","district":"centro","category":"food","iban":"IT66 X054 2803 2000 0000 0001 000"}`)
	wantStatus(t, res, http.StatusCreated)
	var shop vouchers.Shop
	decodeInto(t, res, &shop)
	camp := voucherCampaign(t, svc, "Dovuto", true)
	merchant := identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}}
	redeem := func(key string) {
		v, err := svc.Claim(ctx, identity.Caller{AccountID: "acc_" + key, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Redeem(ctx, merchant, shop.ID, key, vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 2000}); err != nil {
			t.Fatal(err)
		}
	}
	redeem("old")
	offset.Store(int64(31 * time.Minute))
	redeem("recent")

	res = vreq(t, env, "GET", "/api/v1/admin/shops/"+shop.ID+"/settlement-due", admin, "")
	wantStatus(t, res, http.StatusOK)
	var due vouchers.SettlementDue
	decodeInto(t, res, &due)
	if due.Shop.ID != shop.ID || due.Shop.IBAN != "IT66X0542803200000000001000" || due.Count != 1 || due.TotalCents != 1000 || due.RecentCount != 1 || due.RecentCents != 1000 {
		t.Fatalf("due: %+v, want one redemption of 1000 due and one recent, the shop's IBAN", due)
	}
	if page, err := svc.StatementPage(ctx, voucherAdmin, shop.ID, vouchers.PageQuery{Limit: 1}); err != nil || page.Total != 0 {
		t.Fatalf("statements after reading what is due: %+v, %v", page, err)
	}
	body := fmt.Sprintf(`{"shop_id":%q,"period_end":%q,"iban":%q,"count":%d,"total_cents":%d}`, shop.ID, due.PeriodEnd.Format(time.RFC3339Nano), due.Shop.IBAN, due.Count, due.TotalCents)
	res = vreq(t, env, "POST", "/api/v1/admin/settlements", admin, body, "Idempotency-Key: as-due")
	wantStatus(t, res, http.StatusCreated)
	var st vouchers.Settlement
	decodeInto(t, res, &st)
	if st.Count != 1 || st.TotalCents != 1000 {
		t.Fatalf("closed as due: %+v, want 1 redemption of 1000", st)
	}

	wantProblem(t, vreq(t, env, "GET", "/api/v1/admin/shops/"+shop.ID+"/settlement-due", env.login(t, identity.RoleCitizen), ""), http.StatusForbidden)
	if p := wantProblem(t, vreq(t, env, "GET", "/api/v1/admin/shops/shp_nope/settlement-due", admin, ""), http.StatusNotFound); p.Reason != "shop_not_found" {
		t.Errorf("unknown shop: %+v", p)
	}
}

// voucherClockServer is a test server on engine whose voucher service's
// clock runs offset ahead of the wall clock, for tests that move past the
// reversal window to settle a shop's redemptions.
func voucherClockServer(t *testing.T, engine string) (*testEnv, *atomic.Int64) {
	t.Helper()
	offset := new(atomic.Int64)
	_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Vouchers.SetClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	})
	return env, offset
}
