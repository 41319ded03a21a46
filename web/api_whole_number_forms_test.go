package web

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
)

// A whole number is one however JSON writes it: 1e3, 1E+3 and 1000.0 are
// 1000 in every whole-number field of the API, as the OpenAPI document's
// "integer" (JSON Schema's) says, where each was 400 wrong_type "must be a
// whole number". A top-up of 1e3 is one of 1000; a pricing plan written
// with exponents is stored as its digits. A fraction is still refused.
func TestAPIWholeNumbersWrittenWithAnExponent(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, authzConfigure...)
			admin := env.login(t, identity.RoleAdmin)
			citizen := env.login(t, identity.RoleCitizen)
			keys := 0
			post := func(path, auth, body string) *httptest.ResponseRecorder {
				keys++
				return vreq(t, env, "POST", path, auth, body, "Idempotency-Key: whole-number-"+strconv.Itoa(keys))
			}

			// The same top-up answered alike, whichever way its amount is written.
			plain := post("/api/v1/wallet/topups", citizen, `{"amount_cents":1000}`)
			if plain.Code >= 500 || plain.Code == http.StatusBadRequest {
				t.Fatalf("a top-up of 1000: %d %s", plain.Code, plain.Body)
			}
			for _, lit := range []string{"1e3", "1E+3", "1000.0", "10000e-1"} {
				if rec := post("/api/v1/wallet/topups", citizen, `{"amount_cents":`+lit+`}`); rec.Code != plain.Code {
					t.Errorf("a top-up of %s: %d %s, where 1000 gets %d %s", lit, rec.Code, rec.Body, plain.Code, plain.Body)
				}
			}
			if p := wantProblem(t, post("/api/v1/wallet/topups", citizen, `{"amount_cents":1000.5}`), http.StatusBadRequest); p.Reason != "wrong_type" {
				t.Errorf("a top-up of 1000.5: %+v", p)
			}

			mustStatus(t, post("/api/v1/admin/mobility/pricing-plans", admin,
				`{"id":"notte","name_it":"Notte","unlock_cents":1e2,"per_min_pricing":[{"start":0e0,"rate_cents":1.0e1,"interval":1E0,"end":3e+1}]}`), http.StatusCreated)
			var plan mobility.PricingPlan
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/mobility/pricing-plans/notte", admin, ""), http.StatusOK), &plan)
			if want := []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1, EndMin: 30}}; plan.UnlockCents != 100 || len(plan.PerMin) != 1 || plan.PerMin[0] != want[0] {
				t.Errorf("plan read back %+v", plan)
			}
		})
	}
}
