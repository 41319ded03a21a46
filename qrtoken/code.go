package qrtoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"

	"cityhub/apperr"
)

// Typed codes are what a person reads from the phone and a shopkeeper types
// when the camera fails: 80 random bits as 16 Crockford base32 characters
// plus one check character, shown in groups of four: "7Q2M-X9KD-4HBT-ZC0R-M".
// 10 random bytes are exactly 16 base32 digits, so no digit is drawn with a
// modulo and none is more likely than another. The hub stores only the code's
// hash for look-up.

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var crockfordEncoding = base32.NewEncoding(crockford).WithPadding(base32.NoPadding)

// CodeBits is the randomness of a typed code.
const CodeBits = 80

const codeDigits = CodeBits / 5

// NewCode returns a fresh typed code for display and the hash to store.
func NewCode() (display, hash string) {
	var b [CodeBits / 8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	digits := crockfordEncoding.EncodeToString(b[:])
	full := digits + string(crockford[checkDigit(digits)])
	var sb strings.Builder
	for i := 0; i < len(full); i += 4 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(full[i:min(i+4, len(full))])
	}
	return sb.String(), CodeHash(digits)
}

// ParseCode normalises what a person typed (any case, spaces or dashes, I and
// L read as 1, O as 0), checks its length and check character, and returns
// the hash to look it up by. Invalid (reason code_malformed) if it cannot be
// a code, so no look-up is spent on a typo.
func ParseCode(typed string) (hash string, err error) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'I' || r == 'L':
			r = '1'
		case r == 'O':
			r = '0'
		}
		if r > 0x7f || !strings.ContainsRune(crockford, r) {
			return "", codeMalformed()
		}
		sb.WriteRune(r)
		if sb.Len() > codeDigits+1 {
			return "", codeMalformed()
		}
	}
	s := sb.String()
	if len(s) != codeDigits+1 {
		return "", codeMalformed()
	}
	digits := s[:codeDigits]
	if crockford[checkDigit(digits)] != s[codeDigits] {
		return "", codeMalformed()
	}
	return CodeHash(digits), nil
}

func codeMalformed() error {
	return apperr.R(apperr.Invalid, "code_malformed", "This is not a valid code: check the characters and try again.")
}

// CodeHash is the look-up hash of a code's 16 data digits. A plain hash is
// enough: with 80 random bits there is nothing to guess from it.
func CodeHash(digits string) string {
	sum := sha256.Sum256([]byte("cityhub-code:" + digits))
	return hex.EncodeToString(sum[:])
}

// checkDigit is the Luhn mod 32 check over Crockford digits: it catches every
// single wrong character and nearly every swap of two neighbours.
func checkDigit(digits string) int {
	const n = 32
	factor, sum := 2, 0
	for i := len(digits) - 1; i >= 0; i-- {
		addend := factor * strings.IndexByte(crockford, digits[i])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += addend/n + addend%n
	}
	return (n - sum%n) % n
}
