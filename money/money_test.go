package money_test

import (
	"errors"
	"math"
	"testing"

	"cityhub/apperr"
	"cityhub/money"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		cents                    money.Cents
		it, en, input, dec, text string
	}{
		{0, "0,00\u00a0€", "€0.00", "0,00", "0.00", "0.00 EUR"},
		{5, "0,05\u00a0€", "€0.05", "0,05", "0.05", "0.05 EUR"},
		{1250, "12,50\u00a0€", "€12.50", "12,50", "12.50", "12.50 EUR"},
		{123450, "1.234,50\u00a0€", "€1,234.50", "1234,50", "1234.50", "1234.50 EUR"},
		{100000000, "1.000.000,00\u00a0€", "€1,000,000.00", "1000000,00", "1000000.00", "1000000.00 EUR"},
		{-1250, "−12,50\u00a0€", "−€12.50", "-12,50", "-12.50", "-12.50 EUR"},
		{math.MinInt64, "−92.233.720.368.547.758,08\u00a0€", "−€92,233,720,368,547,758.08", "-92233720368547758,08", "-92233720368547758.08", "-92233720368547758.08 EUR"},
	} {
		if got := tc.cents.Format("it"); got != tc.it {
			t.Errorf("%d Format(it) = %q, want %q", tc.cents, got, tc.it)
		}
		if got := tc.cents.Format("en"); got != tc.en {
			t.Errorf("%d Format(en) = %q, want %q", tc.cents, got, tc.en)
		}
		if got := tc.cents.Input("it"); got != tc.input {
			t.Errorf("%d Input(it) = %q, want %q", tc.cents, got, tc.input)
		}
		if got := tc.cents.Decimal(); got != tc.dec {
			t.Errorf("%d Decimal() = %q, want %q", tc.cents, got, tc.dec)
		}
		if got := tc.cents.String(); got != tc.text {
			t.Errorf("%d String() = %q, want %q", tc.cents, got, tc.text)
		}
	}
	if got := money.Cents(150).Format("de"); got != "1,50\u00a0€" {
		t.Errorf("an unknown language is written as Italian, got %q", got)
	}
	if got := money.Euros(3); got != 300 {
		t.Errorf("Euros(3) = %d", got)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]money.Cents{
		"12":                         1200,
		"12,5":                       1250,
		"12.5":                       1250,
		"12,50":                      1250,
		"12.50":                      1250,
		"0,05":                       5,
		",50":                        50,
		"1000.00":                    100000,
		"1000,00":                    100000,
		"1.000,00":                   100000,
		"1,000.00":                   100000,
		"1.234.567,89":               123456789,
		"1,234,567.89":               123456789,
		"1.000.000":                  100000000,
		"1,000,000":                  100000000,
		"12.50 €":                    1250,
		"12,50\u00a0€":               1250,
		"€ 3":                        300,
		"€3":                         300,
		"3 EUR":                      300,
		"eur 3,10":                   310,
		"+7":                         700,
		"  4,20  ":                   420,
		"1234.5":                     123450,
		"0.500,00":                   50000, // odd but unambiguous
		"007":                        700,
		"92233720368547758.07":       math.MaxInt64,
		"€92,233,720,368,547,758.07": math.MaxInt64,
	} {
		got, err := money.Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for in, want := range map[string]error{
		"":                           money.ErrMissing,
		"   ":                        money.ErrMissing,
		"€":                          money.ErrMissing,
		"-":                          money.ErrFormat,
		"1.000":                      money.ErrAmbiguous,
		"1,000":                      money.ErrAmbiguous,
		"12.345":                     money.ErrAmbiguous,
		"€ 999,999":                  money.ErrAmbiguous,
		"12,505":                     money.ErrAmbiguous,
		"0,005":                      money.ErrFraction,
		"1234.567":                   money.ErrFraction,
		"12,5050":                    money.ErrFraction,
		"1.000,005":                  money.ErrFraction,
		"-12":                        money.ErrNegative,
		"−12,50":                     money.ErrNegative,
		"€ -3":                       money.ErrNegative,
		"12.":                        money.ErrFormat,
		"12,":                        money.ErrFormat,
		"1.2.3":                      money.ErrFormat,
		"1.00,00":                    money.ErrFormat,
		"1,000,00.00":                money.ErrFormat,
		"1.000.00":                   money.ErrFormat,
		"1,000.000,00":               money.ErrFormat,
		"1,00.5":                     money.ErrFormat,
		"12,50.000":                  money.ErrFormat,
		"12 50":                      money.ErrFormat,
		"1 000":                      money.ErrFormat,
		"twelve":                     money.ErrFormat,
		"12e3":                       money.ErrFormat,
		"0x10":                       money.ErrFormat,
		"€ 3 €":                      money.ErrFormat,
		"$3":                         money.ErrFormat,
		"--3":                        money.ErrNegative,
		"+-3":                        money.ErrFormat,
		"١٢":                         money.ErrFormat, // Arabic-Indic digits
		"92233720368547758.08":       money.ErrTooLarge,
		"99999999999999999999999999": money.ErrTooLarge,
	} {
		_, err := money.Parse(in)
		if !errors.Is(err, want) {
			t.Errorf("Parse(%q) error = %v; want %v", in, err, want)
		}
		if err != nil && !apperr.Has(err, apperr.Invalid) {
			t.Errorf("Parse(%q) error %v is not apperr.Invalid", in, err)
		}
	}
}

func TestParseSigned(t *testing.T) {
	for in, want := range map[string]money.Cents{
		"-12,50":                       -1250,
		"−€3":                          -300,
		"€ -3":                         -300,
		"- 1.000,00 €":                 -100000,
		"+3":                           300,
		"-92233720368547758.08":        math.MinInt64,
		"−92.233.720.368.547.758,08 €": math.MinInt64,
	} {
		got, err := money.ParseSigned(in)
		if err != nil || got != want {
			t.Errorf("ParseSigned(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := money.ParseSigned("-92233720368547758.09"); !errors.Is(err, money.ErrTooLarge) {
		t.Errorf("one cent below the smallest Cents: %v", err)
	}
}

func TestErrorsNameTheInput(t *testing.T) {
	_, err := money.Parse("1.000")
	if msg := apperr.MessageOf(err); msg == "" || !contains(msg, `"1.000"`) {
		t.Errorf("message %q does not name the input", msg)
	}
	long := "1234567890123456789012345678901234567890€€"
	_, err = money.Parse(long)
	if msg := apperr.MessageOf(err); len(msg) > 200 || contains(msg, long) {
		t.Errorf("message %q repeats a long input whole", msg)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Number writes an amount as a reader of the language does, without a
// currency: for amounts of other currencies, whose code follows.
func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		c          money.Cents
		lang, want string
	}{
		{1250, "it", "12,50"}, {1250, "en", "12.50"},
		{123456789, "it", "1.234.567,89"}, {123456789, "en", "1,234,567.89"},
		{-5, "it", "\u22120,05"},
	} {
		if got := tc.c.Number(tc.lang); got != tc.want {
			t.Errorf("Number(%d, %s) = %q, want %q", tc.c, tc.lang, got, tc.want)
		}
	}
	if got := money.Units(150000, "it"); got != "150.000" {
		t.Errorf("Units(150000, it) = %q", got)
	}
	if got := money.Units(-1234567, "en"); got != "\u22121,234,567" {
		t.Errorf("Units(-1234567, en) = %q", got)
	}
}
