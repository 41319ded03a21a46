package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
)

// A call with two Idempotency-Key headers is refused: which one a retry
// would come under is anyone's guess.
func TestTwoIdempotencyKeysRefused(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	citizen := env.login(t, identity.RoleCitizen)
	req := httptest.NewRequest("POST", "/api/v1/me/email-changes", strings.NewReader(`{"password":"x","email":"new@example.org"}`))
	req.Header.Set("Authorization", citizen)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("Idempotency-Key", "first-key")
	req.Header.Add("Idempotency-Key", "second-key")
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	if p := wantProblem(t, rec, http.StatusBadRequest); p.Reason != "duplicate_idempotency_key" {
		t.Fatalf("two keys: %+v", p)
	}
}
