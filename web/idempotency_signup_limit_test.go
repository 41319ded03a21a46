package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mail"
)

// A keyed sign-up refused by the address's sign-up limit (429) made
// nothing: the limit's own record is bookkeeping, so the key stays free
// and the retry, once the limit has room, signs up, where it was refused
// as idempotency_key_answer_lost.
func TestKeyedSignupOverTheLimitRunsAgain(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	clock.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		composer, err := mail.NewComposer(testIssuer)
		if err != nil {
			t.Fatal(err)
		}
		env.Identity = identity.NewService(env.DB.Identity(), env.Keys, identity.Options{Issuer: testIssuer, Argon2: identity.FastArgon2,
			Mail: composer, AnswerFloor: -1, Now: clock.Now, Limits: identity.LoginLimits{SignupsPerIP: 1}}, d.Log)
		d.Identity = env.Identity
	})
	signUp := func(email, key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/accounts", strings.NewReader(`{"email":"`+email+`","password":"correct horse battery","name":"Bea"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, req)
		return rec
	}
	if res := signUp("anna@example.org", "signup-anna"); res.Code != http.StatusAccepted {
		t.Fatalf("first sign-up: %d %s", res.Code, res.Body)
	}
	if res := signUp("bea@example.org", "signup-bea"); res.Code != http.StatusTooManyRequests {
		t.Fatalf("second sign-up from the address within the hour: %d %s", res.Code, res.Body)
	}
	clock.Set(clock.Now().Add(time.Hour + time.Minute))
	if res := signUp("bea@example.org", "signup-bea"); res.Code != http.StatusAccepted {
		t.Fatalf("the refused sign-up sent again an hour later: %d %s", res.Code, res.Body)
	}
	if _, err := env.Identity.AccountByEmail(t.Context(), "bea@example.org"); err != nil {
		t.Fatalf("bea's account after the retry: %v", err)
	}
}
