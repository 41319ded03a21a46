package web

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/qrtoken"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/web/api"
)

const validCampaign = `{"name":"Natale in contrada","budget_cents":100000,"face_value_cents":1000,"per_citizen_limit":1,"valid_from":"2026-01-01","valid_until":"2099-12-31"}`

func init() {
	authzConfigure = append(authzConfigure, func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	code, _ := qrtoken.NewCode()
	fakeCode := `{"code":"` + code + `"}`
	for _, role := range []identity.Role{"", identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator, identity.RoleAdmin} {
		admin := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[role == identity.RoleAdmin]
		adminCreate := map[bool]int{true: http.StatusCreated, false: http.StatusForbidden}[role == identity.RoleAdmin]
		citizen := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[role == identity.RoleCitizen]
		merchant := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[role == identity.RoleMerchant]
		// Only shop staff may look a code up; for them an unknown code is 404.
		preview := map[bool]int{true: http.StatusNotFound, false: http.StatusForbidden}[role == identity.RoleMerchant]
		if role == "" {
			admin, adminCreate, citizen, merchant, preview = 401, 401, 401, 401, 401
		}
		authzCases = append(authzCases,
			authzCase{"GET", "/api/v1/admin/shops", role, "", admin},
			authzCase{"GET", "/api/v1/admin/campaigns", role, "", admin},
			authzCase{"POST", "/api/v1/admin/campaigns", role, validCampaign, adminCreate},
			authzCase{"GET", "/api/v1/admin/settlements", role, "", admin},
			authzCase{"GET", "/api/v1/admin/voucher-audit", role, "", admin},
			authzCase{"GET", "/api/v1/campaigns", role, "", citizen},
			authzCase{"GET", "/api/v1/vouchers", role, "", citizen},
			authzCase{"POST", "/api/v1/merchant/vouchers/preview", role, fakeCode, preview},
			authzCase{"GET", "/api/v1/merchant/redemptions/today", role, "", merchant},
			authzCase{"GET", "/api/v1/merchant/statements", role, "", merchant},
			authzCase{"GET", "/api/v1/open/vouchers/stats", role, "", http.StatusOK},
		)
	}
}

// vreq sends a request with extra headers ("Key: value").
func vreq(t *testing.T, env *testEnv, method, path, auth, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.10:5555"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	return rec
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
}

func TestVoucherAPIScenario(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, authzConfigure...)
			admin := env.login(t, identity.RoleAdmin)

			res := vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Forno San Lorenzo","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"}`)
			wantStatus(t, res, http.StatusCreated)
			var shop vouchers.Shop
			decodeInto(t, res, &shop)
			res = vreq(t, env, "POST", "/api/v1/admin/shops", admin, `{"name":"Libri","address":"Corso 1","district":"centro","category":"books","iban":"IT60 X054 2811 1010 0000 0123 456"}`)
			var other vouchers.Shop
			decodeInto(t, res, &other)

			// Bad input: 400 problem+json, nothing created.
			for name, body := range map[string]string{
				"fractional cents": `{"name":"X","budget_cents":100.5,"face_value_cents":10,"per_citizen_limit":1,"valid_from":"2026-01-01","valid_until":"2026-02-01"}`,
				"negative budget":  `{"name":"X","budget_cents":-100,"face_value_cents":10,"per_citizen_limit":1,"valid_from":"2026-01-01","valid_until":"2026-02-01"}`,
				"dates backwards":  `{"name":"X","budget_cents":100,"face_value_cents":10,"per_citizen_limit":1,"valid_from":"2026-03-01","valid_until":"2026-02-01"}`,
				"bad date":         `{"name":"X","budget_cents":100,"face_value_cents":10,"per_citizen_limit":1,"valid_from":"01/03/2026","valid_until":"2026-02-01"}`,
				"unknown field":    `{"name":"X","budget":100}`,
			} {
				res := vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, body)
				if res.Code != http.StatusBadRequest {
					t.Fatalf("%s: status %d: %s", name, res.Code, res.Body.String())
				}
				wantProblem(t, res, http.StatusBadRequest)
			}
			res = vreq(t, env, "GET", "/api/v1/admin/campaigns", admin, "")
			if !strings.Contains(res.Body.String(), `"campaigns":[]`) {
				t.Fatalf("refused campaigns were created: %s", res.Body.String())
			}

			res = vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign)
			wantStatus(t, res, http.StatusCreated)
			var camp vouchers.Campaign
			decodeInto(t, res, &camp)
			wantStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, ""), http.StatusOK)
			wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/explode", admin, ""), http.StatusNotFound)

			citizen := env.login(t, identity.RoleCitizen)
			wantProblem(t, vreq(t, env, "POST", "/api/v1/campaigns/cmp_nope/claim", citizen, ""), http.StatusNotFound)
			res = vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, "")
			wantStatus(t, res, http.StatusCreated)
			var v vouchers.VoucherView
			decodeInto(t, res, &v)
			if v.TypedCode == "" || v.RemainingCents != 1000 {
				t.Fatalf("claimed %+v", v)
			}
			wantProblem(t, vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, ""), http.StatusConflict)
			res = vreq(t, env, "GET", "/api/v1/campaigns/"+camp.ID+"/shops", citizen, "")
			if wantStatus(t, res, http.StatusOK); strings.Contains(res.Body.String(), "IT60") {
				t.Fatalf("citizens see shop IBANs: %s", res.Body.String())
			}

			res = vreq(t, env, "GET", "/api/v1/vouchers/"+v.ID+"/qr", citizen, "")
			wantStatus(t, res, http.StatusOK)
			var tok vouchers.Token
			decodeInto(t, res, &tok)
			res = vreq(t, env, "GET", "/api/v1/vouchers/"+v.ID+"/qr.png", citizen, "")
			wantStatus(t, res, http.StatusOK)
			if _, err := png.Decode(bytes.NewReader(res.Body.Bytes())); err != nil {
				t.Fatalf("qr.png is not a PNG: %v", err)
			}
			// Another citizen cannot get this voucher's QR.
			wantProblem(t, vreq(t, env, "GET", "/api/v1/vouchers/"+v.ID+"/qr", env.login(t, identity.RoleCitizen), ""), http.StatusNotFound)

			staff := env.login(t, identity.RoleMerchant, shop.ID)
			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/preview", staff, `{"code":"`+tok.Token+`"}`)
			wantStatus(t, res, http.StatusOK)
			var before vouchers.Preview
			if decodeInto(t, res, &before); !before.Eligible || before.Problem != "" {
				t.Fatalf("preview of a voucher the till may redeem: %+v", before)
			}
			// A merchant of shop A naming shop B is refused.
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem?shop="+other.ID, staff, `{"code":"`+tok.Token+`","purchase_cents":2000}`, "Idempotency-Key: a1"), http.StatusForbidden)
			// A shop id in the body is not a field the till may send.
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, `{"code":"`+tok.Token+`","purchase_cents":2000,"shop_id":"`+other.ID+`"}`, "Idempotency-Key: a2"), http.StatusBadRequest)
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, `{"code":"`+tok.Token+`","purchase_cents":2000}`), http.StatusBadRequest)
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, `{"code":"`+tok.Token+`","purchase_cents":12.5}`, "Idempotency-Key: a3"), http.StatusBadRequest)
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, `{"code":"`+tok.Token+`","purchase_cents":-1}`, "Idempotency-Key: a4"), http.StatusBadRequest)

			body := `{"code":"` + tok.Token + `","purchase_cents":2350}`
			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, body, "Idempotency-Key: k1", "X-Device-Id: till-7")
			wantStatus(t, res, http.StatusCreated)
			var red api.RedemptionReply
			decodeInto(t, res, &red)
			if red.AmountCents != 1000 || red.ToPayCents != 1350 || red.ShopID != shop.ID {
				t.Fatalf("redemption %+v", red)
			}
			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, body, "Idempotency-Key: k1")
			wantStatus(t, res, http.StatusCreated)
			if res.Header().Get("Idempotent-Replayed") != "true" || !strings.Contains(res.Body.String(), red.ID) {
				t.Fatalf("replay: %v %s", res.Header(), res.Body.String())
			}
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, `{"code":"`+tok.Token+`","purchase_cents":2400}`, "Idempotency-Key: k1"), http.StatusConflict)
			// Used up, it is described still, but not as one to redeem: a
			// till offers the button on eligible_here alone.
			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/preview", staff, `{"code":"`+tok.Token+`"}`)
			wantStatus(t, res, http.StatusOK)
			var after vouchers.Preview
			if decodeInto(t, res, &after); after.Eligible || after.Problem == "" || after.ProblemReason != "voucher_used" || after.Status != "used" {
				t.Fatalf("preview of a used voucher: %+v", after)
			}
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, body, "Idempotency-Key: k2"), http.StatusConflict)

			// Reverse once; the second is a conflict, its replay the first answer.
			wantStatus(t, vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse", staff, "", "Idempotency-Key: r1"), http.StatusOK)
			res = vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse", staff, "", "Idempotency-Key: r1")
			if wantStatus(t, res, http.StatusOK); res.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatal("reverse replay not marked")
			}
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse", staff, "", "Idempotency-Key: r2"), http.StatusConflict)
			// Staff of another shop does not see it.
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+red.ID+"/reverse", env.login(t, identity.RoleMerchant, other.ID), "", "Idempotency-Key: r3"), http.StatusNotFound)
			// A key refused once (no such redemption) is not free for
			// another redemption: the first answer was the key's.
			wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/redemptions/vrd_nope/reverse", staff, "", "Idempotency-Key: r4"), http.StatusNotFound)
			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, `{"code":"`+v.TypedCode+`","purchase_cents":100}`, "Idempotency-Key: k4")
			wantStatus(t, res, http.StatusCreated)
			var second api.RedemptionReply
			decodeInto(t, res, &second)
			if p := wantProblem(t, vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+second.ID+"/reverse", staff, "", "Idempotency-Key: r4"), http.StatusConflict); p.Reason != "idempotency_key_reused" {
				t.Fatalf("a refused key reused for another redemption: %+v", p)
			}
			wantStatus(t, vreq(t, env, "POST", "/api/v1/merchant/redemptions/"+second.ID+"/reverse", staff, "", "Idempotency-Key: r5"), http.StatusOK)

			// Redeem by typed code.
			res = vreq(t, env, "POST", "/api/v1/merchant/vouchers/redeem", staff, `{"code":"`+v.TypedCode+`","purchase_cents":1500}`, "Idempotency-Key: k3")
			wantStatus(t, res, http.StatusCreated)
			res = vreq(t, env, "GET", "/api/v1/merchant/redemptions/today", staff, "")
			var day vouchers.DayReport
			decodeInto(t, res, &day)
			if day.Count != 1 || day.TotalCents != 1000 || len(day.Redemptions) != 3 {
				t.Fatalf("today %+v", day)
			}
			res = vreq(t, env, "GET", "/api/v1/merchant/balance", staff, "")
			var bal vouchers.Balance
			if decodeInto(t, res, &bal); bal.OwedCents != 1000 {
				t.Fatalf("balance %+v", bal)
			}
			res = vreq(t, env, "GET", "/api/v1/vouchers/"+v.ID, citizen, "")
			if wantStatus(t, res, http.StatusOK); !strings.Contains(res.Body.String(), `"status":"used"`) {
				t.Fatalf("voucher after use: %s", res.Body.String())
			}

			// Settlement: nothing yet (still reversible); uptake and open data.
			wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`"}`, "Idempotency-Key: s1"), http.StatusConflict)
			wantProblem(t, vreq(t, env, "POST", "/api/v1/admin/settlements", admin, `{"shop_id":"`+shop.ID+`","period_end":"2999-01-01T00:00:00Z"}`, "Idempotency-Key: s2"), http.StatusBadRequest)
			res = vreq(t, env, "GET", "/api/v1/admin/campaigns/"+camp.ID+"/uptake", admin, "")
			var u vouchers.Uptake
			if decodeInto(t, res, &u); u.ClaimedCount != 1 || u.RedeemedCents != 1000 || u.BudgetLeftCents != 99000 {
				t.Fatalf("uptake %+v", u)
			}
			res = vreq(t, env, "GET", "/api/v1/open/vouchers/stats", "", "")
			if wantStatus(t, res, http.StatusOK); !strings.Contains(res.Body.String(), `"license":"CC-BY-4.0"`) || strings.Contains(res.Body.String(), v.ID) {
				t.Fatalf("open stats: %s", res.Body.String())
			}
			if cc := res.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") || res.Header().Get("Last-Modified") == "" {
				t.Fatalf("open stats' cache headers: %v", res.Header())
			}
			res = vreq(t, env, "GET", "/api/v1/open/vouchers/stats.csv", "", "")
			if wantStatus(t, res, http.StatusOK); !strings.HasPrefix(res.Header().Get("Content-Type"), "text/csv") || !strings.Contains(res.Body.String(), "CC-BY-4.0") {
				t.Fatalf("open csv: %s", res.Body.String())
			}
			res = vreq(t, env, "GET", "/api/v1/admin/voucher-audit?format=csv", admin, "")
			if wantStatus(t, res, http.StatusOK); !strings.Contains(res.Body.String(), "voucher.redeem") || !strings.Contains(res.Body.String(), "till-7") || !strings.Contains(res.Body.String(), "192.0.2.10") {
				t.Fatalf("audit csv: %s", res.Body.String())
			}
			// A format other than csv is refused, where it was answered
			// as JSON without a word.
			for _, path := range []string{"/api/v1/admin/voucher-audit?format=xml", "/api/v1/admin/voucher-audit?format=CSV"} {
				if p := wantProblem(t, vreq(t, env, "GET", path, admin, ""), http.StatusBadRequest); p.Reason != "bad_format" {
					t.Fatalf("%s: %+v", path, p)
				}
			}
		})
	}
}

// Someone who is not shop staff learns nothing about codes: a real and a
// made-up typed code get the same answer.
func TestVoucherAPICodeExistenceHidden(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	admin := env.login(t, identity.RoleAdmin)
	res := vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign)
	var camp vouchers.Campaign
	decodeInto(t, res, &camp)
	vreq(t, env, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, "")
	citizen := env.login(t, identity.RoleCitizen)
	var v vouchers.VoucherView
	decodeInto(t, vreq(t, env, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, ""), &v)
	for _, who := range []string{citizen, env.login(t, identity.RoleDoor), admin} {
		real := vreq(t, env, "POST", "/api/v1/merchant/vouchers/preview", who, `{"code":"`+v.TypedCode+`"}`)
		made, _ := qrtoken.NewCode()
		fake := vreq(t, env, "POST", "/api/v1/merchant/vouchers/preview", who, `{"code":"`+made+`"}`)
		if real.Code != fake.Code || real.Body.String() != fake.Body.String() {
			t.Fatalf("answers differ: %d %s / %d %s", real.Code, real.Body, fake.Code, fake.Body)
		}
		wantProblem(t, real, http.StatusForbidden)
	}
}

// Two hubs on one PostgreSQL: a voucher redeemed through one is refused as
// used through the other, and a QR token signed by one verifies on the other
// (the keys live in the database).
func TestVoucherRedeemedOnOneHubIsUsedOnTheOther(t *testing.T) {
	t.Parallel()
	_, envA := newTestServer(t, "postgres", authzConfigure...)
	keysB, err := keyring.Load(context.Background(), envA.DB.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	hubB := New(Deps{Log: storetest.Logger(t), PublicURL: testIssuer, Identity: identity.NewService(envA.DB.Identity(), keysB,
		identity.Options{Issuer: testIssuer, Argon2: identity.FastArgon2}, nil), Keys: keysB,
		Vouchers: vouchers.NewService(envA.DB.Vouchers(), keysB, nil)})
	envB := &testEnv{Engine: "postgres", DB: envA.DB, Keys: keysB, Server: hubB}

	admin := envA.login(t, identity.RoleAdmin)
	res := vreq(t, envA, "POST", "/api/v1/admin/shops", admin, `{"name":"Forno","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60X0542811101000000123456"}`)
	var shop vouchers.Shop
	decodeInto(t, res, &shop)
	var camp vouchers.Campaign
	decodeInto(t, vreq(t, envA, "POST", "/api/v1/admin/campaigns", admin, validCampaign), &camp)
	wantStatus(t, vreq(t, envA, "POST", "/api/v1/admin/campaigns/"+camp.ID+"/open", admin, ""), http.StatusOK)
	citizen := envA.login(t, identity.RoleCitizen)
	var v vouchers.VoucherView
	decodeInto(t, vreq(t, envA, "POST", "/api/v1/campaigns/"+camp.ID+"/claim", citizen, ""), &v)
	var tok vouchers.Token
	decodeInto(t, vreq(t, envA, "GET", "/api/v1/vouchers/"+v.ID+"/qr", citizen, ""), &tok)

	staffAccount, staff := envA.account(t, identity.RoleMerchant, shop.ID)
	body := `{"code":"` + tok.Token + `","purchase_cents":2000}`
	wantStatus(t, vreq(t, envA, "POST", "/api/v1/merchant/vouchers/redeem", staff, body, "Idempotency-Key: hub-a"), http.StatusCreated)
	// Hub B accepts hub A's access token and QR token, and refuses the voucher as used.
	p := wantProblem(t, vreq(t, envB, "POST", "/api/v1/merchant/vouchers/redeem", staff, body, "Idempotency-Key: hub-b"), http.StatusConflict)
	if p.Reason != "voucher_used" {
		t.Fatalf("hub B: %+v", p)
	}
	// The till's retry through hub B with the first key gets hub A's answer.
	res = vreq(t, envB, "POST", "/api/v1/merchant/vouchers/redeem", staff, body, "Idempotency-Key: hub-a")
	if wantStatus(t, res, http.StatusCreated); res.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatal("retry through the other hub was not a replay")
	}
	// The holder sees where, when and how much, not who served at the till.
	res = vreq(t, envB, "GET", "/api/v1/vouchers/"+v.ID, citizen, "")
	wantStatus(t, res, http.StatusOK)
	raw := res.Body.String()
	var seen vouchers.VoucherView
	decodeInto(t, res, &seen)
	if len(seen.Redemptions) != 1 || seen.Redemptions[0].ShopName != "Forno" || seen.Redemptions[0].PurchaseCents != 2000 {
		t.Fatalf("holder's redemptions: %+v", seen.Redemptions)
	}
	for _, hidden := range []string{"staff_id", "device", "settlement_id", "reversed_by", staffAccount.ID} {
		if strings.Contains(raw, hidden) {
			t.Errorf("the holder's voucher shows %q: %s", hidden, raw)
		}
	}
}
