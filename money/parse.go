package money

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"cityhub/apperr"
)

// Parse errors: each is apperr.Invalid with its own reason, so errors.Is
// tells them apart and a page can show its own words for each reason. The
// errors Parse returns carry a message naming the input.
var (
	ErrMissing   = apperr.R(apperr.Invalid, "amount_missing", "An amount is needed.")
	ErrFormat    = apperr.R(apperr.Invalid, "amount_format", "Not an amount in euros, such as 12,50.")
	ErrAmbiguous = apperr.R(apperr.Invalid, "amount_ambiguous", "The amount could be read in two ways.")
	ErrFraction  = apperr.R(apperr.Invalid, "amount_fraction", "An amount has at most two decimals.")
	ErrNegative  = apperr.R(apperr.Invalid, "amount_negative", "The amount cannot be negative.")
	ErrTooLarge  = apperr.R(apperr.Invalid, "amount_too_large", "The amount is too large.")
)

// Parse reads a non-negative amount in euros as an Italian or an English
// reader types it: "12", "12,5", "12.50", "1.000,00", "1,000.00",
// "1.000.000", with or without a leading "+" and a "€" or "EUR" before or
// after. The decimal separator is whichever of "," and "." comes last,
// unless it is followed by exactly three digits: "1.000" and "1,000" are
// refused as ambiguous (one thousand euros, or one euro written with three
// decimals), as every input with one separator and three digits after it.
// Thousands separators must group digits by three.
//
// Errors are apperr.Invalid: ErrMissing, ErrFormat, ErrAmbiguous,
// ErrFraction (more than two decimals), ErrNegative (any sign "-" or "−"),
// ErrTooLarge.
func Parse(s string) (Cents, error) { return parse(s, false) }

// ParseSigned is Parse that also takes a negative amount, with a leading
// "-" or "−" (U+2212) before or after the currency: "-12,50", "−€3".
func ParseSigned(s string) (Cents, error) { return parse(s, true) }

func parse(in string, signed bool) (Cents, error) {
	s := strings.TrimSpace(in)
	neg, hasSign := cutSign(&s)
	if cutCurrency(&s) && !hasSign {
		neg, hasSign = cutSign(&s)
	}
	if s == "" {
		if hasSign {
			return 0, fail(ErrFormat, in, "%s is not an amount in euros, such as 12,50.")
		}
		return 0, fail(ErrMissing, in, "An amount is needed.")
	}
	if neg && !signed {
		return 0, fail(ErrNegative, in, "%s: the amount cannot be negative.")
	}
	mag, err := number(s, in)
	if err != nil {
		return 0, err
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // -2⁶³ fits
	}
	if mag > limit {
		return 0, fail(ErrTooLarge, in, "%s is too large an amount.")
	}
	if neg {
		return Cents(-mag), nil
	}
	return Cents(mag), nil
}

// cutSign removes a leading sign and the spaces after it, reporting whether
// it was a minus and whether there was one.
func cutSign(s *string) (neg, found bool) {
	for _, p := range []string{"-", minus, "+"} {
		if rest, ok := strings.CutPrefix(*s, p); ok {
			*s = strings.TrimSpace(rest)
			return p != "+", true
		}
	}
	return false, false
}

// cutCurrency removes one "€" or "EUR" (any case) before or after the
// number, and the spaces next to it.
func cutCurrency(s *string) bool {
	for _, c := range []string{"€", "EUR"} {
		if len(*s) >= len(c) && strings.EqualFold((*s)[:len(c)], c) {
			*s = strings.TrimSpace((*s)[len(c):])
			return true
		}
		if len(*s) >= len(c) && strings.EqualFold((*s)[len(*s)-len(c):], c) {
			*s = strings.TrimSpace((*s)[:len(*s)-len(c)])
			return true
		}
	}
	return false
}

// number reads the digits and separators of s into cents.
func number(s, in string) (uint64, error) {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && c != '.' && c != ',' {
			return 0, fail(ErrFormat, in, "%s is not an amount in euros, such as 12,50.")
		}
	}
	dots, commas := strings.Count(s, "."), strings.Count(s, ",")
	whole, frac, hasFrac, thousands := s, "", false, ""
	switch {
	case dots > 0 && commas > 0:
		// Both: the last one is the decimal separator, used once, and the
		// other separates thousands.
		i := strings.LastIndexAny(s, ".,")
		decimal := s[i : i+1]
		thousands = ","
		if decimal == "," {
			thousands = "."
		}
		if strings.Count(s, decimal) > 1 || strings.Contains(s[i:], thousands) {
			return 0, fail(ErrFormat, in, "%s is not an amount in euros, such as 1.234,50.")
		}
		whole, frac, hasFrac = s[:i], s[i+1:], true
	case dots+commas == 1:
		i := strings.IndexAny(s, ".,")
		whole, frac, hasFrac = s[:i], s[i+1:], true
		// "1.000" is one thousand to an Italian reader and one euro to an
		// English one who wrote three decimals; with four or more digits
		// before it, or only zeros, the separator cannot group thousands.
		if len(frac) == 3 && len(whole) <= 3 && strings.Trim(whole, "0") != "" {
			return 0, fail(ErrAmbiguous, in, "%s is ambiguous: a thousands separator to some readers, three decimals to others. Cents have at most two digits; write thousands without a separator (1000) or with the cents (1.000,00).")
		}
	case dots > 1:
		thousands = "."
	case commas > 1:
		thousands = ","
	}
	if thousands != "" {
		groups := strings.Split(whole, thousands)
		for i, g := range groups {
			if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return 0, fail(ErrFormat, in, "%s: thousands are grouped by three digits, as in 1.234.567,50.")
			}
		}
		whole = strings.Join(groups, "")
	}
	if hasFrac {
		switch {
		case frac == "":
			return 0, fail(ErrFormat, in, "%s: write the cents after the separator, or leave the separator out.")
		case len(frac) > 2:
			return 0, fail(ErrFraction, in, "%s: an amount has at most two decimals.")
		case whole == "" && thousands != "":
			return 0, fail(ErrFormat, in, "%s is not an amount in euros, such as 12,50.")
		}
	}
	if !hasFrac && whole == "" {
		return 0, fail(ErrFormat, in, "%s is not an amount in euros, such as 12,50.")
	}
	// euros stays at most maxEuros, so euros*100 + 99 fits in a uint64.
	const maxEuros = math.MaxUint64/100 - 1
	var euros uint64
	for i := range len(whole) {
		d := uint64(whole[i] - '0')
		if euros > (maxEuros-d)/10 {
			return 0, fail(ErrTooLarge, in, "%s is too large an amount.")
		}
		euros = euros*10 + d
	}
	cents := uint64(0)
	if frac != "" {
		cents = uint64(frac[0]-'0') * 10
		if len(frac) == 2 {
			cents += uint64(frac[1] - '0')
		}
	}
	return euros*100 + cents, nil
}

// fail is sentinel's code and reason with a message naming the input
// (shortened, quoted), so errors.Is(err, sentinel) holds.
func fail(sentinel *apperr.Error, in, format string) error {
	const max = 32
	shown := strings.TrimSpace(in)
	if len(shown) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(shown[cut]) {
			cut--
		}
		shown = shown[:cut] + "…"
	}
	msg := format
	if strings.Contains(format, "%s") {
		msg = fmt.Sprintf(format, fmt.Sprintf("%q", shown))
	}
	return apperr.Said(sentinel.Code, sentinel.Reason, msg)
}
