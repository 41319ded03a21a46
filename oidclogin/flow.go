package oidclogin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// flow is what one login carries from Start to Finish. The PKCE verifier
// must not reach anyone but the hub, so the value is encrypted, not only
// signed.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"`
}

// sealer encrypts flows with XChaCha20-Poly1305 under a key derived (HKDF)
// from the client's credential, the issuer and the client id: every
// replica derives the same key, and a flow of one registration does not
// open under another.
type sealer struct{ key []byte }

func newSealer(secret []byte, issuer, clientID string) (*sealer, error) {
	key := make([]byte, chacha20poly1305.KeySize)
	r := hkdf.New(sha256.New, secret, []byte(issuer+"\x00"+clientID), []byte("cityhub oidc login flow v1"))
	if _, err := io.ReadFull(r, key); err != nil {
		return nil, fmt.Errorf("oidc: derive flow key: %w", err)
	}
	return &sealer{key: key}, nil
}

func (s *sealer) seal(f flow) (string, error) {
	aead, err := chacha20poly1305.NewX(s.key)
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, nil)), nil
}

var errFlow = errors.New("oidc flow value does not open")

// maxFlowLen bounds what open decodes (a cookie's value).
const maxFlowLen = 1024

func (s *sealer) open(v string) (flow, error) {
	var f flow
	if len(v) > maxFlowLen {
		return f, errFlow
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return f, errFlow
	}
	aead, err := chacha20poly1305.NewX(s.key)
	if err != nil {
		return f, err
	}
	if len(b) < aead.NonceSize()+aead.Overhead() {
		return f, errFlow
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil)
	if err != nil {
		return f, errFlow
	}
	if err := json.Unmarshal(plain, &f); err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return f, errFlow
	}
	return f, nil
}
