package ui

import "testing"

func TestParseEuros(t *testing.T) {
	for in, want := range map[string]int64{"12": 1200, "12,5": 1250, "12.50": 1250, " 0,07 ": 7, "1000000 €": 100000000} {
		if got, err := parseEuros("x", in); err != nil || got != want {
			t.Errorf("parseEuros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "12,345", "1.000,50", "abc", "1e3"} {
		if _, err := parseEuros("x", in); err == nil {
			t.Errorf("parseEuros(%q) accepted", in)
		}
	}
}
