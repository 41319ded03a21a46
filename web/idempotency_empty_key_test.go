package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
)

// An Idempotency-Key header sent empty (or blank) is a key that is not 1
// to 100 characters, 400 idempotency_key_invalid with nothing done, as the
// document says, where it was read as no key: the call ran unkeyed, or a
// top-up answered that its key was missing.
func TestAPIEmptyIdempotencyKeyIsInvalid(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true))
	anna, bearer := env.account(t, identity.RoleCitizen)

	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/api/v1/me/locale", `{"locale":"en"}`},
		{"POST", "/api/v1/wallet/topups", `{"amount_cents":500}`},
	} {
		for _, key := range []string{"", "   "} {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", bearer)
			req.Header["Idempotency-Key"] = []string{key}
			rec := httptest.NewRecorder()
			env.Server.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("%s %s with Idempotency-Key %q: %d %s", c.method, c.path, key, rec.Code, rec.Body)
			}
			wantReason(t, rec, "idempotency_key_invalid")
		}
	}
	if got := accountLocale(t, env, anna.ID); got != "it" {
		t.Fatalf("a refused call changed the language to %q", got)
	}
}
