package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// An amount too large (or too negative) to hold in cents is out of its
// field's range, as an amount just past the field's bound is: the JSON API
// answers the two alike (status, reason and words), with the operation's
// own reason, where a 20-digit number was 400 wrong_type. Each amount a
// body carries is tried: a purchase at the till, a top-up, a campaign's
// budget, face value and minimum spend, a performance's price and a bike
// pricing plan's fees. Written with an exponent (1e30), as JSON allows, a
// number is answered as its digits are, where it was 400 wrong_type.
func TestAPIAmountBeyondCentsOutOfRange(t *testing.T) {
	t.Parallel()
	const huge = "99999999999999999999" // beyond int64
	over := func(n int64) string { return strconv.FormatInt(n+1, 10) }
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, authzConfigure...)
			admin := env.login(t, identity.RoleAdmin)
			staff := env.login(t, identity.RoleMerchant)
			citizen := env.login(t, identity.RoleCitizen)
			var venue ticketing.Venue
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/venues", admin, validVenue), http.StatusCreated), &venue)
			mustStatus(t, env.do(t, "PUT", "/api/v1/admin/venues/"+venue.ID+"/seats", admin, seatMapBody), http.StatusOK)

			campaign := func(budget, face, minSpend string) string {
				return `{"name":"Natale","budget_cents":` + budget + `,"face_value_cents":` + face + `,"min_spend_cents":` + minSpend +
					`,"per_citizen_limit":1,"valid_from":"2026-01-01","valid_until":"2099-12-31"}`
			}
			keys := 0
			for _, tc := range []struct {
				name, path, auth, reason string
				body                     func(amount string) string
				// beyond is a number just past the field's bound, on the
				// side of the 20-digit one.
				beyond, tooNegative string
			}{
				{"purchase_cents", "/api/v1/merchant/vouchers/redeem", staff, "purchase_amount",
					func(a string) string { return `{"code":"ABCD-EFGH","purchase_cents":` + a + `}` }, over(vouchers.MaxCents), "-1"},
				{"amount_cents", "/api/v1/wallet/topups", citizen, "topup_amount",
					func(a string) string { return `{"amount_cents":` + a + `}` }, over(wallet.MaxTopUp), "-1"},
				{"budget_cents", "/api/v1/admin/campaigns", admin, "budget",
					func(a string) string { return campaign(a, "1000", "0") }, over(vouchers.MaxCents), "-1"},
				{"face_value_cents", "/api/v1/admin/campaigns", admin, "face_value",
					func(a string) string { return campaign("100000", a, "0") }, "100001", "-1"},
				{"min_spend_cents", "/api/v1/admin/campaigns", admin, "min_spend",
					func(a string) string { return campaign("100000", "1000", a) }, over(vouchers.MaxCents), "-1"},
				{"prices_cents", "/api/v1/admin/performances", admin, "invalid_price",
					func(a string) string {
						return `{"venue_id":"` + venue.ID + `","title":"La locandiera","starts_at":"2099-12-01T20:30","prices_cents":{"stalls":` + a + `}}`
					}, over(ticketing.MaxPriceCents), "-1"},
				{"unlock_cents", "/api/v1/admin/mobility/pricing-plans", admin, "pricing_plan_unlock",
					func(a string) string { return `{"id":"notte","name_it":"Notte","unlock_cents":` + a + `}` }, over(mobility.MaxFare), "-1"},
				{"rate_cents", "/api/v1/admin/mobility/pricing-plans", admin, "pricing_plan_segments",
					func(a string) string {
						return `{"id":"notte","name_it":"Notte","unlock_cents":0,"per_min_pricing":[{"start":0,"rate_cents":` + a + `,"interval":1}]}`
					}, over(mobility.MaxFare), "-1"},
			} {
				// Written with an exponent, as JSON allows, the same
				// numbers are answered alike.
				for _, pair := range [][2]string{{huge, tc.beyond}, {"-" + huge, tc.tooNegative}, {"1e30", tc.beyond}, {"-1E+30", tc.tooNegative}} {
					send := func(amount string) (int, string, string) {
						keys++
						rec := vreq(t, env, "POST", tc.path, tc.auth, tc.body(amount), "Idempotency-Key: amount-range-"+strconv.Itoa(keys))
						p := wantProblem(t, rec, rec.Code)
						return rec.Code, p.Reason, p.Detail
					}
					code, reason, detail := send(pair[0])
					wantCode, wantReason, wantDetail := send(pair[1])
					if wantReason != tc.reason || wantCode != http.StatusBadRequest {
						t.Fatalf("%s %s: %d %s, the test's own premise", tc.name, pair[1], wantCode, wantReason)
					}
					if code != wantCode || reason != wantReason || detail != wantDetail {
						t.Errorf("%s %s: %d %s %q, want the answer to %s: %d %s %q", tc.name, pair[0], code, reason, detail, pair[1], wantCode, wantReason, wantDetail)
					}
				}
			}
			// Nothing was made of the refused bodies.
			for path, empty := range map[string]string{"/api/v1/admin/campaigns": `"campaigns":[]`, "/api/v1/admin/performances": `"performances":[]`,
				"/api/v1/wallet": `"balance_cents":0`} {
				auth := admin
				if path == "/api/v1/wallet" {
					auth = citizen
				}
				if body := mustStatus(t, env.do(t, "GET", path, auth, ""), http.StatusOK).Body.String(); !strings.Contains(body, empty) {
					t.Errorf("%s after the refusals: %s", path, body)
				}
			}
			wantProblem(t, env.do(t, "GET", "/api/v1/admin/mobility/pricing-plans/notte", admin, ""), http.StatusNotFound)
		})
	}
}
