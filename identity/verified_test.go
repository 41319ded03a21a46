package identity_test

import (
	"context"
	"crypto/ed25519"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
)

// countingKeys counts the look-ups of verification keys: one per access
// token whose signature is checked.
type countingKeys struct {
	identity.Keys
	lookups atomic.Int32
}

func (k *countingKeys) PublicKey(kid string) (ed25519.PublicKey, string, bool) {
	k.lookups.Add(1)
	return k.Keys.PublicKey(kid)
}

// TestVerifiedAccessTokensAreKept: a token's signature is checked once,
// and the token is accepted until its exp (with the leeway) as before; a
// changed token is checked, and refused; the account is still read on
// every request, so a deleted account's kept token is refused at once.
func TestVerifiedAccessTokensAreKept(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		keys := &countingKeys{Keys: f.keys}
		svc := identity.NewService(db.Identity(), keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2,
			Now: f.clock.Now, AnswerFloor: -1}, storetest.Logger(t))
		a := f.register(t, "anna@example.org")
		token, exp, err := svc.SignAccessToken(a.ID, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if c, err := svc.Authenticate(ctx, token); err != nil || c.AccountID != a.ID {
				t.Fatalf("authenticate: %+v %v", c, err)
			}
		}
		if n := keys.lookups.Load(); n != 1 {
			t.Fatalf("the token's signature was checked %d times, want once", n)
		}

		// A token changed in its signature is checked, and refused.
		forged := token[:len(token)-2] + map[bool]string{true: "AA", false: "BB"}[token[len(token)-2:] != "AA"]
		_, err = svc.Authenticate(ctx, forged)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		if n := keys.lookups.Load(); n != 2 {
			t.Fatalf("a changed token was not checked: %d look-ups", n)
		}

		// Accepted until exp with the 5 s leeway, then refused.
		f.clock.Add(exp.Sub(f.clock.Now()) + 4*time.Second)
		if _, err := svc.Authenticate(ctx, token); err != nil {
			t.Fatalf("within the leeway: %v", err)
		}
		f.clock.Add(time.Second)
		_, err = svc.Authenticate(ctx, token)
		testutil.WantCode(t, err, apperr.Unauthenticated)

		// A kept token of an account deleted since is refused.
		b := f.register(t, "bruno@example.org")
		token, _, err = svc.SignAccessToken(b.ID, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteAccount(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Authenticate(ctx, token)
		testutil.WantCode(t, err, apperr.Unauthenticated)
	})
}

// TestVerifiedAccessTokensRace: many requests with the same and with
// different tokens at once.
func TestVerifiedAccessTokensRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.OpenSQLite(t))
	a := f.register(t, "anna@example.org")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Go(func() {
			token, _, err := f.svc.SignAccessToken(a.ID, f.clock.Now().Add(-time.Duration(i%4)*time.Second))
			for range 20 {
				if err == nil {
					_, err = f.svc.Authenticate(context.Background(), token)
				}
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
