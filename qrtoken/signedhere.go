package qrtoken

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"sync"
	"time"
)

// The tokens this process signed, remembered for a few minutes: a rotating
// code is signed by the hub that shows it and scanned within its 90
// seconds, most often at the same hub, where checking its Ed25519
// signature again is the largest cost of a redemption (bench/README.md).
// A token found here, its text the same byte for byte and its key's public
// half the one that signed it, is as genuine as a signature could prove:
// this process made it with that key. Any other token (signed by another
// replica, or remembered no more) is checked by its signature, as always;
// the key must still be known, and expiry and kind are checked alike.
//
// Two generations of at most maxSignedHere tokens each, the older dropped
// every signedHereAge: a token is remembered from signedHereAge to twice
// that, longer than a rotating code lives, and the memory is bounded
// whatever is signed (past the bound a token is simply not remembered).
const (
	maxSignedHere = 50000
	signedHereAge = 2 * time.Minute
)

var signedHere = &signedMemo{}

type signedMemo struct {
	mu        sync.RWMutex // read by every check, written by every signing
	cur, prev map[[sha256.Size]byte][ed25519.PublicKeySize]byte
	since     time.Time
}

// remember records that text was signed here by the key whose public half
// is pub.
func (m *signedMemo) remember(text string, pub ed25519.PublicKey, now time.Time) {
	var p [ed25519.PublicKeySize]byte
	if copy(p[:], pub) != len(p) {
		return
	}
	h := sha256.Sum256([]byte(text))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil || now.Sub(m.since) >= signedHereAge || now.Before(m.since) {
		m.prev, m.cur, m.since = m.cur, map[[sha256.Size]byte][ed25519.PublicKeySize]byte{}, now
	}
	if len(m.cur) < maxSignedHere {
		m.cur[h] = p
	}
}

// signedBy reports whether text was signed here by the key whose public
// half is pub.
func (m *signedMemo) signedBy(text string, pub ed25519.PublicKey) bool {
	h := sha256.Sum256([]byte(text))
	m.mu.RLock()
	p, ok := m.cur[h]
	if !ok {
		p, ok = m.prev[h]
	}
	m.mu.RUnlock()
	return ok && bytes.Equal(p[:], pub)
}
