package vouchers

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// PlaceCode is the code a district or a category is kept under, from what
// a person typed: lower case, accents dropped ("Pàstene" → pastene), and
// each run of spaces or punctuation one hyphen ("Centro Storico" →
// centro-storico, "Sant'Angelo" → sant-angelo), so the name people write
// is taken as its code, and the pages show the code as a name again
// (locale.Place). What is a code already, lower-cased ("rione--triggio",
// "a-"), stays as it is, so a code kept before this rule is still the same
// code. The result is checked against slugRE by the caller.
func PlaceCode(s string) string {
	if low := strings.ToLower(strings.TrimSpace(s)); slugRE.MatchString(low) {
		return low
	}
	var b strings.Builder
	var sep []rune // the run of characters outside a code since the last kept one
	flush := func() {
		if len(sep) == 0 {
			return
		}
		if b.Len() > 0 {
			if strings.Trim(string(sep), "-") == "" {
				b.WriteString(string(sep))
			} else {
				b.WriteByte('-')
			}
		}
		sep = sep[:0]
	}
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// an accent, decomposed from its letter
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			flush()
			b.WriteRune(r)
		default:
			sep = append(sep, r)
		}
	}
	return b.String() // a trailing run is dropped, as a leading one
}

// placeFilter is a list's filter by district or category as its code; no
// filter ("") stays none, and one that makes no code ("?") stays as typed,
// matching no shop rather than all.
func placeFilter(s string) string {
	if c := PlaceCode(s); c != "" {
		return c
	}
	return s
}
