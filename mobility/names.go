package mobility

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CompareNames orders two names as a reader looks them up: letters alike
// whatever their case and accents ("duomo" beside "Duomo", "Èra" with the
// e's), then by the names as written, so that the order is total.
func CompareNames(a, b string) int {
	if c := strings.Compare(nameKey(a), nameKey(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// nameKey is s lower-cased without its accents.
func nameKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
