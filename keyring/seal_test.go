package keyring_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"strings"
	"testing"

	"cityhub/keyring"
	"cityhub/store"
	"cityhub/store/storetest"
)

func newKEK(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, keyring.KEKSize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func open(t *testing.T, st keyring.Store, keks ...[]byte) (*keyring.Keyring, error) {
	t.Helper()
	return keyring.Open(context.Background(), st, keyring.Options{KEKs: keks})
}

// storedForms reads the stored keys and fails unless each is sealed by
// sealedBy (empty: in clear) and, when sealed, holds no readable key.
func storedForms(t *testing.T, st keyring.Store, sealedBy string) []keyring.StoredKey {
	t.Helper()
	keys, err := st.SigningKeys(context.Background())
	if err != nil || len(keys) != len(keyring.Purposes) {
		t.Fatalf("stored keys: %d, %v", len(keys), err)
	}
	for _, k := range keys {
		if k.SealedBy != sealedBy {
			t.Fatalf("key %s sealed by %q, want %q", k.ID, k.SealedBy, sealedBy)
		}
		_, err := x509.ParsePKCS8PrivateKey(k.PKCS8)
		if sealedBy != "" && err == nil {
			t.Fatalf("key %s is stored in clear", k.ID)
		}
		if sealedBy == "" && err != nil {
			t.Fatalf("key %s in clear does not parse: %v", k.ID, err)
		}
	}
	return keys
}

func sameSigners(t *testing.T, a, b *keyring.Keyring) {
	t.Helper()
	for _, p := range keyring.Purposes {
		kid1, priv1 := a.Signer(p)
		kid2, priv2 := b.Signer(p)
		if kid1 == "" || kid1 != kid2 || !priv1.Equal(priv2) {
			t.Fatalf("purpose %s: %q then %q, want the same key", p, kid1, kid2)
		}
	}
}

// With a key-encryption key, generated keys are stored encrypted, and a
// start without that key, or with another, is refused with a message that
// says what to set.
func TestKeysEncryptedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		kek := newKEK(t)
		first, err := open(t, db.Keyring(), kek)
		if err != nil {
			t.Fatal(err)
		}
		if first.StoredInClear() {
			t.Error("keys under a key-encryption key reported in clear")
		}
		storedForms(t, db.Keyring(), keyring.KEKFingerprint(kek))
		again, err := open(t, db.Keyring(), kek)
		if err != nil {
			t.Fatal(err)
		}
		sameSigners(t, first, again)

		if _, err := keyring.Load(context.Background(), db.Keyring(), ""); err == nil || !strings.Contains(err.Error(), "CITYHUB_KEY_ENCRYPTION_KEY is not set") {
			t.Fatalf("start without the key-encryption key: %v", err)
		}
		if _, err := open(t, db.Keyring(), newKEK(t)); err == nil || !strings.Contains(err.Error(), keyring.KEKFingerprint(kek)) {
			t.Fatalf("start with another key-encryption key: %v", err)
		}
		// Keys given in configuration need no key-encryption key, when
		// every purpose's is given.
		access, _ := genPEM(t, keyring.PurposeAccess)
		qr, _ := genPEM(t, keyring.PurposeQR)
		replay, _ := genPEM(t, keyring.PurposeReplay)
		if _, err := keyring.Load(context.Background(), db.Keyring(), access+qr+replay); err != nil {
			t.Fatalf("configured keys refused: %v", err)
		}
		if _, err := keyring.Load(context.Background(), db.Keyring(), access+qr); err == nil || !strings.Contains(err.Error(), "CITYHUB_KEY_ENCRYPTION_KEY is not set") {
			t.Fatalf("configured keys but the replay key, whose stored one is encrypted: %v", err)
		}
	})
}

// Keys stored in clear by an earlier start are encrypted on the first start
// with a key-encryption key; after that, a start without it is refused.
func TestKeysInClearEncryptedOnFirstStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		before := mustLoad(t, db.Keyring(), "")
		if !before.StoredInClear() {
			t.Error("keys without a key-encryption key not reported in clear")
		}
		storedForms(t, db.Keyring(), "")
		kek := newKEK(t)
		after, err := open(t, db.Keyring(), kek)
		if err != nil {
			t.Fatal(err)
		}
		sameSigners(t, before, after)
		storedForms(t, db.Keyring(), keyring.KEKFingerprint(kek))
		if _, err := keyring.Load(context.Background(), db.Keyring(), ""); err == nil {
			t.Fatal("start without the key-encryption key accepted")
		}
	})
}

// A new key-encryption key given before the old one takes over: keys are
// encrypted again with it, and the old one is no longer needed.
func TestKeyEncryptionKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		oldKEK, newKEK := newKEK(t), newKEK(t)
		first, err := open(t, db.Keyring(), oldKEK)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := open(t, db.Keyring(), newKEK, oldKEK); err != nil {
			t.Fatal(err)
		}
		storedForms(t, db.Keyring(), keyring.KEKFingerprint(newKEK))
		last, err := open(t, db.Keyring(), newKEK)
		if err != nil {
			t.Fatal(err)
		}
		sameSigners(t, first, last)
		if _, err := open(t, db.Keyring(), oldKEK); err == nil {
			t.Fatal("the retired key-encryption key still opens the keys")
		}
	})
}

// A sealed key copied onto another key's row does not open: the key's id and
// purpose are bound to its ciphertext.
func TestSealedKeyBoundToItsRow(t *testing.T) {
	db := storetest.OpenSQLite(t)
	kek := newKEK(t)
	if _, err := open(t, db.Keyring(), kek); err != nil {
		t.Fatal(err)
	}
	keys := storedForms(t, db.Keyring(), keyring.KEKFingerprint(kek))
	fp := keyring.KEKFingerprint(kek)
	if ok, err := db.Keyring().ResealSigningKey(context.Background(), keys[1].ID, keys[0].PKCS8, fp, fp); !ok || err != nil {
		t.Fatalf("overwrite: %v %v", ok, err)
	}
	if _, err := open(t, db.Keyring(), kek); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Fatalf("swapped ciphertext: %v", err)
	}
	if bytes.Equal(keys[0].PKCS8, keys[1].PKCS8) {
		t.Fatal("two keys sealed to the same bytes")
	}
}

// Open says what it encrypted, and which stored keys it left under another
// key-encryption key because the configuration gives every key: a
// rotation asked for then does nothing, and the old key is still needed.
func TestResealedCounted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		inClear := mustLoad(t, db.Keyring(), "")
		if e, r := inClear.Resealed(); e != 0 || r != 0 {
			t.Errorf("without a key-encryption key: resealed %d, %d", e, r)
		}
		oldKEK, newKEK := newKEK(t), newKEK(t)
		first, err := open(t, db.Keyring(), oldKEK)
		if err != nil {
			t.Fatal(err)
		}
		if e, r := first.Resealed(); e != len(keyring.Purposes) || r != 0 {
			t.Errorf("first start with a key-encryption key: encrypted %d, again %d", e, r)
		}
		access, _ := genPEM(t, keyring.PurposeAccess)
		qr, _ := genPEM(t, keyring.PurposeQR)
		replay, _ := genPEM(t, keyring.PurposeReplay)
		configured, err := keyring.Open(context.Background(), db.Keyring(), keyring.Options{PEM: access + qr + replay, KEKs: [][]byte{newKEK, oldKEK}})
		if err != nil {
			t.Fatal(err)
		}
		if n := configured.NotResealed(); n != len(keyring.Purposes) {
			t.Errorf("rotation with every key configured: %d stored keys left, want %d", n, len(keyring.Purposes))
		}
		storedForms(t, db.Keyring(), keyring.KEKFingerprint(oldKEK))
		rotated, err := open(t, db.Keyring(), newKEK, oldKEK)
		if err != nil {
			t.Fatal(err)
		}
		if e, r := rotated.Resealed(); e != 0 || r != len(keyring.Purposes) || rotated.NotResealed() != 0 {
			t.Errorf("rotation: encrypted %d, again %d, left %d", e, r, rotated.NotResealed())
		}
		done, err := keyring.Open(context.Background(), db.Keyring(), keyring.Options{PEM: access + qr + replay, KEKs: [][]byte{newKEK}})
		if err != nil || done.NotResealed() != 0 {
			t.Errorf("every stored key under the first key-encryption key: left %d, %v", done.NotResealed(), err)
		}
	})
}
