// Package money is the city's one way to write and read amounts of euros:
// a cents type, one parser that takes what an Italian or an English reader
// types, and one formatter per use (pages and e-mails, form fields, files
// and logs). It must never use floating point, and never guess: an input
// that reads as two different amounts is refused.
package money

import (
	"strconv"
	"strings"
)

// Cents is an amount of euro cents.
//
// Amounts are int64 cents, never floats: a cent is the smallest unit the
// city charges or pays, every sum of ledger entries must come out exact (a
// float cannot hold 0.10), and int64 is what both database engines store
// as BIGINT. Its range, about ±92 thousand billion euros, leaves any sum of
// real amounts far from overflow; domains bound single amounts well below it.
type Cents int64

// Euros is whole euros as cents, for constants: money.Euros(5) is 5,00 €.
func Euros(n int64) Cents { return Cents(n * 100) }

// Languages the formatter writes; anything else is written as Italian, the
// city's default.
const (
	Italian = "it"
	English = "en"
)

// minus is U+2212, the minus sign screen readers read as "minus", used in
// text people read; files and logs use the ASCII hyphen.
const minus = "\u2212"

// Format is the amount as a reader of lang sees it: "1.234,50 €" in Italian
// (a no-break space before the sign), "€1,234.50" in English, negatives with
// a leading minus sign.
func (c Cents) Format(lang string) string {
	sign := ""
	if c < 0 {
		sign = minus
	}
	thousands, decimal := separators(lang)
	amount := digits(c, thousands, decimal)
	if lang == English {
		return sign + "€" + amount
	}
	return sign + amount + "\u00a0€"
}

// Number is the amount as a reader of lang writes it, without a currency:
// "1.234,50" in Italian, "1,234.50" in English; for an amount in another
// currency, whose code goes after it.
func (c Cents) Number(lang string) string {
	thousands, decimal := separators(lang)
	s := digits(c, thousands, decimal)
	if c < 0 {
		s = minus + s
	}
	return s
}

// Units is a whole number of a currency without subunits (yen) as a reader
// of lang writes it: "150.000" in Italian, "150,000" in English.
func Units(n int64, lang string) string {
	mag := uint64(n)
	s := ""
	if n < 0 {
		mag, s = -mag, minus
	}
	thousands, _ := separators(lang)
	return s + group(strconv.FormatUint(mag, 10), thousands)
}

// separators are the thousands and decimal separators readers of lang
// write.
func separators(lang string) (thousands, decimal string) {
	if lang == English {
		return ",", "."
	}
	return ".", ","
}

// Input is the amount as a reader of lang types it back into a form field:
// "1234,50" in Italian, "1234.50" in English, without a currency sign or
// thousands separators, with an ASCII "-" when negative. Parse reads it.
func (c Cents) Input(lang string) string {
	_, decimal := separators(lang)
	return sign(c) + digits(c, "", decimal)
}

// Decimal is the amount for files and feeds: "1234.50", "-0.05".
func (c Cents) Decimal() string { return sign(c) + digits(c, "", ".") }

// String is the amount for logs and messages that have no language:
// "1234.50 EUR".
func (c Cents) String() string { return c.Decimal() + " EUR" }

func sign(c Cents) string {
	if c < 0 {
		return "-"
	}
	return ""
}

// digits writes |c| with thousands between groups of three euro digits and
// decimal before the two cent digits. The magnitude is taken as uint64, so
// the most negative Cents formats too.
func digits(c Cents, thousands, decimal string) string {
	mag := uint64(c)
	if c < 0 {
		mag = -mag
	}
	var b strings.Builder
	b.WriteString(group(strconv.FormatUint(mag/100, 10), thousands))
	b.WriteString(decimal)
	cents := mag % 100
	b.WriteByte(byte('0' + cents/10))
	b.WriteByte(byte('0' + cents%10))
	return b.String()
}

// group puts thousands between the groups of three digits of whole.
func group(whole, thousands string) string {
	var b strings.Builder
	b.Grow(len(whole) + len(whole)/3*len(thousands))
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteByte(whole[i])
	}
	return b.String()
}
