package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// shopkeeperAccount is an account that is staff of shopID and a citizen,
// logged in: its "Authorization" header value.
func shopkeeperAccount(t *testing.T, env *testEnv, shopID string) (identity.Account, string) {
	t.Helper()
	a, _ := env.account(t, identity.RoleMerchant, shopID)
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := env.Identity.SetGrants(context.Background(), admin, a.ID, []identity.Grant{
		{Role: identity.RoleMerchant, Scope: shopID}, {Role: identity.RoleCitizen}}); err != nil {
		t.Fatalf("make the shopkeeper a citizen too: %v", err)
	}
	tokens, err := env.Identity.Login(context.Background(), a.Email, testPassword, "")
	if err != nil {
		t.Fatalf("log the shopkeeper in: %v", err)
	}
	return a, "Bearer " + tokens.AccessToken
}

// A shop's staff who is a citizen too claims a voucher and presents it at
// their own till: the preview says it is not for this till and why, the
// redemption is 409 own_voucher and changes nothing, and a retry of the
// key is refused again (Idempotent-Replayed). On both engines.
func TestVoucherAPIRefusesStaffTheirOwnVoucher(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, authzConfigure...)
			admin := env.login(t, identity.RoleAdmin)
			var shop vouchers.Shop
			decodeInto(t, vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Ortofrutta","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"}`), &shop)
			var camp vouchers.Campaign
			decodeInto(t, vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign), &camp)
			wantStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, ""), http.StatusOK)

			_, keeper := shopkeeperAccount(t, env, shop.ID)
			res := vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", keeper, "")
			wantStatus(t, res, http.StatusCreated)
			var v vouchers.VoucherView
			decodeInto(t, res, &v)
			var tok vouchers.Token
			decodeInto(t, vreq(t, env, "GET", "/api/v1/vouchers/"+v.ID+"/qr", keeper, ""), &tok)

			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/preview", keeper, `{"code":"`+tok.Token+`"}`)
			wantStatus(t, res, http.StatusOK)
			var p vouchers.Preview
			if decodeInto(t, res, &p); p.Eligible || !strings.Contains(p.Problem, "yours") {
				t.Fatalf("preview of the keeper's own voucher: %s", res.Body.String())
			}

			body := `{"code":"` + tok.Token + `","purchase_cents":2000}`
			pr := wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", keeper, body, "Idempotency-Key: own-1"), http.StatusConflict)
			if pr.Reason != "own_voucher" {
				t.Fatalf("redeem of the keeper's own voucher: %+v", pr)
			}
			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", keeper, body, "Idempotency-Key: own-1")
			if pr := wantProblem(t, res, http.StatusConflict); pr.Reason != "own_voucher" || res.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry: %v %+v", res.Header(), pr)
			}
			typed := `{"code":"` + v.TypedCode + `","purchase_cents":2000}`
			if pr := wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", keeper, typed, "Idempotency-Key: own-2"), http.StatusConflict); pr.Reason != "own_voucher" {
				t.Fatalf("redeem of the keeper's own typed code: %+v", pr)
			}

			// Nothing changed: the voucher is whole, the shop is owed nothing.
			res = vreq(t, env, "GET", "/api/v1/vouchers/"+v.ID, keeper, "")
			if wantStatus(t, res, http.StatusOK); !strings.Contains(res.Body.String(), `"status":"active"`) || !strings.Contains(res.Body.String(), `"remaining_cents":1000`) {
				t.Fatalf("the voucher after the refusals: %s", res.Body.String())
			}
			var bal vouchers.Balance
			if decodeInto(t, vreq(t, env, "GET", "/api/v1/merchant/balance", keeper, ""), &bal); bal.OwedCents != 0 {
				t.Fatalf("balance %+v", bal)
			}
			var day vouchers.DayReport
			if decodeInto(t, vreq(t, env, "GET", "/api/v1/merchant/redemptions/today", keeper, ""), &day); len(day.Redemptions) != 0 {
				t.Fatalf("today %+v", day)
			}
		})
	}
}
