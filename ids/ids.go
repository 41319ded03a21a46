// Package ids makes the identifiers and random tokens cityhub hands out.
// Every id carries at least 80 bits from crypto/rand, so ids can be shown to
// people without being guessable.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

// Crockford's alphabet: no I, L, O, U, so a typed code is hard to misread.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var enc = base32.NewEncoding(alphabet).WithPadding(base32.NoPadding)

// New returns prefix + "_" + 26 lower-case Crockford base32 characters,
// e.g. "acc_06h366377vbafgrfbkd32f4pac": the Unix time in milliseconds (48
// bits, enough until the year 10889), then 80 random bits. Ids made in a
// later millisecond sort after ids made before (as UUID version 7 and ULID
// do; within one millisecond their order is random), so a table's index on
// them grows at its end: a new row touches the index page the last one
// did, instead of a random page that must be read and, the first time after
// each checkpoint, copied whole into the write-ahead log. An id says when it was made, to the millisecond, and
// nothing else; its random part alone keeps it unguessable. A caller that
// needs a short random name takes Token, never a prefix of an id.
func New(prefix string) string {
	return newAt(prefix, time.Now())
}

func newAt(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // rand.Read never fails on supported platforms
	}
	return prefix + "_" + strings.ToLower(enc.EncodeToString(b[:]))
}

// Is reports whether s has the shape of an id New(prefix) makes: the
// prefix, "_" and 26 lower-case Crockford characters. A list whose cursor
// is an id refuses any other, which its store would read as a row it
// cannot find and answer with an empty page, a list's end to a client.
func Is(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != 26 {
		return false
	}
	for _, r := range rest {
		if !strings.ContainsRune(lowerAlphabet, r) {
			return false
		}
	}
	return true
}

// lowerAlphabet is the alphabet as New writes it.
var lowerAlphabet = strings.ToLower(alphabet)

// Token returns n random bytes encoded as URL-safe text, for secrets such as
// refresh tokens and session ids.
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return strings.ToLower(enc.EncodeToString(b))
}
