package collate

import (
	"strings"
	"testing"
)

// Compare orders any two names as their whole keys would, then as
// written: the names' common start compared in place, where it is ASCII,
// orders them as the keys made from the whole names do, an accent or a
// combining mark right after that start included.
func TestCompareIsTheKeysOrder(t *testing.T) {
	names := []string{"", "a", "A", "ab", "aB", "a\u0301", "á", "Á", "ab\u0301c", "abc", "abd", "Abz", "é", "e", "E", "èra", "Era", "era2",
		"caffè nero", "Caffe Nero", "caffè", "caffe", "caffe\u0300 roma", "Caffè Roma", "ß", "ss", "Zeta", "zeta", "z", "[", "_", "`", "{"}
	for _, a := range names {
		for _, b := range names {
			want := strings.Compare(key(a), key(b))
			if want == 0 {
				want = strings.Compare(a, b)
			}
			if got := Compare(a, b); got != want {
				t.Errorf("Compare(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}
