// Package qrtoken is the compact signed token that every QR code of the hub
// carries (vouchers, tickets), and the typed codes people read out when a
// camera fails. A token says "the hub vouches that object X of kind K may be
// shown until T"; it never says whether X is still unused: that is decided
// online, atomically, by the owning domain. Tills verify tokens offline with
// the public keys of /.well-known/jwks.json; docs/qr.md is the format
// reference. This package must never read state, talk to a database or log a
// token; the one thing it keeps is in memory, for a few minutes: which
// tokens this process signed, so that checking one of them again costs a
// look-up rather than a signature (signedhere.go).
package qrtoken

import (
	"crypto/ed25519"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityhub/apperr"
)

// Purpose is the key purpose the keyring hands out for QR signing keys. A key
// of another purpose (access tokens) never verifies a QR token.
const Purpose = "qr"

// Keys is what the package needs from the hub's keyring.
type Keys interface {
	// Signer returns the current private key for purpose and its key id.
	Signer(purpose string) (kid string, key ed25519.PrivateKey)
	// PublicKey returns the public key with that id and its purpose.
	PublicKey(kid string) (pub ed25519.PublicKey, purpose string, ok bool)
}

// Kind is what a token points at.
type Kind byte

const (
	KindVoucher Kind = 1
	KindTicket  Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindVoucher:
		return "voucher"
	case KindTicket:
		return "ticket"
	}
	return "unknown"
}

// Version1 is the only format so far: Ed25519 over the body, fixed layout.
// The version byte fixes the algorithm too, so a token cannot pick its own.
const Version1 byte = 1

// Prefix starts every token's text; "1" repeats the version so a reader can
// reject a future format before decoding anything.
const Prefix = "CH1:"

// Limits on the variable fields keep every token inside a version-10 QR code
// at error correction level M (311 alphanumeric characters).
const (
	MaxKeyIDLen    = 40
	MaxObjectIDLen = 40
	// headerLen is version, kind, expiry (uint32) and the two length bytes.
	headerLen = 1 + 1 + 4 + 1 + 1
	// MaxTextLen is the longest token text Encode can produce.
	MaxTextLen = len(Prefix) + (headerLen+MaxKeyIDLen+MaxObjectIDLen+ed25519.SignatureSize)*8/5 + 1
)

// RFC 4648 base32 alphabet (A-Z, 2-7) without padding: every character is in
// the QR alphanumeric set, so the code uses the denser alphanumeric mode.
var textEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Claims is what a verified token says.
type Claims struct {
	KeyID     string
	Kind      Kind
	ObjectID  string
	ExpiresAt time.Time
}

// Sign returns the token text for c, signed with the current QR key.
// ExpiresAt is truncated to whole seconds.
func Sign(keys Keys, kind Kind, objectID string, expiresAt time.Time) (string, error) {
	kid, priv := keys.Signer(Purpose)
	if len(priv) != ed25519.PrivateKeySize || kid == "" {
		return "", apperr.E(apperr.Internal, "no QR signing key")
	}
	if len(kid) > MaxKeyIDLen || len(objectID) == 0 || len(objectID) > MaxObjectIDLen {
		return "", apperr.E(apperr.Internal, "QR token field too long")
	}
	if kind != KindVoucher && kind != KindTicket {
		return "", apperr.E(apperr.Internal, "unknown QR token kind %d", kind)
	}
	exp := expiresAt.Unix()
	if exp <= 0 || exp > 0xFFFFFFFF {
		return "", apperr.E(apperr.Internal, "QR token expiry out of range")
	}
	body := make([]byte, 0, headerLen+len(kid)+len(objectID)+ed25519.SignatureSize)
	body = append(body, Version1, byte(kind))
	body = binary.BigEndian.AppendUint32(body, uint32(exp))
	body = append(body, byte(len(kid)))
	body = append(body, kid...)
	body = append(body, byte(len(objectID)))
	body = append(body, objectID...)
	body = append(body, ed25519.Sign(priv, body)...)
	text := Prefix + textEncoding.EncodeToString(body)
	signedHere.remember(text, priv.Public().(ed25519.PublicKey), time.Now())
	return text, nil
}

// Errors of Verify. All carry code Invalid (reason qr_invalid) or Conflict
// (reason qr_expired), so the web layer shows one message per class and a
// forger learns nothing about which check failed.
var (
	ErrMalformed  = errors.New("qr token malformed")
	ErrVersion    = errors.New("qr token version or algorithm not supported")
	ErrUnknownKey = errors.New("qr token signed by an unknown key")
	ErrSignature  = errors.New("qr token signature does not verify")
	ErrExpired    = errors.New("qr token expired")
	ErrKind       = errors.New("qr token of another kind")
)

// Verify checks text and returns its claims. Invalid (reason qr_invalid) for
// every forged, altered, malformed, unknown-key or wrong-kind token, with one
// message, so a forger learns nothing about which check failed; Conflict
// (reason qr_expired) for a genuine token past its expiry plus leeway.
func Verify(keys Keys, text string, want Kind, now time.Time, leeway time.Duration) (Claims, error) {
	c, err := check(keys, text, want, now, leeway)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, ErrExpired):
		return Claims{}, apperr.R(apperr.Conflict, "qr_expired", "This code has expired; show a fresh one.")
	}
	return Claims{}, apperr.R(apperr.Invalid, "qr_invalid", "This code is not valid.")
}

// check is Verify with the precise cause. Order matters: the prefix and
// version are checked first, then the layout, then the key and the signature;
// kind, expiry and object id are read only from a body whose signature holds.
func check(keys Keys, text string, want Kind, now time.Time, leeway time.Duration) (Claims, error) {
	body, err := decode(text)
	if err != nil {
		return Claims{}, err
	}
	kid, signed, sig := split(body)
	pub, purpose, ok := keys.PublicKey(kid)
	if !ok || purpose != Purpose || len(pub) != ed25519.PublicKeySize {
		return Claims{}, ErrUnknownKey
	}
	if !signedHere.signedBy(text, pub) && !ed25519.Verify(pub, signed, sig) {
		return Claims{}, ErrSignature
	}
	c := claims(body)
	if c.Kind != want {
		return Claims{}, ErrKind
	}
	if now.After(c.ExpiresAt.Add(leeway)) {
		return Claims{}, ErrExpired
	}
	return c, nil
}

// decode checks the prefix, the alphabet, the version and the layout, and
// returns the binary body. It reads no field's meaning.
func decode(text string) ([]byte, error) {
	if len(text) > MaxTextLen+8 {
		return nil, ErrMalformed
	}
	rest, ok := strings.CutPrefix(text, Prefix)
	if !ok {
		if strings.HasPrefix(text, "CH") {
			return nil, ErrVersion
		}
		return nil, ErrMalformed
	}
	body, err := textEncoding.DecodeString(rest)
	if err != nil {
		return nil, ErrMalformed
	}
	if len(body) < headerLen+ed25519.SignatureSize {
		return nil, ErrMalformed
	}
	if body[0] != Version1 {
		return nil, ErrVersion
	}
	kidLen := int(body[6])
	if kidLen == 0 || kidLen > MaxKeyIDLen || len(body) < 7+kidLen+1 {
		return nil, ErrMalformed
	}
	idLen := int(body[7+kidLen])
	if idLen == 0 || idLen > MaxObjectIDLen {
		return nil, ErrMalformed
	}
	if len(body) != headerLen+kidLen+idLen+ed25519.SignatureSize {
		return nil, ErrMalformed
	}
	// Re-encoding must give the same text: no second spelling of one token.
	if textEncoding.EncodeToString(body) != rest {
		return nil, ErrMalformed
	}
	return body, nil
}

// split cuts a decoded body into key id, signed part and signature.
func split(body []byte) (kid string, signed, sig []byte) {
	kidLen := int(body[6])
	n := len(body) - ed25519.SignatureSize
	return string(body[7 : 7+kidLen]), body[:n], body[n:]
}

func claims(body []byte) Claims {
	kidLen := int(body[6])
	idLen := int(body[7+kidLen])
	return Claims{
		KeyID:     string(body[7 : 7+kidLen]),
		Kind:      Kind(body[1]),
		ExpiresAt: time.Unix(int64(binary.BigEndian.Uint32(body[2:6])), 0).UTC(),
		ObjectID:  string(body[8+kidLen : 8+kidLen+idLen]),
	}
}

// LooksLikeToken tells a scanned token from a typed code.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), "CH") && strings.Contains(s, ":")
}

// Rotation of the codes people show on a phone (DESIGN.md): each token lives
// RotatingTTL and the wallet fetches a new one every RotatingRefresh, so a
// screenshot forwarded to someone else stops working within a minute or two,
// while a till whose scan takes a few seconds still sees a valid code.
const (
	RotatingTTL     = 90 * time.Second
	RotatingRefresh = 30 * time.Second
)

// Rotating is a freshly signed token with its expiry and the time the wallet
// should fetch the next one.
type Rotating struct {
	Token        string    `json:"token"`
	ExpiresAt    time.Time `json:"expires_at"`
	RefreshAfter time.Time `json:"refresh_after"`
}

// IssueRotating signs a token for the object, valid RotatingTTL from now.
func IssueRotating(keys Keys, kind Kind, objectID string, now time.Time) (Rotating, error) {
	exp := now.Add(RotatingTTL).Truncate(time.Second)
	text, err := Sign(keys, kind, objectID, exp)
	if err != nil {
		return Rotating{}, fmt.Errorf("sign %s token: %w", kind, err)
	}
	// Whole seconds, as the expiry (which the token carries as such): the
	// refresh falls RotatingTTL-RotatingRefresh before it.
	return Rotating{Token: text, ExpiresAt: exp.UTC(), RefreshAfter: exp.Add(RotatingRefresh - RotatingTTL).UTC()}, nil
}
