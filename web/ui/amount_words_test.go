package ui

import (
	"strings"
	"testing"

	"cityhub/money"
)

// An amount with three digits after its one separator ("12,505", "1.000")
// reads as thousands to some and as three decimals to others, and the
// parser refuses it (amount_ambiguous). Every amount field that shares the
// parser says so in words that fit any such amount, "12,505" as well as
// "1.000": cents have at most two digits, and thousands are written
// without the separator or with the cents. The top-up's field, the staff
// forms' and the till's (error.reason, also the scanner script's message),
// the fares' and a theatre price line's.
func TestAmbiguousAmountWordsSayCentsHaveTwoDigits(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"it": {"centesimi", "al massimo due cifre", "1000"},
		"en": {"cents", "at most two digits", "1000"},
	}
	for _, in := range []string{"12,505", "1.000", "999,999"} {
		_, err := money.Parse(in)
		if err == nil || fareError(err) != "madmin.err.amount_ambiguous" {
			t.Fatalf("money.Parse(%q): %v, want amount_ambiguous", in, err)
		}
		for _, lang := range pageLanguages {
			l := locs[lang]
			for field, text := range map[string]string{
				"top-up":             topUpAmountText(l, err),
				"staff form or till": l.ErrorText(err),
				"fare":               l.T(fareError(err)),
				"theatre price line": priceLineText(l, err),
			} {
				for _, w := range want[lang] {
					if !strings.Contains(text, w) {
						t.Errorf("%s, %s, %q: %q does not say %q", lang, field, in, text, w)
					}
				}
			}
		}
	}
}
