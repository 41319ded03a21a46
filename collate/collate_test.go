package collate_test

import (
	"slices"
	"testing"

	"cityhub/collate"
)

// Names sort as a reader looks them up: case and accents aside, then as
// written, so that two names differing only in those keep one order.
func TestCompareOrdersAsAReaderLooksUp(t *testing.T) {
	names := []string{"éclair", "zeta bottega", "Beta", "Àlfa Negozio", "alfa negozio 2", "Ortofrutta Rossi", "Alfa Negozio", "Duomo", "duomo"}
	slices.SortFunc(names, collate.Compare)
	want := []string{"Alfa Negozio", "Àlfa Negozio", "alfa negozio 2", "Beta", "Duomo", "duomo", "éclair", "Ortofrutta Rossi", "zeta bottega"}
	if !slices.Equal(names, want) {
		t.Fatalf("%q\nwant %q", names, want)
	}
	for _, n := range names {
		if collate.Compare(n, n) != 0 {
			t.Errorf("%q is not equal to itself", n)
		}
	}
}
