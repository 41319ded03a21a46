package qrtoken

import (
	"crypto/ed25519"
	"crypto/rand"
	"sync"
)

// MemKeys is an in-memory Keys, for tests, benchmarks and tills that load
// the hub's public keys from its JWKS.
type MemKeys struct {
	mu      sync.RWMutex
	current map[string]string // purpose -> kid
	priv    map[string]ed25519.PrivateKey
	pub     map[string]ed25519.PublicKey
	purpose map[string]string
}

// NewMemKeys returns an empty key set.
func NewMemKeys() *MemKeys {
	return &MemKeys{current: map[string]string{}, priv: map[string]ed25519.PrivateKey{}, pub: map[string]ed25519.PublicKey{}, purpose: map[string]string{}}
}

// Generate adds a fresh key for purpose and makes it the current signer.
func (k *MemKeys) Generate(kid, purpose string) ed25519.PublicKey {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.current[purpose] = kid
	k.priv[kid] = priv
	k.pub[kid] = pub
	k.purpose[kid] = purpose
	return pub
}

// AddPublic adds a verification-only key, as a till does from the JWKS.
func (k *MemKeys) AddPublic(kid, purpose string, pub ed25519.PublicKey) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pub[kid] = pub
	k.purpose[kid] = purpose
}

// Signer implements Keys.
func (k *MemKeys) Signer(purpose string) (string, ed25519.PrivateKey) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	kid := k.current[purpose]
	return kid, k.priv[kid]
}

// PublicKey implements Keys.
func (k *MemKeys) PublicKey(kid string) (ed25519.PublicKey, string, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	pub, ok := k.pub[kid]
	return pub, k.purpose[kid], ok
}
