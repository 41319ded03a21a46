package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// A retried DELETE /api/v1/me, the same request under the same
// Idempotency-Key, gets its first answer again (204, Idempotent-Replayed)
// though its token no longer signs anyone in, as the README promises the
// same key; the token does nothing else: another erasure under that key,
// another key or none finds the account erased (401 account_deleted, as
// the erasure itself answers one that raced it), another route is refused
// 401 account_inactive as before.
func TestDeleteMeAgainGetsItsFirstAnswer(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(true), withCardPayments)
			_, bearer := env.account(t, identity.RoleCitizen)
			if res := walletSend(t, env, "POST", "/api/v1/wallet/topups", bearer, `{"amount_cents":500}`, map[string]string{"Idempotency-Key": "top"}); res.Code != http.StatusCreated {
				t.Fatalf("top-up: %d %s", res.Code, res.Body.String())
			}
			key := map[string]string{"Idempotency-Key": "erase-once"}
			if res := walletSend(t, env, "DELETE", "/api/v1/me?credit=city", bearer, "", key); res.Code != http.StatusNoContent {
				t.Fatalf("DELETE /api/v1/me: %d %s", res.Code, res.Body.String())
			}
			for range 2 {
				res := walletSend(t, env, "DELETE", "/api/v1/me?credit=city", bearer, "", key)
				if res.Code != http.StatusNoContent || res.Header().Get("Idempotent-Replayed") != "true" || res.Body.Len() != 0 {
					t.Fatalf("the same DELETE again: %d %q %s, want its first answer, 204, replayed", res.Code, res.Header().Get("Idempotent-Replayed"), res.Body.String())
				}
			}
			for _, c := range []struct {
				method, path, body string
				header             map[string]string
				reason             string
			}{
				{"DELETE", "/api/v1/me?credit=cards", "", key, "account_deleted"},
				{"DELETE", "/api/v1/me", "", key, "account_deleted"},
				{"DELETE", "/api/v1/me?credit=city", "", map[string]string{"Idempotency-Key": "erase-again"}, "account_deleted"},
				{"DELETE", "/api/v1/me?credit=city", "", nil, "account_deleted"},
				{"POST", "/api/v1/wallet/topups", `{"amount_cents":500}`, map[string]string{"Idempotency-Key": "top"}, "account_inactive"},
				{"GET", "/api/v1/me", "", nil, "account_inactive"},
			} {
				p := wantProblem(t, walletSend(t, env, c.method, c.path, bearer, c.body, c.header), http.StatusUnauthorized)
				if p.Reason != c.reason {
					t.Fatalf("%s %s %v with the erased account's token: reason %q, want %s", c.method, c.path, c.header, p.Reason, c.reason)
				}
			}
			// Not kept by the refusals: the retry still gets its answer.
			if res := walletSend(t, env, "DELETE", "/api/v1/me?credit=city", bearer, "", key); res.Code != http.StatusNoContent {
				t.Fatalf("the same DELETE after the refusals: %d %s", res.Code, res.Body.String())
			}
		})
	}
}
