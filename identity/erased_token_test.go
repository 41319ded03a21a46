package identity_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
)

// ErasedAccount names the erased account an access token was issued to,
// for the erasure's own retry, and nothing else: not the account of a
// token that still signs in, nor a disabled one's, nor a token that does
// not verify, nor one of a generation the account left behind (issued
// before it was disabled). The token still authenticates nobody.
func TestErasedAccountOfAToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		anna := f.register(t, "anna@example.org")
		bruno := f.register(t, "bruno@example.org")
		var tokens [2]string
		for i, email := range []string{"anna@example.org", "bruno@example.org"} {
			tok, err := f.svc.Login(ctx, email, password, "")
			if err != nil {
				t.Fatal(err)
			}
			tokens[i] = tok.AccessToken
		}
		for _, token := range []string{tokens[0], "not-a-token"} {
			if id, err := f.svc.ErasedAccount(ctx, token); !apperr.Has(err, apperr.Unauthenticated) {
				t.Fatalf("ErasedAccount of a token that is no erased account's: %q, %v", id, err)
			}
		}
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		if _, err := f.svc.SetDisabled(ctx, admin, bruno.ID, true); err != nil {
			t.Fatal(err)
		}
		if id, err := f.svc.ErasedAccount(ctx, tokens[1]); !apperr.Has(err, apperr.Unauthenticated) {
			t.Fatalf("ErasedAccount of a disabled account's token: %q, %v", id, err)
		}
		if err := f.svc.DeleteAccount(ctx, anna.ID); err != nil {
			t.Fatal(err)
		}
		if id, err := f.svc.ErasedAccount(ctx, tokens[0]); err != nil || id != anna.ID {
			t.Fatalf("ErasedAccount of the erased account's token: %q, %v; want %s", id, err, anna.ID)
		}
		_, err := f.svc.Authenticate(ctx, tokens[0])
		testutil.WantCode(t, err, apperr.Unauthenticated)

		// Bruno's first token is of the generation his disabling ended:
		// enabled, signed in again and erased, only the newer one is his.
		if _, err := f.svc.SetDisabled(ctx, admin, bruno.ID, false); err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Login(ctx, "bruno@example.org", password, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteAccount(ctx, bruno.ID); err != nil {
			t.Fatal(err)
		}
		if id, err := f.svc.ErasedAccount(ctx, tokens[1]); !apperr.Has(err, apperr.Unauthenticated) {
			t.Fatalf("ErasedAccount of a token from before the account was disabled: %q, %v", id, err)
		}
		if id, err := f.svc.ErasedAccount(ctx, again.AccessToken); err != nil || id != bruno.ID {
			t.Fatalf("ErasedAccount of the erased account's newer token: %q, %v; want %s", id, err, bruno.ID)
		}
	})
}
