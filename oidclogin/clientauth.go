package oidclogin

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"cityhub/ids"
)

// clientSigner signs the client assertions of private_key_jwt (RFC 7523,
// OpenID Connect Core 9).
type clientSigner struct {
	key    crypto.Signer
	method jwt.SigningMethod
	kid    string
	der    []byte // the private key, from which the flow key is derived
	jwks   []byte
}

func newClientSigner(pemBytes []byte) (*clientSigner, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("oidc: the private key file holds no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("oidc: read private key: %w", err)
	}
	s := &clientSigner{der: block.Bytes}
	var alg string
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("oidc: the RSA key has %d bits, fewer than 2048", k.N.BitLen())
		}
		s.key, s.method, alg = k, jwt.SigningMethodRS256, "RS256"
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("oidc: only P-256 EC keys are supported")
		}
		s.key, s.method, alg = k, jwt.SigningMethodES256, "ES256"
	default:
		return nil, fmt.Errorf("oidc: the private key must be RSA or EC P-256, not %T", key)
	}
	pub := jose.JSONWebKey{Key: s.key.Public(), Use: "sig", Algorithm: alg}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("oidc: key thumbprint: %w", err)
	}
	s.kid = base64.RawURLEncoding.EncodeToString(thumb)
	pub.KeyID = s.kid
	if s.jwks, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}); err != nil {
		return nil, fmt.Errorf("oidc: public key set: %w", err)
	}
	return s, nil
}

// KeyID is the kid of the client's key (its RFC 7638 thumbprint).
func (s *clientSigner) KeyID() string { return s.kid }

// assertion is a client assertion for one token request: short-lived and
// with a unique jti, so a copy cannot be replayed later.
func (s *clientSigner) assertion(clientID string, audience []string, now time.Time) (string, error) {
	now = now.Truncate(time.Second)
	t := jwt.NewWithClaims(s.method, jwt.RegisteredClaims{
		Issuer: clientID, Subject: clientID, Audience: audience, ID: ids.Token(16),
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
	})
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("oidc: sign client assertion: %w", err)
	}
	return signed, nil
}
