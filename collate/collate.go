// Package collate orders names as a reader looks them up in a list:
// letters alike whatever their case and accents, so that "àlfa negozio"
// stands beside "Alfa Negozio" and before "Beta", where an order by bytes
// puts every capital before every small letter and every accented letter
// after both. The lists of names people read (stations, bikes, shops) sort
// by it, on both engines alike, whatever a database's own collation.
package collate

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Compare orders two names as a reader looks them up: letters alike
// whatever their case and accents ("duomo" beside "Duomo", "Èra" with the
// e's), then by the names as written, so that the order is total.
func Compare(a, b string) int {
	if c := strings.Compare(key(a), key(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// key is s lower-cased without its accents.
func key(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
