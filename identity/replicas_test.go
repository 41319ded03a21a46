package identity_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/keyring"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

// Two hub processes on one PostgreSQL database: a token issued by one is
// honoured by the other, a rotation through one is seen by the other, and
// the login limit counts failures made through both.
func TestTwoHubsShareIdentity(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	hub := func() *identity.Service {
		db, err := postgres.Open(ctx, url, storetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		keys, err := keyring.Load(ctx, db.Keyring(), "")
		if err != nil {
			t.Fatal(err)
		}
		return identity.NewService(db.Identity(), keys, identity.Options{
			Issuer: "http://cityhub.test", Argon2: identity.FastArgon2,
			Limits: identity.LoginLimits{PerAccount: 4},
		}, storetest.Logger(t))
	}
	a, b := hub(), hub()
	if _, err := a.Register(ctx, identity.NewAccount{Email: "anna@example.org", Password: password, Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	tok, err := b.Login(ctx, "anna@example.org", password, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, tok.AccessToken); err != nil {
		t.Fatalf("hub A refuses hub B's token: %v", err)
	}
	next, err := a.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Refresh(ctx, tok.RefreshToken)
	testutil.WantCode(t, err, apperr.Unauthenticated)
	_, err = a.Refresh(ctx, next.RefreshToken)
	testutil.WantCode(t, err, apperr.Unauthenticated) // the reuse through B revoked the family

	for i := range 4 {
		hub := a
		if i%2 == 1 {
			hub = b
		}
		_, err := hub.Login(ctx, "anna@example.org", "wrong password!", "")
		testutil.WantCode(t, err, apperr.Unauthenticated)
	}
	_, err = a.Login(ctx, "anna@example.org", password, "")
	testutil.WantCode(t, err, apperr.RateLimited)
	_, err = b.Login(ctx, "anna@example.org", password, "")
	testutil.WantCode(t, err, apperr.RateLimited)
}
