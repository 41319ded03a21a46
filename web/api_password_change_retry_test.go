package web

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// A retried PUT /api/v1/me/password, the same request under the same
// Idempotency-Key, gets its first answer again (204, Idempotent-Replayed)
// though the change ended the token it comes with, as the README promises
// the same key; an app that lost the 204 learns that the password
// changed, where it got 401 invalid_token. The token does nothing else:
// another body under that key is 409 idempotency_key_reused, as any reuse
// of a key, and anything else is 401 invalid_token as before (another key,
// no key, another route, a refusal kept under another key); nor does it
// once anything else has ended the account's tokens since (another change).
func TestPasswordChangeAgainGetsItsFirstAnswer(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine)
			acct, bearer := env.account(t, identity.RoleCitizen)
			change := func(current, next string) string {
				return fmt.Sprintf(`{"current_password":%q,"new_password":%q}`, current, next)
			}
			const newPassword = "a new and long password"
			// A refusal kept before the change (400 wrong_password) is not
			// given again for the token the change ended.
			if res := walletSend(t, env, "PUT", "/api/v1/me/password", bearer, change("not the password", newPassword), map[string]string{"Idempotency-Key": "wrong"}); res.Code != http.StatusBadRequest {
				t.Fatalf("a wrong current password: %d %s", res.Code, res.Body.String())
			}
			key := map[string]string{"Idempotency-Key": "pw1"}
			body := change(testPassword, newPassword)
			if res := walletSend(t, env, "PUT", "/api/v1/me/password", bearer, body, key); res.Code != http.StatusNoContent {
				t.Fatalf("PUT /api/v1/me/password: %d %s", res.Code, res.Body.String())
			}
			for range 2 {
				res := walletSend(t, env, "PUT", "/api/v1/me/password", bearer, body, key)
				if res.Code != http.StatusNoContent || res.Header().Get("Idempotent-Replayed") != "true" || res.Body.Len() != 0 {
					t.Fatalf("the same change again: %d %q %s, want its first answer, 204, replayed", res.Code, res.Header().Get("Idempotent-Replayed"), res.Body.String())
				}
			}
			for _, c := range []struct {
				method, path, body string
				header             map[string]string
				status             int
				reason             string
			}{
				{"PUT", "/api/v1/me/password", change(testPassword, "another long password"), key, http.StatusConflict, "idempotency_key_reused"},
				{"PUT", "/api/v1/me/password", change(newPassword, "another long password"), key, http.StatusConflict, "idempotency_key_reused"},
				{"PUT", "/api/v1/me/password", body, map[string]string{"Idempotency-Key": "pw2"}, http.StatusUnauthorized, "invalid_token"},
				{"PUT", "/api/v1/me/password", body, nil, http.StatusUnauthorized, "invalid_token"},
				{"PUT", "/api/v1/me/password", change("not the password", newPassword), map[string]string{"Idempotency-Key": "wrong"}, http.StatusUnauthorized, "invalid_token"},
				{"DELETE", "/api/v1/me", "", key, http.StatusUnauthorized, "invalid_token"},
				{"GET", "/api/v1/me", "", nil, http.StatusUnauthorized, "invalid_token"},
			} {
				p := wantProblem(t, walletSend(t, env, c.method, c.path, bearer, c.body, c.header), c.status)
				if p.Reason != c.reason {
					t.Fatalf("%s %s %s %v with the token the change ended: reason %q, want %s", c.method, c.path, c.body, c.header, p.Reason, c.reason)
				}
			}
			// Not kept by the refusals: the retry still gets its answer.
			if res := walletSend(t, env, "PUT", "/api/v1/me/password", bearer, body, key); res.Code != http.StatusNoContent {
				t.Fatalf("the same change after the refusals: %d %s", res.Code, res.Body.String())
			}

			// Another change ends the new token; the first change's token
			// gets nothing any more, the second's its own change's answer.
			tokens, err := env.Identity.Login(context.Background(), acct.Email, newPassword, "")
			if err != nil {
				t.Fatal(err)
			}
			second := "Bearer " + tokens.AccessToken
			again := change(newPassword, "a third long password")
			if res := walletSend(t, env, "PUT", "/api/v1/me/password", second, again, map[string]string{"Idempotency-Key": "pw3"}); res.Code != http.StatusNoContent {
				t.Fatalf("the second change: %d %s", res.Code, res.Body.String())
			}
			if p := wantProblem(t, walletSend(t, env, "PUT", "/api/v1/me/password", bearer, body, key), http.StatusUnauthorized); p.Reason != "invalid_token" {
				t.Fatalf("the first change's retry after a second change: reason %q, want invalid_token", p.Reason)
			}
			if res := walletSend(t, env, "PUT", "/api/v1/me/password", second, again, map[string]string{"Idempotency-Key": "pw3"}); res.Code != http.StatusNoContent || res.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("the second change again: %d %s", res.Code, res.Body.String())
			}
			// Nor once the account is disabled.
			admin := env.login(t, identity.RoleAdmin)
			mustStatus(t, env.do(t, "PUT", "/api/v1/admin/accounts/"+acct.ID+"/disabled", admin, `{"disabled":true}`), http.StatusOK)
			if res := walletSend(t, env, "PUT", "/api/v1/me/password", second, again, map[string]string{"Idempotency-Key": "pw3"}); res.Code != http.StatusUnauthorized {
				t.Fatalf("the second change again once the account is disabled: %d %s, want 401", res.Code, res.Body.String())
			}
		})
	}
}
