package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// A buyer's cancel of an order the city refunded is refused with what holds
// for the buyer (self_cancel_not_allowed where the performance has no rule,
// already_refunded where it has one), where it answered 200 with the
// refunded order as if the buyer had cancelled it. The buyer's own cancel,
// retried under its key, still gets its first answer, and repeated under a
// new key answers the refunded order.
func TestAPICancelOfAnOrderTheCityRefunded(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, v, fixed, admin := ticketingEnv(t, engine)
			var ruled ticketing.Performance
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/performances", admin,
				`{"venue_id":"`+v.ID+`","title":"La locandiera","starts_at":"2099-12-01T20:30","self_cancel_hours":24,"prices_cents":{"stalls":2500,"balcony":1500}}`), http.StatusCreated), &ruled)
			acct, citizen := env.account(t, identity.RoleCitizen)
			mustStatus(t, walletSend(t, env, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":10000}`, map[string]string{"Idempotency-Key": "top-1"}), http.StatusCreated)
			buy := func(p ticketing.Performance, seat string) string {
				var o ticketing.Order
				decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["`+seat+`"]}`), http.StatusCreated), &o)
				mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`), http.StatusOK)
				return o.ID
			}
			cancel := func(order, key string) *http.Response {
				return walletSend(t, env, "POST", "/api/v1/ticket-orders/"+order+"/cancel", citizen, "", map[string]string{"Idempotency-Key": key}).Result()
			}
			noRule, withRule, mine := buy(fixed, "Platea/A/1"), buy(ruled, "Platea/A/1"), buy(ruled, "Platea/A/2")
			first := walletSend(t, env, "POST", "/api/v1/ticket-orders/"+mine+"/cancel", citizen, "", map[string]string{"Idempotency-Key": "mine-1"})
			mustStatus(t, first, http.StatusOK)
			for _, o := range []string{noRule, withRule, mine} {
				mustStatus(t, env.do(t, "POST", "/api/v1/admin/ticket-orders/"+o+"/refund", admin, ""), http.StatusOK)
			}
			balance := balanceOf(t, env, wallet.CitizenAccount(acct.ID))

			for order, want := range map[string]string{noRule: "self_cancel_not_allowed", withRule: "already_refunded"} {
				before := env.do(t, "GET", "/api/v1/ticket-orders/"+order, citizen, "").Body.String()
				p := wantProblem(t, walletSend(t, env, "POST", "/api/v1/ticket-orders/"+order+"/cancel", citizen, "", map[string]string{"Idempotency-Key": "theirs-" + order}), http.StatusConflict)
				if p.Reason != want {
					t.Errorf("cancel of an order the city refunded: reason %q, want %s", p.Reason, want)
				}
				if after := env.do(t, "GET", "/api/v1/ticket-orders/"+order, citizen, "").Body.String(); after != before {
					t.Errorf("the refused cancel changed the order: %s, was %s", after, before)
				}
			}
			again := cancel(mine, "mine-1")
			if again.StatusCode != http.StatusOK || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("the buyer's cancel retried under its key: %d, replayed %q", again.StatusCode, again.Header.Get("Idempotent-Replayed"))
			}
			rec := walletSend(t, env, "POST", "/api/v1/ticket-orders/"+mine+"/cancel", citizen, "", map[string]string{"Idempotency-Key": "mine-2"})
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"status":"refunded"`) {
				t.Errorf("the buyer's cancel repeated under a new key: %d %s", rec.Code, rec.Body)
			}
			if got := balanceOf(t, env, wallet.CitizenAccount(acct.ID)); got != balance {
				t.Errorf("credit %d after refused and repeated cancels, was %d", got, balance)
			}
		})
	}
}
