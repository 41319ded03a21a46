package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A colleague presents, at the till of the shop they both work, a voucher
// the shopkeeper claimed: the preview says it is not for this shop and
// why, the redemption is 409 staff_voucher and changes nothing. Another
// shop's staff redeem it. On both engines.
func TestVoucherAPIRefusesAColleagueTheShopkeepersVoucher(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, authzConfigure...)
			admin := env.login(t, identity.RoleAdmin)
			var shop, other vouchers.Shop
			decodeInto(t, vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Ortofrutta","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"}`), &shop)
			decodeInto(t, vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Libreria","address":"Corso Garibaldi 9","district":"centro","category":"books","iban":"IT60 X054 2811 1010 0000 0123 456"}`), &other)
			var camp vouchers.Campaign
			decodeInto(t, vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign), &camp)
			wantStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, ""), http.StatusOK)

			_, keeper := shopkeeperAccount(t, env, shop.ID)
			colleague := env.login(t, identity.RoleMerchant, shop.ID)
			res := vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", keeper, "")
			wantStatus(t, res, http.StatusCreated)
			var v vouchers.VoucherView
			decodeInto(t, res, &v)
			var tok vouchers.Token
			decodeInto(t, vreq(t, env, "GET", "/api/v1/vouchers/"+v.ID+"/qr", keeper, ""), &tok)

			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/preview", colleague, `{"code":"`+tok.Token+`"}`)
			wantStatus(t, res, http.StatusOK)
			var p vouchers.Preview
			if decodeInto(t, res, &p); p.Eligible || p.ProblemReason != "staff_voucher" {
				t.Fatalf("a colleague's preview of the keeper's voucher: %s", res.Body.String())
			}
			body := `{"code":"` + tok.Token + `","purchase_cents":2000}`
			if pr := wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", colleague, body, "Idempotency-Key: staff-1"), http.StatusConflict); pr.Reason != "staff_voucher" {
				t.Fatalf("a colleague's redemption of the keeper's voucher: %+v", pr)
			}
			typed := `{"code":"` + v.TypedCode + `","purchase_cents":2000}`
			if pr := wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", colleague, typed, "Idempotency-Key: staff-2"), http.StatusConflict); pr.Reason != "staff_voucher" {
				t.Fatalf("a colleague's redemption of the keeper's typed code: %+v", pr)
			}

			// Nothing changed: the voucher is whole, the shop is owed nothing.
			res = vreq(t, env, "GET", "/api/v1/vouchers/"+v.ID, keeper, "")
			if wantStatus(t, res, http.StatusOK); !strings.Contains(res.Body.String(), `"status":"active"`) || !strings.Contains(res.Body.String(), `"remaining_cents":1000`) {
				t.Fatalf("the voucher after the refusals: %s", res.Body.String())
			}
			var bal vouchers.Balance
			if decodeInto(t, vreq(t, env, "GET", "/api/v1/merchant/balance", colleague, ""), &bal); bal.OwedCents != 0 {
				t.Fatalf("balance %+v", bal)
			}

			// At another shop the keeper is a citizen like any other.
			there := env.login(t, identity.RoleMerchant, other.ID)
			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", there, body, "Idempotency-Key: elsewhere")
			if wantStatus(t, res, http.StatusCreated); !strings.Contains(res.Body.String(), `"amount_cents":1000`) {
				t.Fatalf("another shop's redemption of the keeper's voucher: %s", res.Body.String())
			}
		})
	}
}
