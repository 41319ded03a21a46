package qrtoken

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/edwards25519"
)

// resign returns tok with its signature replaced by another valid Ed25519
// signature of the same body by the same key: one with a random nonce, as
// only a holder of the private key can make, instead of RFC 8032's
// deterministic one.
func resign(t *testing.T, tok string, priv ed25519.PrivateKey) string {
	t.Helper()
	body, err := textEncoding.DecodeString(strings.TrimPrefix(tok, Prefix))
	if err != nil {
		t.Fatal(err)
	}
	signed := body[:len(body)-ed25519.SignatureSize]
	h := sha512.Sum512(priv.Seed())
	a, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		t.Fatal(err)
	}
	var nonce [64]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		t.Fatal(err)
	}
	r, err := edwards25519.NewScalar().SetUniformBytes(nonce[:])
	if err != nil {
		t.Fatal(err)
	}
	R := new(edwards25519.Point).ScalarBaseMult(r).Bytes()
	kh := sha512.New()
	kh.Write(R)
	kh.Write(priv.Public().(ed25519.PublicKey))
	kh.Write(signed)
	k, err := edwards25519.NewScalar().SetUniformBytes(kh.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	S := edwards25519.NewScalar().MultiplyAdd(k, a, r).Bytes()
	sig := append(append([]byte{}, R...), S...)
	if !ed25519.Verify(priv.Public().(ed25519.PublicKey), signed, sig) {
		t.Fatal("the test's own signature does not verify")
	}
	return Prefix + textEncoding.EncodeToString(append(append([]byte{}, signed...), sig...))
}

// A hub checks a token of its current key by signing its body again: it
// accepts its own signature and refuses any other, even one that Verify
// would accept, which no one without the private key can make (this test
// makes one with it). A till, which holds only the public key, checks the
// same token with Verify; so does a hub for a key it no longer signs with.
func TestTheSignersOwnSignatureOnly(t *testing.T) {
	hub := NewMemKeys()
	pub := hub.Generate("qr-2026-11", Purpose)
	till := NewMemKeys()
	till.AddPublic("qr-2026-11", Purpose, pub)
	_, priv := hub.Signer(Purpose)

	tok := mustSign(t, hub, KindVoucher, "vch_abc", t0.Add(90*time.Second))
	other := resign(t, tok, priv)
	if other == tok {
		t.Fatal("the other signature is the deterministic one")
	}
	for _, c := range []struct {
		name string
		keys Keys
		tok  string
		ok   bool
	}{
		{"the hub, its own signature", hub, tok, true},
		{"the hub, another valid signature", hub, other, false},
		{"a till, the hub's signature", till, tok, true},
		{"a till, another valid signature", till, other, true},
	} {
		_, err := check(c.keys, c.tok, KindVoucher, t0, 0)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok %v", c.name, err, c.ok)
		}
	}

	// A changed bit of the signature is refused on both paths.
	body, _ := textEncoding.DecodeString(strings.TrimPrefix(tok, Prefix))
	body[len(body)-1] ^= 1
	flipped := Prefix + textEncoding.EncodeToString(body)
	for name, k := range map[string]Keys{"hub": hub, "till": till} {
		if _, err := check(k, flipped, KindVoucher, t0, 0); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: a changed signature: err = %v, want %v", name, err, ErrSignature)
		}
	}

	// Rotated: the old key verifies what it signed, by Verify.
	hub.Generate("qr-2026-12", Purpose)
	for name, tk := range map[string]string{"its own": tok, "another valid": other} {
		if _, err := check(hub, tk, KindVoucher, t0, 0); err != nil {
			t.Errorf("after rotation, %s signature of the old key: %v", name, err)
		}
	}
}
