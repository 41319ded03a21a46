package ui

import (
	"testing"

	"cityhub/money"
)

// Every refusal of money.Parse has its own words on the fare forms, in
// both languages: the form shows madmin.err.<reason>.
func TestFareErrorKeys(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"", "abc", "1.000", "1,5055", "-1", "92233720368547758.08", "1.2.3"} {
		_, err := money.Parse(in)
		if err == nil {
			t.Fatalf("money.Parse(%q) accepted", in)
		}
		for _, lang := range pageLanguages {
			if key := fareError(err); !locs[lang].Has(key) {
				t.Errorf("%s: money.Parse(%q) refuses with %q, not in the catalogue", lang, in, key)
			}
		}
	}
	for in, want := range map[string]string{"1.000": "madmin.err.amount_ambiguous", "92233720368547758.08": "madmin.err.amount_too_large", "1,5055": "madmin.err.amount_fraction"} {
		if _, err := money.Parse(in); fareError(err) != want {
			t.Errorf("money.Parse(%q): %q, want %q", in, fareError(err), want)
		}
	}
}
