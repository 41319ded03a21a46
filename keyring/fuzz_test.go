package keyring_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"testing"

	"cityhub/keyring"
)

// refusingStore stands for a database that is down: Load must then fail
// unless the configuration covers every purpose.
type refusingStore struct{}

func (refusingStore) AddSigningKeyIfAbsent(context.Context, keyring.StoredKey) error {
	return errors.New("database down")
}
func (refusingStore) SigningKeys(context.Context) ([]keyring.StoredKey, error) {
	return nil, errors.New("database down")
}
func (refusingStore) ResealSigningKey(context.Context, string, []byte, string, string) (bool, error) {
	return false, errors.New("database down")
}

// FuzzLoadPEM feeds arbitrary CITYHUB_SIGNING_KEYS values to Load: it must
// never panic, and whatever it accepts must sign and verify for every purpose.
func FuzzLoadPEM(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, 32))
	access, _ := keyring.EncodePEM(keyring.PurposeAccess, seed)
	qr, _ := keyring.EncodePEM(keyring.PurposeQR, ed25519.NewKeyFromSeed([]byte("0123456789abcdef0123456789abcdef")))
	replay, _ := keyring.EncodePEM(keyring.PurposeReplay, ed25519.NewKeyFromSeed([]byte("fedcba9876543210fedcba9876543210")))
	f.Add(access + qr + replay)
	f.Add(access + qr)
	f.Add(access)
	f.Add("-----BEGIN PRIVATE KEY-----\nPurpose: qr\n\nAAAA\n-----END PRIVATE KEY-----\n")
	f.Add("")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, bundle string) {
		k, err := keyring.Load(context.Background(), refusingStore{}, bundle)
		if err != nil {
			return
		}
		for _, p := range keyring.Purposes {
			kid, priv := k.Signer(p)
			pub, purpose, ok := k.PublicKey(kid)
			if !ok || purpose != p || !ed25519.Verify(pub, []byte("x"), ed25519.Sign(priv, []byte("x"))) {
				t.Fatalf("purpose %s: loaded key does not sign and verify", p)
			}
		}
	})
}
