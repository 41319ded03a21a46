package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
)

// Callers without a sign-in share no key scope: B's password reset for
// its own address under the key A happened to use runs, and B gets the
// e-mail, where it was refused 409 idempotency_key_reused and nothing was
// sent. A's retry still gets A's first answer, and sends nothing again.
func TestAnonymousKeysAreNotSharedBetweenRequests(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine)
			a, _ := env.account(t, identity.RoleCitizen)
			b, _ := env.account(t, identity.RoleCitizen)
			reset := func(email string) string { return `{"email":"` + email + `"}` }
			first := send(env.Server, "POST", "/api/v1/password-resets", "", reset(a.Email), "Idempotency-Key: shared-key-1")
			wantStatus(t, first, http.StatusAccepted)
			res := send(env.Server, "POST", "/api/v1/password-resets", "", reset(b.Email), "Idempotency-Key: shared-key-1")
			if res.Code != http.StatusAccepted || res.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("another address under the same key: %d %v %s", res.Code, res.Header(), res.Body.String())
			}
			if n := len(env.mailTo(t, b.Email, mail.KindPasswordReset)); n != 1 {
				t.Fatalf("%d reset e-mails to B, want 1", n)
			}
			wantReplayOf(t, "A's retry", send(env.Server, "POST", "/api/v1/password-resets", "", reset(a.Email), "Idempotency-Key: shared-key-1"), first)
			if n := len(env.mailTo(t, a.Email, mail.KindPasswordReset)); n != 1 {
				t.Fatalf("%d reset e-mails to A, want 1", n)
			}
		})
	}
}
