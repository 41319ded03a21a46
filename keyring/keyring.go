// Package keyring holds the hub's Ed25519 signing keys, one current key per
// purpose ("access" signs access tokens, "qr" signs QR tokens), and publishes
// their public halves as a JWKS. Keys come from configuration or are generated
// once and kept in the database, so every hub replica signs and verifies with
// the same keys. A key of one purpose must never verify a token of another:
// PublicKey always says which purpose a key serves, and verifiers check it.
// This package never logs or returns private key material except to signers.
//
// Generated keys are stored in the signing_keys table, encrypted with the
// key-encryption key when one is configured (seal.go) and in clear
// otherwise: then whoever can read the database can sign tokens. Keys stored
// in clear are encrypted on the first start with a key-encryption key, and a
// start with encrypted keys but without their key-encryption key is refused.
// An operator who wants keys out of the database gives them in
// CITYHUB_SIGNING_KEYS instead, which is also how keys are rotated (new key
// first, old key after it until its tokens expire).
package keyring

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Key purposes. A purpose names what a key may sign.
const (
	PurposeAccess = "access" // access tokens (JWT, EdDSA)
	PurposeQR     = "qr"     // QR tokens of vouchers and tickets (see qrtoken)
	// PurposeReplay signs nothing: its key's seed is the secret from which
	// Secret derives the key that fingerprints keyed requests for their
	// retries. Kept as a key of the ring because the ring already gives
	// every replica the same one, generated once, sealed with the
	// key-encryption key; never published.
	PurposeReplay = "replay"
)

// Purposes lists every purpose the hub needs a key for.
var Purposes = []string{PurposeAccess, PurposeQR, PurposeReplay}

// published says which purposes' public keys the JWKS lists: those that
// sign something someone else verifies.
func published(purpose string) bool { return purpose != PurposeReplay }

// StoredKey is one signing key as the database keeps it.
type StoredKey struct {
	ID      string
	Purpose string
	// PKCS8 is the private key, DER-encoded PKCS #8, or that encrypted
	// (seal.go) when SealedBy is set.
	PKCS8 []byte
	// SealedBy is the fingerprint of the key-encryption key that encrypted
	// PKCS8; empty when PKCS8 is in clear.
	SealedBy string
	// Current marks the key that signs for its purpose; other keys of the
	// purpose only verify (they stay published until their tokens expire).
	Current   bool
	CreatedAt time.Time
}

// Store keeps generated keys. Both store engines implement it.
type Store interface {
	// AddSigningKeyIfAbsent stores k as the current key of k.Purpose unless
	// that purpose already has a current key, in which case it does nothing
	// and returns nil. It must be safe when several hubs call it at once.
	AddSigningKeyIfAbsent(ctx context.Context, k StoredKey) error
	// SigningKeys lists every stored key.
	SigningKeys(ctx context.Context) ([]StoredKey, error)
	// ResealSigningKey replaces the stored form of key id with pkcs8 sealed
	// by sealedBy, only if it is still sealed by was (empty: in clear); false
	// if another hub changed it first.
	ResealSigningKey(ctx context.Context, id string, pkcs8 []byte, sealedBy, was string) (bool, error)
}

// Options say where the keys come from.
type Options struct {
	// PEM is CITYHUB_SIGNING_KEYS (see Load).
	PEM string
	// KEKs are the key-encryption keys (CITYHUB_KEY_ENCRYPTION_KEY): the
	// first encrypts stored keys, the others only decrypt keys they
	// encrypted, which are then encrypted again with the first. None: stored
	// keys stay in clear.
	KEKs [][]byte
}

type key struct {
	id      string
	purpose string
	priv    ed25519.PrivateKey // nil for verification-only keys
	pub     ed25519.PublicKey
}

// Keyring is the loaded set of keys. It does not change after Load, so it is
// safe for concurrent use without locks.
type Keyring struct {
	current map[string]string // purpose -> kid
	keys    map[string]key    // kid -> key
	order   []string          // kids in publication order
	jwks    []byte
	// inClear counts keys in use that the database keeps unencrypted.
	inClear int
	// encrypted and reencrypted count the stored keys this Open encrypted,
	// from clear and from another key-encryption key; notRead those it left
	// in clear or under another key-encryption key than the first given,
	// because the configuration gives every purpose's key and the stored
	// keys are not read.
	encrypted, reencrypted, notRead int
}

// Resealed says how many stored keys Open encrypted with the first
// key-encryption key: from clear, and from an older key-encryption key.
func (k *Keyring) Resealed() (encrypted, reencrypted int) { return k.encrypted, k.reencrypted }

// NotResealed says how many stored keys Open left in clear or under
// another key-encryption key than the first given, because
// CITYHUB_SIGNING_KEYS gives a key for every purpose and the stored keys
// were not read: the key-encryption key that seals them is still needed.
func (k *Keyring) NotResealed() int { return k.notRead }

// StoredInClear reports whether keys in use are kept in the database
// without encryption (no key-encryption key configured).
func (k *Keyring) StoredInClear() bool { return k.inClear > 0 }

// Signer returns the current key for purpose and its key id; an empty kid
// and a nil key when the purpose has none.
func (k *Keyring) Signer(purpose string) (kid string, priv ed25519.PrivateKey) {
	kid, ok := k.current[purpose]
	if !ok {
		return "", nil
	}
	return kid, k.keys[kid].priv
}

// PublicKey returns the public key with id kid and the purpose it serves.
func (k *Keyring) PublicKey(kid string) (pub ed25519.PublicKey, purpose string, ok bool) {
	key, ok := k.keys[kid]
	if !ok {
		return nil, "", false
	}
	return key.pub, key.purpose, true
}

// Secret is a 32-byte secret for use (info names it; each use its own),
// derived (HKDF-SHA-256) from the current key of purpose: the same on every
// replica, and known to nobody who cannot read the keyring. Nil when the
// purpose has no key.
func (k *Keyring) Secret(purpose, info string) []byte {
	_, priv := k.Signer(purpose)
	if priv == nil {
		return nil
	}
	key, err := hkdf.Key(sha256.New, priv.Seed(), nil, info, 32)
	if err != nil {
		// Only for a length HKDF-SHA-256 cannot give; 32 it always can.
		panic(fmt.Sprintf("keyring: derive %s: %v", info, err))
	}
	return key
}

// JWKS is the JSON Web Key Set (RFC 7517, keys as RFC 8037 OKP/Ed25519) of
// every key, current or still verifying. Each key carries the non-standard
// member "purpose" so that a till can accept only the keys meant for QR codes.
func (k *Keyring) JWKS() []byte { return slices.Clone(k.jwks) }

// JWK is one public key of the set.
type JWK struct {
	Kty     string `json:"kty"`
	Crv     string `json:"crv"`
	Alg     string `json:"alg"`
	Use     string `json:"use"`
	Kid     string `json:"kid"`
	X       string `json:"x"`
	Purpose string `json:"purpose"`
}

// KeyID derives a key id from the public key and the purpose: the purpose,
// a dash and the first 12 characters of the RFC 7638 thumbprint. It is stable,
// so a key given in configuration gets the same id on every replica, and
// short, since it travels inside every QR code.
func KeyID(purpose string, pub ed25519.PublicKey) string {
	// RFC 7638: the required members in lexicographic order, no whitespace.
	canon := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return purpose + "-" + base64.RawURLEncoding.EncodeToString(sum[:])[:12]
}

// PurposeHeader is the PEM header that names a configured key's purpose.
const PurposeHeader = "Purpose"

// Load builds the keyring. cfgPEM (CITYHUB_SIGNING_KEYS) is a PEM bundle of
// Ed25519 private keys, PKCS #8 ("PRIVATE KEY" blocks), each with a header
// "Purpose: access", "Purpose: qr" or "Purpose: replay"; the first key of a purpose signs, later
// ones only verify (keep the previous key there while its tokens may still be
// in use). Purposes the bundle does not cover get a key from the database,
// generated on first start: every hub inserts a candidate if none exists and
// then reads back whichever won, so replicas starting together agree.
//
// Load keeps stored keys in clear; Open takes key-encryption keys too.
func Load(ctx context.Context, store Store, cfgPEM string) (*Keyring, error) {
	return Open(ctx, store, Options{PEM: cfgPEM})
}

// Open builds the keyring as Load does, with stored keys encrypted by the
// first of opt.KEKs: new keys are stored encrypted, keys in clear or under an
// older key-encryption key are encrypted again. It fails with a message that
// says what to set when a stored key needed here is encrypted and no given
// key-encryption key opens it.
func Open(ctx context.Context, store Store, opt Options) (*Keyring, error) {
	for i, kek := range opt.KEKs {
		if len(kek) != KEKSize {
			return nil, fmt.Errorf("key-encryption key %d: %d bytes, want %d", i+1, len(kek), KEKSize)
		}
	}
	k := &Keyring{current: map[string]string{}, keys: map[string]key{}}
	cfgPEM := opt.PEM
	if strings.TrimSpace(cfgPEM) != "" {
		if err := k.addPEM(cfgPEM); err != nil {
			return nil, err
		}
	}
	var missing []string
	for _, p := range Purposes {
		if _, ok := k.current[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		if err := k.addStored(ctx, store, missing, opt.KEKs); err != nil {
			return nil, err
		}
	} else if len(opt.KEKs) > 0 {
		// Only listed, never opened: the hub does not need them, and may
		// not have the key-encryption key they are sealed with.
		stored, err := store.SigningKeys(ctx)
		if err != nil {
			return nil, fmt.Errorf("read signing keys: %w", err)
		}
		for _, s := range stored {
			if s.SealedBy != KEKFingerprint(opt.KEKs[0]) {
				k.notRead++
			}
		}
	}
	for _, p := range Purposes {
		if _, ok := k.current[p]; !ok {
			return nil, fmt.Errorf("load signing keys: no key for purpose %q", p)
		}
	}
	jwks, err := k.buildJWKS()
	if err != nil {
		return nil, err
	}
	k.jwks = jwks
	return k, nil
}

func (k *Keyring) add(purpose string, priv ed25519.PrivateKey, current bool) error {
	pub := priv.Public().(ed25519.PublicKey)
	kid := KeyID(purpose, pub)
	if _, dup := k.keys[kid]; dup {
		return fmt.Errorf("signing key %s is listed twice", kid)
	}
	k.keys[kid] = key{id: kid, purpose: purpose, priv: priv, pub: pub}
	k.order = append(k.order, kid)
	if current {
		if _, has := k.current[purpose]; !has {
			k.current[purpose] = kid
		}
	}
	return nil
}

// CheckPEM reports what Open would refuse in a configured bundle of
// signing keys, without a database: a start checks its settings before
// it opens (and migrates) the store.
func CheckPEM(bundle string) error {
	if strings.TrimSpace(bundle) == "" {
		return nil
	}
	k := &Keyring{current: map[string]string{}, keys: map[string]key{}}
	return k.addPEM(bundle)
}

func (k *Keyring) addPEM(bundle string) error {
	rest := []byte(bundle)
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		n++
		if block.Type != "PRIVATE KEY" {
			return fmt.Errorf("signing keys: block %d is %q, want PRIVATE KEY (PKCS #8)", n, block.Type)
		}
		purpose := block.Headers[PurposeHeader]
		if !slices.Contains(Purposes, purpose) {
			return fmt.Errorf("signing keys: block %d needs a header %q with one of %v", n, PurposeHeader, Purposes)
		}
		priv, err := parsePKCS8(block.Bytes)
		if err != nil {
			return fmt.Errorf("signing keys: block %d: %w", n, err)
		}
		if err := k.add(purpose, priv, true); err != nil {
			return fmt.Errorf("signing keys: %w", err)
		}
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		return errors.New("signing keys: not a PEM bundle of PRIVATE KEY blocks")
	}
	return nil
}

func parsePKCS8(der []byte) (ed25519.PrivateKey, error) {
	raw, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS #8: %w", err)
	}
	priv, ok := raw.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, want Ed25519", raw)
	}
	return priv, nil
}

func (k *Keyring) addStored(ctx context.Context, store Store, purposes []string, keks [][]byte) error {
	for _, p := range purposes {
		cand, err := Generate(p)
		if err != nil {
			return err
		}
		if len(keks) > 0 {
			if cand.PKCS8, err = seal(keks[0], cand.ID, cand.Purpose, cand.PKCS8); err != nil {
				return err
			}
			cand.SealedBy = KEKFingerprint(keks[0])
		}
		if err := store.AddSigningKeyIfAbsent(ctx, cand); err != nil {
			return fmt.Errorf("store signing key: %w", err)
		}
	}
	stored, err := store.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("read signing keys: %w", err)
	}
	// Current keys first, so they win the current slot; then the others, by age.
	slices.SortStableFunc(stored, func(a, b StoredKey) int {
		if a.Current != b.Current {
			if a.Current {
				return -1
			}
			return 1
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	for _, s := range stored {
		used := slices.Contains(purposes, s.Purpose) // else configuration overrides the database
		der, err := openStored(s, keks)
		if err != nil {
			if !used {
				continue // not needed here; a start that needs it will say so
			}
			return err
		}
		if len(keks) > 0 && s.SealedBy != KEKFingerprint(keks[0]) {
			// Every stored key is encrypted with the current key-encryption
			// key, also keys this hub does not sign with.
			sealed, err := seal(keks[0], s.ID, s.Purpose, der)
			if err != nil {
				return err
			}
			done, err := store.ResealSigningKey(ctx, s.ID, sealed, KEKFingerprint(keks[0]), s.SealedBy)
			if err != nil {
				return fmt.Errorf("encrypt stored signing key %s: %w", s.ID, err)
			}
			switch {
			case !done: // another hub starting with the same keys did it
			case s.SealedBy == "":
				k.encrypted++
			default:
				k.reencrypted++
			}
		}
		if !used {
			continue
		}
		priv, err := parsePKCS8(der)
		if err != nil {
			return fmt.Errorf("stored signing key %s: %w", s.ID, err)
		}
		if KeyID(s.Purpose, priv.Public().(ed25519.PublicKey)) != s.ID {
			return fmt.Errorf("stored signing key %s: id does not match the key", s.ID)
		}
		if err := k.add(s.Purpose, priv, s.Current); err != nil {
			return err
		}
		if len(keks) == 0 {
			k.inClear++
		}
	}
	return nil
}

// openStored returns a stored key's PKCS #8 DER, decrypting it with the
// key-encryption key that sealed it.
func openStored(s StoredKey, keks [][]byte) ([]byte, error) {
	if s.SealedBy == "" {
		return s.PKCS8, nil
	}
	if len(keks) == 0 {
		return nil, fmt.Errorf("stored signing key %s is encrypted (key-encryption key %s) and CITYHUB_KEY_ENCRYPTION_KEY is not set: set it to that key", s.ID, s.SealedBy)
	}
	for _, kek := range keks {
		if KEKFingerprint(kek) != s.SealedBy {
			continue
		}
		der, err := unseal(kek, s.ID, s.Purpose, s.PKCS8)
		if err != nil {
			return nil, fmt.Errorf("stored signing key %s: %w", s.ID, err)
		}
		return der, nil
	}
	given := make([]string, 0, len(keks))
	for _, kek := range keks {
		given = append(given, KEKFingerprint(kek))
	}
	return nil, fmt.Errorf("stored signing key %s is encrypted with key-encryption key %s, and CITYHUB_KEY_ENCRYPTION_KEY holds %s: give that key (to change it: the new key, a comma, then that one)",
		s.ID, s.SealedBy, strings.Join(given, ", "))
}

// Generate makes a fresh key for purpose, ready to store.
func Generate(purpose string) (StoredKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return StoredKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return StoredKey{}, fmt.Errorf("encode signing key: %w", err)
	}
	return StoredKey{ID: KeyID(purpose, pub), Purpose: purpose, PKCS8: der, Current: true, CreatedAt: time.Now().UTC()}, nil
}

// EncodePEM returns priv as a PEM block for CITYHUB_SIGNING_KEYS.
func EncodePEM(purpose string, priv ed25519.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("encode signing key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{PurposeHeader: purpose}, Bytes: der})), nil
}

func (k *Keyring) buildJWKS() ([]byte, error) {
	set := struct {
		Keys []JWK `json:"keys"`
	}{Keys: []JWK{}}
	for _, kid := range k.order {
		key := k.keys[kid]
		if !published(key.purpose) {
			continue
		}
		set.Keys = append(set.Keys, JWK{
			Kty: "OKP", Crv: "Ed25519", Alg: "EdDSA", Use: "sig", Kid: kid,
			X: base64.RawURLEncoding.EncodeToString(key.pub), Purpose: key.purpose,
		})
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("encode jwks: %w", err)
	}
	return b, nil
}
