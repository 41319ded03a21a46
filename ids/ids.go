// Package ids makes the random identifiers and typed codes cityhub hands out.
// Every id carries at least 80 bits from crypto/rand, so ids can be shown to
// people without being guessable.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// Crockford's alphabet: no I, L, O, U, so a typed code is hard to misread.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var enc = base32.NewEncoding(alphabet).WithPadding(base32.NoPadding)

// New returns prefix + "_" + 128 random bits in lower-case Crockford base32
// (26 characters), e.g. "acc_7z3k...".
func New(prefix string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // rand.Read never fails on supported platforms
	}
	return prefix + "_" + strings.ToLower(enc.EncodeToString(b[:]))
}

// Token returns n random bytes encoded as URL-safe text, for secrets such as
// refresh tokens and session ids.
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return strings.ToLower(enc.EncodeToString(b))
}
