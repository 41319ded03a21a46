package pagetest

import (
	"context"
	"log/slog"
	"testing"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// Hub is what every browser test's hub is built on: a fresh SQLite store,
// its keyring, the identity service with a cheap password hash, and the
// wallet, set up. A test adds the areas it drives.
type Hub struct {
	Log    *slog.Logger
	DB     store.DB
	Keys   *keyring.Keyring
	IDs    *identity.Service
	Wallet *wallet.Service
}

// NewHub opens a Hub whose tokens are issued by http://cityhub.test.
func NewHub(t *testing.T) Hub {
	t.Helper()
	ctx := context.Background()
	h := Hub{Log: storetest.Logger(t), DB: storetest.Open(t, "sqlite")}
	var err error
	if h.Keys, err = keyring.Load(ctx, h.DB.Keyring(), ""); err != nil {
		t.Fatal(err)
	}
	h.IDs = identity.NewService(h.DB.Identity(), h.Keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2}, h.Log)
	h.Wallet = wallet.NewService(h.DB.Wallet(), h.Log)
	if err := h.Wallet.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}
