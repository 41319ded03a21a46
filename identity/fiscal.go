package identity

import (
	"strings"

	"cityhub/apperr"
)

// The Italian fiscal code (codice fiscale) of a person: 16 characters,
// surname and name letters, year, month letter, day (plus 40 for women),
// place code, check character. When two people would share a code the
// Agenzia delle Entrate replaces digits from the right with letters
// (omocodia), so every digit position also admits L M N P Q R S T U V.
// Temporary 11-digit codes are not personal fiscal codes and are refused.

const fiscalCodeLen = 16

var errBadFiscalCode = apperr.R(apperr.Invalid, "bad_fiscal_code", "The fiscal code is not valid.")

// NormalizeFiscalCode returns the fiscal code as the hub keys accounts by
// it: without the "TINIT-" prefix SPID puts on it, without spaces, upper
// case; Invalid (reason bad_fiscal_code) unless it is 16 characters in the
// fiscal code's pattern with the right check character.
func NormalizeFiscalCode(s string) (string, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	s = strings.TrimPrefix(s, "TINIT-")
	if len(s) != fiscalCodeLen {
		return "", errBadFiscalCode
	}
	for i := 0; i < fiscalCodeLen; i++ {
		c := s[i]
		var ok bool
		switch i {
		case 0, 1, 2, 3, 4, 5, 11, 15:
			ok = isLetter(c)
		case 8:
			ok = strings.IndexByte("ABCDEHLMPRST", c) >= 0
		default: // 6, 7, 9, 10, 12, 13, 14: digits, or their omocodia letters
			ok = isDigit(c) || strings.IndexByte("LMNPQRSTUV", c) >= 0
		}
		if !ok {
			return "", errBadFiscalCode
		}
	}
	if fiscalCheck(s[:15]) != s[15] {
		return "", errBadFiscalCode
	}
	return s, nil
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// oddValues are the values of characters in odd positions (1st, 3rd, ...),
// for A..Z; a digit d counts as the d-th letter.
var oddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// fiscalCheck is the check character of the first 15 characters (DM
// 23/12/1976): odd positions by oddValues, even ones by their rank, the sum
// modulo 26 as a letter.
func fiscalCheck(s string) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		v := int(c - 'A')
		if isDigit(c) {
			v = int(c - '0')
		}
		if i%2 == 0 {
			sum += oddValues[v]
		} else {
			sum += v
		}
	}
	return byte('A' + sum%26)
}
