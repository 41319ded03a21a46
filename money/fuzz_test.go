package money_test

import (
	"errors"
	"testing"

	"cityhub/apperr"
	"cityhub/money"
)

// FuzzParse: any input parses or is refused with apperr.Invalid, never a
// panic; what parses formats back, in every form, to an input that parses
// to the same amount.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"12", "12,5", "1.000,00", "1,000.00", "€ 3", "12.50 €", "-1", "−€3", "1.000", ",5", "", "€", "9223372036854775807", "92233720368547758.08"} {
		f.Add(s)
	}
	for _, c := range typedAmounts(f) {
		f.Add(c.Typed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (money.Cents, error){money.Parse, money.ParseSigned} {
			c, err := parse(s)
			if err != nil {
				if !apperr.Has(err, apperr.Invalid) {
					t.Fatalf("Parse(%q): %v is not apperr.Invalid", s, err)
				}
				continue
			}
			roundTrip(t, c)
		}
		if c, err := money.Parse(s); err == nil && c < 0 {
			t.Fatalf("Parse(%q) = %d: a negative amount without ParseSigned", s, c)
		}
		// A space between two digits is never read through: at a till
		// "12 50" taken as 1250 euros would charge a hundred times over.
		for i := 1; i < len(s); i++ {
			if isDigit(s[i-1]) && isDigit(s[i]) {
				if c, err := money.Parse(s[:i] + " " + s[i:]); err == nil {
					t.Fatalf("Parse(%q) = %d: a space inside the number read through", s[:i]+" "+s[i:], c)
				}
			}
		}
	})
}

// FuzzFormat: every amount survives Format, Input, Decimal and String
// through ParseSigned, and Parse refuses it when negative.
func FuzzFormat(f *testing.F) {
	for _, n := range []int64{0, 1, 99, 100, 1000_00, 123456789, -1, -1000_00, 1<<63 - 1, -1 << 63} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int64) { roundTrip(t, money.Cents(n)) })
}

func roundTrip(t *testing.T, c money.Cents) {
	t.Helper()
	for _, s := range []string{c.Format("it"), c.Format("en"), c.Input("it"), c.Input("en"), c.Decimal(), c.String()} {
		got, err := money.ParseSigned(s)
		if err != nil || got != c {
			t.Fatalf("ParseSigned(%q) = %d, %v; want %d", s, got, err, c)
		}
		got, err = money.Parse(s)
		if c < 0 && !errors.Is(err, money.ErrNegative) {
			t.Fatalf("Parse(%q) = %d, %v; want ErrNegative", s, got, err)
		}
		if c >= 0 && (err != nil || got != c) {
			t.Fatalf("Parse(%q) = %d, %v; want %d", s, got, err, c)
		}
	}
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
