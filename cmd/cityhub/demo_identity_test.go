package main

import (
	"context"
	"testing"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/store/storetest"
)

func TestSeedDemoAccountsIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	keys, err := keyring.Load(ctx, db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	h := &hub{identity: identity.NewService(db.Identity(), keys, identity.Options{Argon2: identity.FastArgon2}, nil)}
	first, err := h.seedDemoAccounts(ctx, "shop_demo", "venue_demo")
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.seedDemoAccounts(ctx, "shop_demo", "venue_demo")
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	if len(first) != len(identity.Roles) || len(second) != len(first) {
		t.Fatalf("logins %d then %d, want one per role (%d)", len(first), len(second), len(identity.Roles))
	}
	if n, _ := h.identity.CountAccounts(ctx); n != len(identity.Roles) {
		t.Fatalf("%d accounts after two seedings", n)
	}
	roles := map[string]bool{}
	for _, l := range first {
		tok, err := h.identity.Login(ctx, l.Email, l.Password, "")
		if err != nil {
			t.Fatalf("demo login %s: %v", l.Email, err)
		}
		c, err := h.identity.Authenticate(ctx, tok.AccessToken)
		if err != nil || !c.Has(identity.Role(l.Role)) {
			t.Fatalf("demo %s: %+v %v", l.Role, c, err)
		}
		roles[l.Role] = true
	}
	if len(roles) != len(identity.Roles) {
		t.Fatalf("roles %v", roles)
	}
}
