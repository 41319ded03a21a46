package keyring_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"cityhub/keyring"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

func mustLoad(t *testing.T, st keyring.Store, pemBundle string) *keyring.Keyring {
	t.Helper()
	k, err := keyring.Load(context.Background(), st, pemBundle)
	if err != nil {
		t.Fatalf("load keyring: %v", err)
	}
	return k
}

func TestGeneratedKeysPersist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		first := mustLoad(t, db.Keyring(), "")
		second := mustLoad(t, db.Keyring(), "")
		for _, p := range keyring.Purposes {
			kid1, priv1 := first.Signer(p)
			kid2, priv2 := second.Signer(p)
			if kid1 == "" || kid1 != kid2 || !priv1.Equal(priv2) {
				t.Fatalf("purpose %s: first load %q, second %q: want the same stored key", p, kid1, kid2)
			}
			if !strings.HasPrefix(kid1, p+"-") {
				t.Errorf("kid %q does not name its purpose %q", kid1, p)
			}
			pub, purpose, ok := second.PublicKey(kid1)
			if !ok || purpose != p || !pub.Equal(priv1.Public()) {
				t.Errorf("PublicKey(%s) = %v, %q, %v", kid1, pub, purpose, ok)
			}
		}
		accessKid, _ := first.Signer(keyring.PurposeAccess)
		qrKid, _ := first.Signer(keyring.PurposeQR)
		if accessKid == qrKid {
			t.Fatal("access and qr share a key")
		}
		keys, err := db.Keyring().SigningKeys(context.Background())
		if err != nil || len(keys) != len(keyring.Purposes) {
			t.Fatalf("stored keys: %d, %v; want one per purpose", len(keys), err)
		}
	})
}

func TestUnknownKid(t *testing.T) {
	k := mustLoad(t, storetest.OpenSQLite(t).Keyring(), "")
	if _, _, ok := k.PublicKey("access-nope"); ok {
		t.Fatal("unknown kid found")
	}
	if kid, priv := k.Signer("payments"); kid != "" || priv != nil {
		t.Fatal("signer for an unknown purpose")
	}
}

func TestJWKS(t *testing.T) {
	k := mustLoad(t, storetest.OpenSQLite(t).Keyring(), "")
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(k.JWKS(), &set); err != nil {
		t.Fatalf("jwks is not JSON: %v", err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("jwks has %d keys, want 2 (access and qr; the replay key signs nothing)", len(set.Keys))
	}
	for _, jwk := range set.Keys {
		if jwk["purpose"] == keyring.PurposeReplay {
			t.Fatal("jwks publishes the replay key")
		}
		if jwk["kty"] != "OKP" || jwk["crv"] != "Ed25519" || jwk["alg"] != "EdDSA" || jwk["use"] != "sig" {
			t.Errorf("jwk %v is not an RFC 8037 Ed25519 signing key", jwk)
		}
		if _, ok := jwk["d"]; ok {
			t.Fatal("jwks leaks a private key")
		}
		x, err := base64.RawURLEncoding.DecodeString(jwk["x"])
		if err != nil || len(x) != ed25519.PublicKeySize {
			t.Fatalf("x %q: %v", jwk["x"], err)
		}
		pub, purpose, ok := k.PublicKey(jwk["kid"])
		if !ok || purpose != jwk["purpose"] || !pub.Equal(ed25519.PublicKey(x)) {
			t.Errorf("jwk %s does not match the keyring", jwk["kid"])
		}
		if keyring.KeyID(purpose, pub) != jwk["kid"] {
			t.Errorf("kid %s is not derived from the key", jwk["kid"])
		}
	}
}

// Two hubs starting at once on one fresh PostgreSQL database must end up
// with the same keys, or tokens signed by one are refused by the other.
func TestConcurrentLoadsAgree(t *testing.T) {
	url := storetest.PostgresURL(t)
	const hubs = 6
	dbs := make([]*postgres.DB, hubs)
	rings := make([]*keyring.Keyring, hubs)
	errs := make([]error, hubs)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range hubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			db, err := postgres.Open(context.Background(), url, storetest.Logger(t))
			if err != nil {
				errs[i] = err
				return
			}
			dbs[i] = db
			rings[i], errs[i] = keyring.Load(context.Background(), db.Keyring(), "")
		}()
	}
	close(start)
	wg.Wait()
	for _, db := range dbs {
		if db != nil {
			defer db.Close()
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("hub %d: %v", i, err)
		}
	}
	for _, p := range keyring.Purposes {
		kid0, priv0 := rings[0].Signer(p)
		for i := 1; i < hubs; i++ {
			kid, priv := rings[i].Signer(p)
			if kid != kid0 || !priv.Equal(priv0) {
				t.Fatalf("purpose %s: hub 0 signs with %s, hub %d with %s", p, kid0, i, kid)
			}
		}
	}
	keys, err := dbs[0].Keyring().SigningKeys(context.Background())
	if err != nil || len(keys) != len(keyring.Purposes) {
		t.Fatalf("stored %d keys (%v), want exactly one per purpose", len(keys), err)
	}
}

func genPEM(t *testing.T, purpose string) (string, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p, err := keyring.EncodePEM(purpose, priv)
	if err != nil {
		t.Fatal(err)
	}
	return p, priv
}

func TestConfiguredKeys(t *testing.T) {
	db := storetest.OpenSQLite(t)
	accessPEM, accessPriv := genPEM(t, keyring.PurposeAccess)
	oldPEM, oldPriv := genPEM(t, keyring.PurposeAccess)
	k := mustLoad(t, db.Keyring(), accessPEM+oldPEM)
	kid, priv := k.Signer(keyring.PurposeAccess)
	if !priv.Equal(accessPriv) || kid != keyring.KeyID(keyring.PurposeAccess, accessPriv.Public().(ed25519.PublicKey)) {
		t.Fatal("the first configured access key does not sign")
	}
	oldKid := keyring.KeyID(keyring.PurposeAccess, oldPriv.Public().(ed25519.PublicKey))
	if _, purpose, ok := k.PublicKey(oldKid); !ok || purpose != keyring.PurposeAccess {
		t.Fatal("the second configured key does not verify")
	}
	// qr was not configured: it comes from the database; access was, so
	// nothing is stored for it.
	if kid, _ := k.Signer(keyring.PurposeQR); kid == "" {
		t.Fatal("no qr key")
	}
	keys, err := db.Keyring().SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, sk := range keys {
		if sk.Purpose == keyring.PurposeAccess {
			t.Fatal("a configured purpose got a generated key stored")
		}
	}
}

func TestBadConfiguredKeys(t *testing.T) {
	db := storetest.OpenSQLite(t)
	good, _ := genPEM(t, keyring.PurposeQR)
	noPurpose := strings.Replace(good, "Purpose: qr\n", "", 1)
	for name, bundle := range map[string]string{
		"not pem":       "hello",
		"no purpose":    noPurpose,
		"bad purpose":   strings.Replace(good, "Purpose: qr", "Purpose: payments", 1),
		"rsa-ish type":  strings.ReplaceAll(good, "PRIVATE KEY", "RSA PRIVATE KEY"),
		"trailing junk": good + "junk",
		"duplicate":     good + good,
	} {
		if _, err := keyring.Load(context.Background(), db.Keyring(), bundle); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// Secret is the same from every load of one database (replicas agree on
// it), its own for each use, and another database's is another.
func TestSecretIsSharedAndPerUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		first := mustLoad(t, db.Keyring(), "")
		again := mustLoad(t, db.Keyring(), "")
		a := first.Secret(keyring.PurposeReplay, "use a")
		if len(a) != 32 || !bytes.Equal(a, again.Secret(keyring.PurposeReplay, "use a")) {
			t.Fatalf("secret %x, from a second load %x: want the same 32 bytes", a, again.Secret(keyring.PurposeReplay, "use a"))
		}
		if bytes.Equal(a, first.Secret(keyring.PurposeReplay, "use b")) {
			t.Fatal("two uses share a secret")
		}
		_, seed := first.Signer(keyring.PurposeReplay)
		if bytes.Contains(seed, a) || bytes.Equal(seed.Seed(), a) {
			t.Fatal("the secret is the key itself")
		}
		other := mustLoad(t, storetest.OpenSQLite(t).Keyring(), "")
		if bytes.Equal(a, other.Secret(keyring.PurposeReplay, "use a")) {
			t.Fatal("two databases' hubs share a secret")
		}
		if first.Secret("payments", "use a") != nil {
			t.Fatal("a secret from a purpose without a key")
		}
	})
}
