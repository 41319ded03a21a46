package bench

import (
	"context"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/store/storetest"
)

// BenchmarkAuthenticate measures what every authenticated API request pays:
// verifying the access token and reading the account with its grants from
// PostgreSQL. The baseline, in the same run, is the signature and claims check
// alone (what embedding the grants in the token would cost), so the ratio is
// the price of grants that are always current.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	db := storetest.OpenPostgres(b)
	keys, err := keyring.Load(ctx, db.Keyring(), "")
	if err != nil {
		b.Fatal(err)
	}
	svc := identity.NewService(db.Identity(), keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2}, nil)
	if _, err := svc.Register(ctx, identity.NewAccount{Email: "anna@example.org", Password: "correct horse battery", Name: "Anna"}); err != nil {
		b.Fatal(err)
	}
	tok, err := svc.Login(ctx, "anna@example.org", "correct horse battery", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline_verify_only", func(b *testing.B) {
		parser := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithAudience(identity.Audience), jwt.WithExpirationRequired())
		keyFunc := func(t *jwt.Token) (any, error) {
			pub, _, _ := keys.PublicKey(t.Header["kid"].(string))
			return pub, nil
		}
		for b.Loop() {
			var c jwt.RegisteredClaims
			if _, err := parser.ParseWithClaims(tok.AccessToken, &c, keyFunc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("authenticate_with_account_read", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Authenticate(ctx, tok.AccessToken); err != nil {
				b.Fatal(err)
			}
		}
	})
	// For scale: one login at the production password cost.
	b.Run("login_default_argon2", func(b *testing.B) {
		prod := identity.NewService(db.Identity(), keys, identity.Options{Issuer: "http://cityhub.test", Limits: identity.LoginLimits{PerAccount: 1 << 30, PerIP: 1 << 30}}, nil)
		if _, _, err := prod.EnsureAccount(ctx, identity.NewAccount{Email: "prod@example.org", Password: "correct horse battery", Name: "P", Grants: []identity.Grant{{Role: identity.RoleOperator}}}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := prod.Login(ctx, "prod@example.org", "correct horse battery", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
}
