package keyring

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// Keys kept in the database are encrypted at rest when the operator gives a
// key-encryption key (KEK, CITYHUB_KEY_ENCRYPTION_KEY): then a copy of the
// database, a backup or a world-readable SQLite file no longer hands out the
// signing keys. XChaCha20-Poly1305, since its 192-bit random nonces need no
// counter shared between replicas; the key's id and purpose are the
// associated data, so a sealed key copied onto another row does not open.

// KEKSize is the length of a key-encryption key.
const KEKSize = chacha20poly1305.KeySize

const sealVersion = 1

// KEKFingerprint names a key-encryption key without revealing it, so the
// database can say which key sealed a signing key.
func KEKFingerprint(kek []byte) string {
	sum := sha256.Sum256(append([]byte("cityhub key-encryption key\x00"), kek...))
	return "kek-" + base64.RawURLEncoding.EncodeToString(sum[:9])
}

func sealAD(id, purpose string) []byte {
	return []byte(fmt.Sprintf("cityhub signing key v%d\x00%s\x00%s", sealVersion, id, purpose))
}

// seal encrypts a PKCS #8 key: version byte, nonce, ciphertext and tag.
func seal(kek []byte, id, purpose string, pkcs8 []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(pkcs8)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal signing key: %w", err)
	}
	return aead.Seal(out, out[1:], pkcs8, sealAD(id, purpose)), nil
}

var errUnseal = errors.New("does not decrypt with the key-encryption key: the database row was altered, or another key with the same fingerprint was given")

// unseal reverses seal.
func unseal(kek []byte, id, purpose string, sealed []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(kek)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() || sealed[0] != sealVersion {
		return nil, errUnseal
	}
	nonce, box := sealed[1:1+aead.NonceSize()], sealed[1+aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, sealAD(id, purpose))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}
