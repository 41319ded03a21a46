package oidclogin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"

	"cityhub/identity"
)

// A SPID/CIE login whose e-mail claim names an account made with a
// password cannot log in until the person proves that password too
// (identity.LinkFiscalCode). Between the two steps the page keeps what the
// provider asserted in a cookie, sealed here: encrypted, so the fiscal code
// does not sit readable in the browser, and authenticated, so nobody can
// hand the page an identity the provider never vouched for.

// PendingTTL bounds how long a verified identity waits for the password.
const PendingTTL = 10 * time.Minute

// maxPendingLen bounds what OpenIdentity decodes (a cookie's value).
const maxPendingLen = 3000

type pending struct {
	Ext     identity.ExternalIdentity `json:"x"`
	Expires int64                     `json:"e"`
}

// pendingKey is derived from the flow key with its own label, so a sealed
// flow never opens as an identity, nor the other way round.
func (rp *RP) pendingKey() ([]byte, error) {
	key := make([]byte, chacha20poly1305.KeySize)
	r := hkdf.New(sha256.New, rp.seal.key, nil, []byte("cityhub oidc pending link v1"))
	if _, err := io.ReadFull(r, key); err != nil {
		return nil, fmt.Errorf("oidc: derive pending key: %w", err)
	}
	return key, nil
}

// SealIdentity seals ext, as Finish returned it, for the page to keep
// while it asks for the password of the account ext's e-mail names. bound
// ties the value to what the page holds when it opens it again (the page
// session it was made under, "" for none): OpenIdentity opens it only with
// the same bound, so a value made under one session is nothing under the
// next, nor one made without a session under any.
func (rp *RP) SealIdentity(ext identity.ExternalIdentity, bound string) (string, error) {
	key, err := rp.pendingKey()
	if err != nil {
		return "", err
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(pending{Ext: ext, Expires: rp.cfg.Now().Add(PendingTTL).Unix()})
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, []byte(bound))), nil
}

// OpenIdentity opens a value of SealIdentity sealed with bound; ErrFlow
// when it was altered, sealed by another registration or with another
// bound, or is older than PendingTTL.
func (rp *RP) OpenIdentity(v, bound string) (identity.ExternalIdentity, error) {
	if v == "" || len(v) > maxPendingLen {
		return identity.ExternalIdentity{}, ErrFlow
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return identity.ExternalIdentity{}, ErrFlow
	}
	key, err := rp.pendingKey()
	if err != nil {
		return identity.ExternalIdentity{}, err
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return identity.ExternalIdentity{}, err
	}
	if len(b) < aead.NonceSize()+aead.Overhead() {
		return identity.ExternalIdentity{}, ErrFlow
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(bound))
	if err != nil {
		return identity.ExternalIdentity{}, ErrFlow
	}
	var p pending
	if err := json.Unmarshal(plain, &p); err != nil || p.Ext.FiscalCode == "" || rp.cfg.Now().Unix() > p.Expires {
		return identity.ExternalIdentity{}, ErrFlow
	}
	return p.Ext, nil
}
