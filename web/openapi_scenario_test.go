package web

import (
	"bytes"
	"context"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/qrtoken"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web/api"
)

// A day in the life of the hub through its JSON API, on both engines, with
// every answer (successes and refusals) checked against web/api/openapi.json:
// identity, wallet and Stripe, the voucher scheme end to end, bikesharing
// with simulated stations, and the mobility catalogue.
func TestOpenAPIScenario(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	v := newContractValidator(t, doc)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			var m *mobilitytest.Env
			var skew atomic.Int64 // how far the voucher clock runs ahead
			_, env := fullServer(t, engine, func(env *testEnv, d *Deps) {
				m = mobilitytest.New(t, env.DB, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 2, Docks: 4})
				d.Mobility = m.Svc
				d.Vouchers.SetClock(func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
			})
			c := newContract(t, env, v)
			contractIdentity(c)
			contractAccountEmails(c)
			contractWallet(c)
			contractVouchers(c, &skew)
			contractMobility(c, m)
			contractTicketing(c)
			contractMail(c)
			contractParticipation(c)
			contractOperations(c)

			// Every documented operation was called and answered as documented.
			var missed []string
			for p := range doc.operations() {
				if !strings.Contains(p, " /api/v1/") {
					continue
				}
				ok := false
				for status := range c.covered[p] {
					ok = ok || status < 300
				}
				if !ok {
					missed = append(missed, p)
				}
			}
			sort.Strings(missed)
			if len(missed) > 0 {
				t.Errorf("operations never answered with success in the scenario: %v", missed)
			}
			// Issue 8, item 3: every state-changing operation honours an
			// Idempotency-Key the same way; a retry got its first answer.
			var unreplayed []string
			for p := range doc.operations() {
				method, _, _ := strings.Cut(p, " ")
				// Erasing one's account, or changing its password, ends its
				// tokens too: a retry is refused as unauthenticated before
				// any answer is looked up.
				if !strings.Contains(p, " /api/v1/") || method == "GET" || api.UnkeyedRoutes[p] || p == "DELETE /api/v1/me" || p == "PUT /api/v1/me/password" {
					continue
				}
				if !c.replayed[p] {
					unreplayed = append(unreplayed, p)
				}
			}
			sort.Strings(unreplayed)
			if len(unreplayed) > 0 {
				t.Errorf("state-changing operations whose success no retry got again: %v", unreplayed)
			}
			var answers int
			for _, st := range c.covered {
				answers += len(st)
			}
			t.Logf("%d operations called, %d (operation, status) pairs checked against the document", len(c.covered), answers)
		})
	}
}

func contractIdentity(c *contract) {
	env := c.env
	c.do("POST", "/api/v1/accounts", "", `{"email":"ada@example.org","password":"correct horse battery","name":"Ada","locale":"en"}`, http.StatusAccepted)
	c.do("POST", "/api/v1/accounts", "", `{"email":"ada@example.org","password":"correct horse battery","name":"Ada"}`, http.StatusAccepted)
	c.do("POST", "/api/v1/auth/login", "", `{"email":"ada@example.org","password":"correct horse battery"}`, http.StatusUnauthorized)
	c.env.verify(c.t, "ada@example.org")
	acct, err := env.Identity.AccountByEmail(context.Background(), "ada@example.org")
	if err != nil {
		c.t.Fatal(err)
	}
	c.do("POST", "/api/v1/accounts", "", `{"email":"ada@example.org","password":"short","name":"Ada","extra":1}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/accounts", "", `{"email":`, http.StatusBadRequest)

	var tokens identity.Tokens
	c.json(&tokens, "POST", "/api/v1/auth/login", "", `{"email":"ada@example.org","password":"correct horse battery"}`, http.StatusOK)
	c.do("POST", "/api/v1/auth/login", "", `{"email":"ada@example.org","password":"wrong horse battery"}`, http.StatusUnauthorized)
	bearer := "Bearer " + tokens.AccessToken
	var rotated identity.Tokens
	c.json(&rotated, "POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+tokens.RefreshToken+`"}`, http.StatusOK)
	c.do("POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+tokens.RefreshToken+`"}`, http.StatusUnauthorized)
	c.json(&tokens, "POST", "/api/v1/auth/login", "", `{"email":"ada@example.org","password":"correct horse battery"}`, http.StatusOK)
	bearer = "Bearer " + tokens.AccessToken

	c.do("GET", "/api/v1/me", bearer, "", http.StatusOK)
	c.do("GET", "/api/v1/me", "", "", http.StatusUnauthorized)
	c.do("GET", "/api/v1/me", "Bearer not.a.token", "", http.StatusUnauthorized)
	c.do("GET", "/api/v1/me/data", bearer, "", http.StatusOK)
	c.do("PUT", "/api/v1/me/locale", bearer, `{"locale":"it"}`, http.StatusOK)
	c.do("PUT", "/api/v1/me/locale", bearer, `{"locale":"de"}`, http.StatusBadRequest)
	c.do("PUT", "/api/v1/me/locale", "", `{"locale":"it"}`, http.StatusUnauthorized)
	c.do("GET", "/api/v1/accounts/"+acct.ID, bearer, "", http.StatusOK)
	other, _ := env.account(c.t, identity.RoleCitizen)
	c.do("GET", "/api/v1/accounts/"+other.ID, bearer, "", http.StatusNotFound)

	admin := env.login(c.t, identity.RoleAdmin)
	c.do("POST", "/api/v1/admin/accounts", admin, `{"email":"till@example.org","password":"correct horse battery","name":"Till","grants":[{"role":"merchant_staff","scope":"shop_x"}]}`, http.StatusCreated)
	c.do("POST", "/api/v1/admin/accounts", bearer, `{"email":"till2@example.org","password":"correct horse battery","name":"Till"}`, http.StatusForbidden)
	c.do("GET", "/api/v1/accounts/"+other.ID, admin, "", http.StatusOK)
	c.do("PUT", "/api/v1/admin/accounts/"+other.ID+"/disabled", admin, `{"disabled":true}`, http.StatusOK)
	c.do("PUT", "/api/v1/admin/accounts/"+other.ID+"/disabled", admin, `{}`, http.StatusBadRequest)
	c.do("PUT", "/api/v1/admin/accounts/acc_nobody/disabled", admin, `{"disabled":false}`, http.StatusNotFound)

	// The administrator finds the new till operator and gives them the
	// door of a venue as well.
	var found struct {
		Accounts []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"accounts"`
	}
	c.json(&found, "GET", "/api/v1/admin/accounts?q=TILL%40example&role=merchant_staff&scope=shop_x&state=active&limit=1", admin, "", http.StatusOK)
	if len(found.Accounts) != 1 || found.Accounts[0].State != "active" {
		c.t.Fatalf("search for the till: %+v", found)
	}
	till := found.Accounts[0].ID
	c.do("GET", "/api/v1/admin/accounts", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/accounts?state=asleep", admin, "", http.StatusBadRequest)
	c.do("GET", "/api/v1/admin/accounts?limit=101", admin, "", http.StatusBadRequest)
	c.do("GET", "/api/v1/admin/accounts", bearer, "", http.StatusForbidden)
	c.do("PUT", "/api/v1/admin/accounts/"+till+"/grants", admin, `{"grants":[{"role":"merchant_staff","scope":"shop_x"},{"role":"door_staff","scope":"venue_x"}]}`, http.StatusOK)
	c.do("PUT", "/api/v1/admin/accounts/"+till+"/grants", admin, `{}`, http.StatusBadRequest)
	c.do("PUT", "/api/v1/admin/accounts/"+till+"/grants", admin, `{"grants":[{"role":"merchant_staff"}]}`, http.StatusBadRequest)
	c.do("PUT", "/api/v1/admin/accounts/"+till+"/grants", bearer, `{"grants":[{"role":"city_admin"}]}`, http.StatusForbidden)
	c.do("PUT", "/api/v1/admin/accounts/acc_nobody/grants", admin, `{"grants":[{"role":"citizen"}]}`, http.StatusNotFound)

	c.do("POST", "/api/v1/auth/logout", "", `{"refresh_token":"`+rotated.RefreshToken+`"}`, http.StatusNoContent)
	c.do("DELETE", "/api/v1/me", bearer, "", http.StatusNoContent)
	c.do("GET", "/api/v1/me", bearer, "", http.StatusUnauthorized)
}

func contractWallet(c *contract) {
	env := c.env
	citizenAcct, citizen := env.account(c.t, identity.RoleCitizen)
	admin := env.login(c.t, identity.RoleAdmin)
	merchant := env.login(c.t, identity.RoleMerchant)

	c.do("GET", "/api/v1/wallet", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/wallet", merchant, "", http.StatusForbidden)
	c.do("GET", "/api/v1/wallet", "", "", http.StatusUnauthorized)
	c.do("POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":2500}`, http.StatusCreated, "Idempotency-Key: topup-0001")
	c.do("POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":2500}`, http.StatusCreated, "Idempotency-Key: topup-0001")
	c.do("POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":900}`, http.StatusConflict, "Idempotency-Key: topup-0001")
	c.do("POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":2500}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":-5}`, http.StatusBadRequest, "Idempotency-Key: topup-0002")
	c.do("GET", "/api/v1/wallet", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/wallet/history?limit=1", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/wallet/history?limit=0", citizen, "", http.StatusBadRequest)

	// A card top-up: a pending PaymentIntent from stripe-mock, then Stripe's
	// signed webhook credits it.
	// The same hub with test payments off: a server is built whole, so the
	// card path needs one of its own, on the same store.
	withTest := env.Server
	d := env.Deps
	d.TestPayments, d.Registry = false, nil
	env.Server = New(d)
	var top api.TopupView
	c.json(&top, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":1000}`, http.StatusCreated, "Idempotency-Key: card-topup-1")
	env.Server = withTest
	ev := paymentEvent("evt_contract_1", "payment_intent.succeeded", top.PaymentIntentID, 1000, "eur",
		map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: citizenAcct.ID, cardpay.StripeTopUpKey: top.TopUpID})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev, Secret: testWebhookSecret})
	c.do("POST", "/api/v1/stripe/webhook", "", string(ev), http.StatusOK, "Stripe-Signature: "+signed.Header)
	c.do("GET", "/api/v1/wallet/topups", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/wallet/topups", merchant, "", http.StatusForbidden)
	c.do("GET", "/api/v1/wallet/topups", "", "", http.StatusUnauthorized)
	c.do("POST", "/api/v1/stripe/webhook", "", string(ev), http.StatusUnauthorized, "Stripe-Signature: t=1,v1=00")
	ahead := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev, Secret: testWebhookSecret, Timestamp: time.Now().Add(10 * time.Minute)})
	c.do("POST", "/api/v1/stripe/webhook", "", string(ev), http.StatusBadRequest, "Stripe-Signature: "+ahead.Header)
	// A payment the hub did not create is kept for an administrator.
	stranger := paymentEvent("evt_contract_2", "payment_intent.succeeded", "pi_not_the_hubs", 1000, "eur",
		map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: citizenAcct.ID})
	signed = webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: stranger, Secret: testWebhookSecret})
	c.do("POST", "/api/v1/stripe/webhook", "", string(stranger), http.StatusOK, "Stripe-Signature: "+signed.Header)
	c.do("GET", "/api/v1/admin/payments/events", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/payments/events", citizen, "", http.StatusForbidden)
	c.do("GET", "/api/v1/admin/payments/events", "", "", http.StatusUnauthorized)

	c.do("GET", "/api/v1/admin/ledger/accounts/"+string(wallet.CitizenAccount(citizenAcct.ID))+"?limit=5", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/ledger/accounts/citizen:nobody", admin, "", http.StatusNotFound)
	c.do("GET", "/api/v1/admin/ledger/check", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/ledger/check", citizen, "", http.StatusForbidden)
}

func contractVouchers(c *contract, skew *atomic.Int64) {
	env := c.env
	admin := env.login(c.t, identity.RoleAdmin)
	citizen := env.login(c.t, identity.RoleCitizen)

	var shop, other vouchers.Shop
	c.json(&shop, "POST", "/api/v1/admin/shops", admin, `{"name":"Forno San Lorenzo","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60X0542811101000000123456"}`, http.StatusCreated)
	c.json(&other, "POST", "/api/v1/admin/shops", admin, `{"name":"Libri","address":"Corso Garibaldi 1","district":"triggio","category":"books","iban":"IT60X0542811101000000123456"}`, http.StatusCreated)
	c.do("POST", "/api/v1/admin/shops", admin, `{"name":"","address":"x","district":"centro","category":"food","iban":"nope"}`, http.StatusBadRequest)
	c.do("GET", "/api/v1/admin/shops?district=centro", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/shops/"+shop.ID, admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/shops/shop_nope", admin, "", http.StatusNotFound)
	c.do("PUT", "/api/v1/admin/shops/"+other.ID, admin, `{"name":"Libri e Caffè","address":"Corso Garibaldi 1","district":"triggio","category":"books","iban":"IT60X0542811101000000123456","active":true}`, http.StatusOK)
	c.do("GET", "/api/v1/admin/shops", citizen, "", http.StatusForbidden)

	var camp vouchers.Campaign
	c.json(&camp, "POST", "/api/v1/admin/campaigns", admin, `{"name":"Natale in contrada","description":"Dieci euro nei negozi del centro","budget_cents":100000,"face_value_cents":1000,"min_spend_cents":500,"per_citizen_limit":1,"valid_from":"2026-01-01","valid_until":"2099-12-31","districts":["centro"],"mode":"partial"}`, http.StatusCreated)
	c.do("POST", "/api/v1/admin/campaigns", admin, `{"name":"X","budget_cents":100.5}`, http.StatusBadRequest)
	c.do("PUT", "/api/v1/admin/campaigns/"+camp.ID, admin, `{"name":"Natale in contrada","budget_cents":100000,"face_value_cents":1000,"min_spend_cents":500,"per_citizen_limit":1,"valid_from":"2026-01-01","valid_until":"2099-12-31","districts":["centro"],"mode":"partial"}`, http.StatusOK)
	c.do("GET", "/api/v1/admin/campaigns?status=draft", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/campaigns/"+camp.ID, admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/campaigns/cmp_nope", admin, "", http.StatusNotFound)
	c.do("POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, "", http.StatusOK)
	c.do("POST", "/api/v1/admin/campaigns/"+camp.ID+"/explode", admin, "", http.StatusNotFound)

	c.do("GET", "/api/v1/campaigns", citizen, "", http.StatusOK)
	var v vouchers.VoucherView
	c.json(&v, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, "", http.StatusCreated)
	c.do("POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, "", http.StatusConflict)
	c.do("GET", "/api/v1/campaigns/"+camp.ID+"/shops?district=centro", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/campaigns/cmp_nope/shops", citizen, "", http.StatusNotFound)
	c.do("GET", "/api/v1/vouchers", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/vouchers/"+v.ID, citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/vouchers/"+v.ID, env.login(c.t, identity.RoleCitizen), "", http.StatusNotFound)
	var tok vouchers.Token
	c.json(&tok, "GET", "/api/v1/vouchers/"+v.ID+"/qr", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/vouchers/"+v.ID+"/qr.png", citizen, "", http.StatusOK)
	var w api.WalletView
	if c.json(&w, "GET", "/api/v1/wallet", citizen, "", http.StatusOK); len(w.Items) != 1 {
		c.t.Errorf("the wallet shows %d items, want the voucher", len(w.Items))
	}

	staff := env.login(c.t, identity.RoleMerchant, shop.ID)
	c.do("POST", "/api/v1/merchant/vouchers/preview", staff, `{"code":"`+tok.Token+`"}`, http.StatusOK)
	made, _ := qrtoken.NewCode()
	c.do("POST", "/api/v1/merchant/vouchers/preview", staff, `{"code":"`+made+`"}`, http.StatusNotFound)
	c.do("POST", "/api/v1/merchant/vouchers/preview", staff, `{"code":"not-a-code"}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/merchant/vouchers/preview", citizen, `{"code":"`+tok.Token+`"}`, http.StatusForbidden)
	redeem := `{"code":"` + tok.Token + `","purchase_cents":600}`
	var red api.RedemptionReply
	c.json(&red, "POST", "/api/v1/merchant/vouchers/redeem", staff, redeem, http.StatusCreated, "Idempotency-Key: redeem-1")
	c.do("POST", "/api/v1/merchant/vouchers/redeem", staff, redeem, http.StatusCreated, "Idempotency-Key: redeem-1")
	c.do("POST", "/api/v1/merchant/vouchers/redeem", staff, redeem, http.StatusBadRequest)
	c.do("POST", "/api/v1/merchant/vouchers/redeem?shop="+other.ID, staff, redeem, http.StatusForbidden, "Idempotency-Key: redeem-2")
	c.do("POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse", staff, "", http.StatusOK, "Idempotency-Key: reverse-1")
	c.do("POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse", staff, "", http.StatusConflict, "Idempotency-Key: reverse-2")
	c.do("POST", "/api/v1/merchant/vouchers/redeem", staff, `{"code":"`+v.TypedCode+`","purchase_cents":700}`, http.StatusCreated, "Idempotency-Key: redeem-3")
	c.do("GET", "/api/v1/vouchers/"+v.ID, citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/merchant/redemptions/today", staff, "", http.StatusOK)
	c.do("GET", "/api/v1/merchant/balance", staff, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/campaigns/"+camp.ID+"/uptake", admin, "", http.StatusOK)

	// Settlement once the reversal window has passed.
	c.do("POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`"}`, http.StatusConflict, "Idempotency-Key: settle-0")
	skew.Store(int64(vouchers.ReversalWindow + time.Minute))
	c.do("GET", "/api/v1/admin/shops/"+shop.ID+"/settlement-due", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/shops/shp_none/settlement-due", admin, "", http.StatusNotFound)
	var st vouchers.Settlement
	c.json(&st, "POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`"}`, http.StatusCreated, "Idempotency-Key: settle-1")
	if rec := c.do("POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`"}`, http.StatusCreated, "Idempotency-Key: settle-1"); rec.Header().Get("Idempotent-Replayed") != "true" {
		c.t.Error("a replayed settlement is not marked Idempotent-Replayed")
	}
	c.do("POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`","period_end":"yesterday"}`, http.StatusBadRequest, "Idempotency-Key: settle-2")
	c.do("GET", "/api/v1/admin/settlements?shop_id="+shop.ID, admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/settlements/"+st.ID, admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/settlements/"+st.ID+"?format=csv", admin, "", http.StatusOK)
	c.do("POST", "/api/v1/admin/settlements/"+st.ID+"/paid", admin, `{"payment_ref":"SEPA-2026-001"}`, http.StatusOK, "Idempotency-Key: paid-1")
	c.do("GET", "/api/v1/merchant/statements", staff, "", http.StatusOK)
	c.do("GET", "/api/v1/merchant/statements/"+st.ID, staff, "", http.StatusOK)
	c.do("GET", "/api/v1/merchant/statements/"+st.ID, env.login(c.t, identity.RoleMerchant, other.ID), "", http.StatusNotFound)
	// Staff of both shops read a statement under the shop they name, and
	// not under the other.
	both, bothBearer := env.account(c.t, identity.RoleMerchant, shop.ID)
	if _, err := env.Identity.SetGrants(context.Background(), identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}},
		both.ID, []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}, {Role: identity.RoleMerchant, Scope: other.ID}}); err != nil {
		c.t.Fatal(err)
	}
	c.do("GET", "/api/v1/merchant/statements/"+st.ID+"?shop="+shop.ID, bothBearer, "", http.StatusOK)
	c.do("GET", "/api/v1/merchant/statements/"+st.ID+"?shop="+other.ID, bothBearer, "", http.StatusNotFound)
	c.do("GET", "/api/v1/admin/voucher-audit?since=2026-01-01T00:00:00Z", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/voucher-audit?format=csv", admin, "", http.StatusOK)
	if rec := c.do("GET", "/api/v1/admin/voucher-audit?since=yesterday", admin, "", http.StatusBadRequest); !strings.Contains(rec.Body.String(), `"reason":"bad_since"`) {
		c.t.Errorf("since=yesterday: %s, want reason bad_since", rec.Body.String())
	}
	c.do("POST", "/api/v1/admin/campaigns/"+camp.ID+"/pause", admin, "", http.StatusOK)
	c.do("POST", "/api/v1/admin/campaigns/"+camp.ID+"/close", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/open/vouchers/stats", "", "", http.StatusOK)
	c.do("GET", "/api/v1/open/vouchers/stats.csv", "", "", http.StatusOK)
	c.do("GET", "/api/v1/open/dcat-ap_it.rdf", "", "", http.StatusOK)
	c.do("GET", "/api/v1/open/dcat-ap_it.jsonld", "", "", http.StatusOK)
}

func contractMobility(c *contract, m *mobilitytest.Env) {
	env := c.env
	admin := env.login(c.t, identity.RoleAdmin)
	operator := env.login(c.t, identity.RoleOperator)
	_, citizen := env.account(c.t, identity.RoleCitizen)
	st := m.Stations[0]

	c.do("GET", "/api/v1/mobility/stations", "", "", http.StatusOK)
	c.do("GET", "/api/v1/mobility/stations?lat=41.1338&lon=14.7826", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/mobility/stations?lat=north&lon=1", "", "", http.StatusBadRequest)
	c.do("GET", "/api/v1/mobility/stations/"+st.ID, "", "", http.StatusOK)
	c.do("GET", "/api/v1/mobility/stations/nope", "", "", http.StatusNotFound)

	unlock := `{"station_id":"` + st.ID + `","dock":1}`
	c.do("POST", "/api/v1/mobility/unlock", citizen, unlock, http.StatusPaymentRequired, "Idempotency-Key: unlock-poor")
	c.do("POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`"}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":1000}`, http.StatusCreated, "Idempotency-Key: ride-credit")
	var ride mobility.Ride
	c.json(&ride, "POST", "/api/v1/mobility/unlock", citizen, unlock, http.StatusCreated, "Idempotency-Key: unlock-1")
	c.do("POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`","dock":2}`, http.StatusConflict)
	c.do("GET", "/api/v1/mobility/rides/current", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/operator/mobility/stations", operator, "", http.StatusOK)
	c.do("GET", "/api/v1/operator/mobility/stations", citizen, "", http.StatusForbidden)
	c.do("GET", "/api/v1/operator/mobility/stations/"+st.ID+"/occupancy", operator, "", http.StatusOK)
	c.do("PUT", "/api/v1/operator/mobility/stations/"+m.Stations[1].ID+"/docks/2", operator, `{"in_service":false,"note":"lock jammed"}`, http.StatusOK)
	c.do("PUT", "/api/v1/operator/mobility/stations/"+m.Stations[1].ID+"/docks/99", operator, `{"in_service":false}`, http.StatusBadRequest)
	c.do("PUT", "/api/v1/operator/mobility/stations/"+m.Stations[1].ID+"/status", admin, `{"open":false}`, http.StatusOK)
	c.do("PUT", "/api/v1/operator/mobility/stations/nope/status", operator, `{"open":true}`, http.StatusNotFound)

	// Station credentials and incidents.
	cred := "/api/v1/admin/mobility/stations/" + st.ID + "/credential"
	c.do("POST", cred, citizen, "", http.StatusForbidden)
	c.do("GET", cred, operator, "", http.StatusNotFound)
	c.do("POST", "/api/v1/admin/mobility/stations/nope/credential", operator, "", http.StatusNotFound)
	issued := c.do("POST", cred, operator, "", http.StatusCreated, "Idempotency-Key: cred-1")
	if issued.Header().Get("Cache-Control") != "no-store" || !strings.Contains(issued.Body.String(), `"secret":"`) {
		c.t.Errorf("issued credential: Cache-Control %q, body %s", issued.Header().Get("Cache-Control"), issued.Body)
	}
	// The secret is never kept for a replay: the same key again is a new
	// request, refused since the credential exists.
	if again := c.do("POST", cred, operator, "", http.StatusConflict, "Idempotency-Key: cred-1"); strings.Contains(again.Body.String(), `"secret":`) {
		c.t.Errorf("a keyed retry got the secret again: %s", again.Body)
	}
	if got := c.do("GET", cred, operator, "", http.StatusOK); strings.Contains(got.Body.String(), "secret") {
		c.t.Errorf("a credential read shows its secret: %s", got.Body)
	}
	c.do("GET", "/api/v1/admin/mobility/credentials", operator, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/mobility/credentials", citizen, "", http.StatusForbidden)
	if rotated := c.do("POST", cred+"/rotate", operator, "", http.StatusOK); rotated.Header().Get("Cache-Control") != "no-store" {
		c.t.Error("a rotated secret may be cached")
	}
	c.do("DELETE", cred, operator, "", http.StatusOK)
	c.do("DELETE", cred, operator, "", http.StatusNotFound)
	c.do("POST", cred+"/rotate", operator, "", http.StatusNotFound)
	m.FailedUnlock(c.t, st.ID, "cmd_late_contract")
	if _, err := m.Svc.UnlockConfirmedLate(context.Background(), identity.System(), st.ID, "cmd_late_contract", time.Now()); err != nil {
		c.t.Fatal(err)
	}
	var incidents struct {
		Incidents []mobility.Incident `json:"incidents"`
	}
	c.json(&incidents, "GET", "/api/v1/operator/mobility/incidents?open=true", operator, "", http.StatusOK)
	c.do("GET", "/api/v1/operator/mobility/incidents", citizen, "", http.StatusForbidden)
	for _, bad := range []string{"1", "TRUE", "maybe"} {
		// Not taken as false, which would list the resolved ones too.
		c.do("GET", "/api/v1/operator/mobility/incidents?open="+bad, operator, "", http.StatusBadRequest)
	}
	if len(incidents.Incidents) != 1 {
		c.t.Fatalf("open incidents %+v", incidents.Incidents)
	}
	c.do("POST", "/api/v1/operator/mobility/incidents/"+incidents.Incidents[0].ID+"/resolve", operator, "", http.StatusNoContent)
	c.do("POST", "/api/v1/operator/mobility/incidents/"+incidents.Incidents[0].ID+"/resolve", operator, "", http.StatusNotFound)
	c.do("POST", "/api/v1/operator/mobility/stations/"+m.Stations[1].ID+"/reset", operator, "", http.StatusNoContent)
	c.do("POST", "/api/v1/operator/mobility/stations/nope/reset", operator, "", http.StatusNotFound)
	c.do("POST", "/api/v1/operator/mobility/stations/"+m.Stations[1].ID+"/reset", citizen, "", http.StatusForbidden)
	c.do("GET", "/api/v1/mobility/stations/"+m.Stations[1].ID, "", "", http.StatusOK)

	if _, _, err := m.Sim.Dock(ride.BikeID, m.Stations[1].ID); err != nil {
		c.t.Fatal(err)
	}
	testutil.Eventually(c.t, 5*time.Second, "ride ended", func() bool {
		return env.do(c.t, "GET", "/api/v1/mobility/rides/current", citizen, "").Code == http.StatusNotFound
	})
	c.do("GET", "/api/v1/mobility/rides/current", citizen, "", http.StatusNotFound)
	c.do("GET", "/api/v1/mobility/rides?limit=5", citizen, "", http.StatusOK)
	c.do("GET", "/api/v1/mobility/rides?limit=1000", citizen, "", http.StatusBadRequest)

	// Favourite stations and the rider's own fault reports.
	c.do("GET", "/api/v1/mobility/favourites", citizen, "", http.StatusOK)
	c.do("PUT", "/api/v1/mobility/favourites/"+st.ID, citizen, "", http.StatusOK)
	c.do("PUT", "/api/v1/mobility/favourites/nope", citizen, "", http.StatusNotFound)
	c.do("PUT", "/api/v1/mobility/favourites/"+st.ID, operator, "", http.StatusForbidden)
	var favs struct {
		StationIDs []string `json:"station_ids"`
	}
	if c.json(&favs, "GET", "/api/v1/mobility/favourites", citizen, "", http.StatusOK); len(favs.StationIDs) != 1 || favs.StationIDs[0] != st.ID {
		c.t.Errorf("favourites %v, want [%s]", favs.StationIDs, st.ID)
	}
	c.do("DELETE", "/api/v1/mobility/favourites/"+st.ID, citizen, "", http.StatusOK)
	c.do("DELETE", "/api/v1/mobility/favourites/"+st.ID, "", "", http.StatusUnauthorized)
	report := `{"station_id":"` + st.ID + `","target":"bike","bike_id":"` + ride.BikeID + `","description":"La catena salta"}`
	var filed, again mobility.MyReport
	c.json(&filed, "POST", "/api/v1/mobility/fault-reports", citizen, report, http.StatusCreated)
	// The same bike again, under another key: the open report answers.
	if c.json(&again, "POST", "/api/v1/mobility/fault-reports", citizen, report, http.StatusOK); again.ID != filed.ID {
		c.t.Errorf("a second report of the same bike made %s besides %s", again.ID, filed.ID)
	}
	c.do("POST", "/api/v1/mobility/fault-reports", citizen, `{"station_id":"`+st.ID+`","target":"wheel","description":"rotta"}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/mobility/fault-reports", citizen, `{"station_id":"`+st.ID+`","target":"dock","dock":"3","description":"rotta"}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/mobility/fault-reports", citizen, `{"station_id":"`+st.ID+`","target":"bike","bike_id":"zz-9","description":"rotta"}`, http.StatusNotFound)
	c.do("POST", "/api/v1/mobility/fault-reports", operator, report, http.StatusForbidden)
	var mine struct {
		Reports []mobility.MyReport `json:"reports"`
	}
	if c.json(&mine, "GET", "/api/v1/mobility/fault-reports", citizen, "", http.StatusOK); len(mine.Reports) != 1 || mine.Reports[0].ID != filed.ID {
		c.t.Errorf("the rider's reports %+v, want the one filed", mine.Reports)
	}
	c.do("GET", "/api/v1/mobility/fault-reports", operator, "", http.StatusForbidden)

	// The catalogue, each kind through its five routes.
	for _, k := range []struct{ path, create, replace string }{
		{"pricing-plans", `{"id":"night","name_it":"Notte","name_en":"Night","unlock_cents":0,"per_min_pricing":[{"start":0,"rate_cents":5,"interval":1}]}`,
			`{"name_it":"Notte","name_en":"Night","unlock_cents":50,"per_min_pricing":[{"start":0,"rate_cents":5,"interval":1,"end":60}]}`},
		{"vehicle-types", `{"id":"cargo","name_it":"Cargo","name_en":"Cargo","propulsion":"electric_assist","max_range_meters":40000,"pricing_plan_id":"night"}`,
			`{"name_it":"Cargo elettrica","propulsion":"electric_assist","max_range_meters":35000,"pricing_plan_id":"night"}`},
		{"bikes", `{"id":"cargo-1","vehicle_type_id":"cargo","active":true}`, `{"vehicle_type_id":"cargo","active":false}`},
		{"stations", `{"id":"piazza-roma","name_it":"Piazza Roma","name_en":"Rome Square","address":"Piazza Roma","lat":41.13,"lon":14.78,"capacity":12,"open":true}`,
			`{"name_it":"Piazza Roma","lat":41.131,"lon":14.781,"capacity":10,"open":false}`},
	} {
		base := "/api/v1/admin/mobility/" + k.path
		id := k.create[strings.Index(k.create, `"id":"`)+6:]
		id = id[:strings.Index(id, `"`)]
		if k.path != "stations" {
			c.do("POST", base, admin, k.create, http.StatusCreated)
		} else {
			// Registering a station issues its credential; the secret is
			// not kept for a replay: the same key again is a new request.
			key := "Idempotency-Key: register-" + id
			created := c.do("POST", base, admin, k.create, http.StatusCreated, key)
			if created.Header().Get("Cache-Control") != "no-store" || !strings.Contains(created.Body.String(), `"secret":"`) {
				c.t.Errorf("registered station: Cache-Control %q, body %s", created.Header().Get("Cache-Control"), created.Body)
			}
			if again := c.do("POST", base, admin, k.create, http.StatusConflict, key); strings.Contains(again.Body.String(), `"secret":`) {
				c.t.Errorf("a keyed retry got the secret again: %s", again.Body)
			}
		}
		c.do("POST", base, admin, k.create, http.StatusConflict)
		c.do("GET", base, admin, "", http.StatusOK)
		c.do("GET", base, operator, "", http.StatusForbidden)
		c.do("GET", base+"/"+id, admin, "", http.StatusOK)
		c.do("GET", base+"/ghost", admin, "", http.StatusNotFound)
		c.do("PUT", base+"/"+id, admin, k.replace, http.StatusOK)
		c.do("PUT", base+"/ghost", admin, k.replace, http.StatusNotFound)
		c.do("POST", base, admin, `{"id":"Bad/Id"}`, http.StatusBadRequest)
	}
	c.do("DELETE", "/api/v1/admin/mobility/pricing-plans/night", admin, "", http.StatusConflict)
	for _, p := range []string{"stations/piazza-roma", "bikes/cargo-1", "vehicle-types/cargo", "pricing-plans/night"} {
		c.do("DELETE", "/api/v1/admin/mobility/"+p, admin, "", http.StatusNoContent)
	}
}

func contractOperations(c *contract) {
	rec := c.do("GET", "/api/v1/openapi.json", "", "", http.StatusOK)
	etag := rec.Header().Get("ETag")
	if !bytes.Equal(rec.Body.Bytes(), api.OpenAPIDocument()) || rec.Header().Get("Content-Type") != "application/json" ||
		!strings.Contains(rec.Header().Get("Cache-Control"), "max-age=") || len(etag) < 3 {
		c.t.Errorf("the document is not served as it is embedded, as cacheable JSON: %v", rec.Header())
	}
	c.do("GET", "/metrics", "Bearer "+testMetricsToken, "", http.StatusOK)
	if rec := c.do("GET", "/api/v1/openapi.json", "", "", http.StatusNotModified, "If-None-Match: "+etag); rec.Body.Len() != 0 {
		c.t.Error("304 with a body")
	}
	c.do("GET", "/healthz", "", "", http.StatusOK)
	c.do("GET", "/readyz", "", "", http.StatusOK)
	c.do("GET", "/.well-known/jwks.json", "", "", http.StatusOK)
	c.do("GET", "/gbfs/v3/gbfs.json", "", "", http.StatusNotFound)
	c.do("GET", "/api/v1/no/such/thing", "", "", http.StatusNotFound)
}

// Every row of the role × endpoint table that each area keeps (authzCases)
// is also an answer the document must describe: its status listed for the
// operation, its body valid against the schema. Rows an area adds later are
// checked here without more work.
func TestOpenAPIRoleTable(t *testing.T) {
	t.Parallel()
	v := newContractValidator(t, loadOpenAPI(t))
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	c := newContract(t, env, v)
	other, _ := env.account(t, identity.RoleCitizen)
	callers := authzCallers{env: env, shared: map[identity.Role]authzCaller{}}
	for _, row := range authzCases {
		auth, me := "", "anon"
		if row.role != "" {
			who := callers.of(t, row)
			auth, me = who.auth, who.id
		}
		subst := strings.NewReplacer("{me}", me, "{other}", other.ID)
		c.do(row.method, subst.Replace(row.path), auth, subst.Replace(row.body), row.want)
	}
	if len(c.covered) < 30 {
		t.Errorf("the role table reached only %d operations", len(c.covered))
	}
}
