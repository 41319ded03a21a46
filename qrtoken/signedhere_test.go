package qrtoken

import (
	"crypto/ed25519"
	"errors"
	"strconv"
	"testing"
	"time"
)

// A token this process signed is taken by the look-up, its signature not
// checked again: one whose signature is garbage, remembered as signed here
// by the key of its kid, verifies; the same text remembered for another
// key does not.
func TestSignedHereTakesTheTokenWithoutItsSignature(t *testing.T) {
	keys := NewMemKeys()
	pub := keys.Generate("qr-signedhere1", Purpose)
	good, err := Sign(keys, KindVoucher, "vch_signedhere", time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	body, err := decode(good)
	if err != nil {
		t.Fatal(err)
	}
	body[len(body)-1] ^= 0xFF // the signature's last byte: no longer the key's
	bad := Prefix + textEncoding.EncodeToString(body)
	if _, err := check(keys, bad, KindVoucher, time.Now(), 0); !errors.Is(err, ErrSignature) {
		t.Fatalf("an altered signature not remembered: %v, want ErrSignature", err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	signedHere.remember(bad, other, time.Now())
	if _, err := check(keys, bad, KindVoucher, time.Now(), 0); !errors.Is(err, ErrSignature) {
		t.Fatalf("remembered for another key: %v, want ErrSignature", err)
	}
	signedHere.remember(bad, pub, time.Now())
	if c, err := check(keys, bad, KindVoucher, time.Now(), 0); err != nil || c.ObjectID != "vch_signedhere" {
		t.Fatalf("remembered as signed here by its key: %+v, %v", c, err)
	}
}

// What the look-up skips is the signature alone: a token signed here by a
// key of the same id that is not the hub's (a forger's) is refused, and
// one signed here is still refused when its key is no longer known, when
// it expired, or for another kind.
func TestSignedHereChecksAllButTheSignature(t *testing.T) {
	hub := NewMemKeys()
	hub.Generate("qr-signedhere2", Purpose)
	forger := NewMemKeys()
	forger.Generate("qr-signedhere2", Purpose)
	now := time.Now()
	forged, err := Sign(forger, KindVoucher, "vch_forged", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := check(hub, forged, KindVoucher, now, 0); !errors.Is(err, ErrSignature) {
		t.Fatalf("a forger's token signed in this process: %v, want ErrSignature", err)
	}
	tok, err := Sign(hub, KindVoucher, "vch_here", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := check(hub, tok, KindVoucher, now, 0); err != nil {
		t.Fatalf("signed here: %v", err)
	}
	if _, err := check(hub, tok, KindTicket, now, 0); !errors.Is(err, ErrKind) {
		t.Fatalf("signed here, another kind: %v, want ErrKind", err)
	}
	if _, err := check(hub, tok, KindVoucher, now.Add(2*time.Minute), 0); !errors.Is(err, ErrExpired) {
		t.Fatalf("signed here, expired: %v, want ErrExpired", err)
	}
	if _, err := check(NewMemKeys(), tok, KindVoucher, now, 0); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("signed here by a key no longer known: %v, want ErrUnknownKey", err)
	}
}

// A token is remembered for one to two generations of signedHereAge, so
// the memory holds what was signed in the last few minutes only.
func TestSignedHereForgetsOldTokens(t *testing.T) {
	m := &signedMemo{}
	pub, _, _ := ed25519.GenerateKey(nil)
	t0 := time.Now()
	m.remember("CH1:first", pub, t0)
	m.remember("CH1:second", pub, t0.Add(signedHereAge))
	if !m.signedBy("CH1:first", pub) || !m.signedBy("CH1:second", pub) {
		t.Fatal("a token of the generation before is forgotten")
	}
	m.remember("CH1:third", pub, t0.Add(2*signedHereAge))
	if m.signedBy("CH1:first", pub) || !m.signedBy("CH1:second", pub) || !m.signedBy("CH1:third", pub) {
		t.Fatal("the generations did not move on")
	}
}

// The memory is bounded: past maxSignedHere tokens in a generation, a
// token is not remembered (its signature will be checked), and the ones
// before it stay.
func TestSignedHereStopsAtItsBound(t *testing.T) {
	m := &signedMemo{}
	pub, _, _ := ed25519.GenerateKey(nil)
	now := time.Now()
	for i := range maxSignedHere {
		m.remember("CH1:"+strconv.Itoa(i), pub, now)
	}
	m.remember("CH1:one too many", pub, now)
	if !m.signedBy("CH1:0", pub) || !m.signedBy("CH1:"+strconv.Itoa(maxSignedHere-1), pub) {
		t.Fatal("a token within the bound is forgotten")
	}
	if m.signedBy("CH1:one too many", pub) || len(m.cur) != maxSignedHere {
		t.Fatalf("past the bound: %d remembered, want %d", len(m.cur), maxSignedHere)
	}
}
