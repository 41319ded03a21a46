package ui

import "testing"

func TestParseFareEuros(t *testing.T) {
	for _, c := range []struct {
		in    string
		cents int64
		key   string
	}{
		{"1,50", 150, ""}, {"1.50", 150, ""}, {"1,5", 150, ""}, {"2", 200, ""}, {"0", 0, ""}, {",25", 25, ""}, {" € 0,20 ", 20, ""}, {"3 €", 300, ""},
		{"", 0, "madmin.err.amount_missing"}, {"-1", 0, "madmin.err.amount_negative"}, {"−0,50", 0, "madmin.err.amount_negative"},
		{"1,505", 0, "madmin.err.amount_fraction"}, {"0.001", 0, "madmin.err.amount_fraction"}, {"1.234,50", 0, "madmin.err.amount_format"},
		{"1,", 0, "madmin.err.amount_format"}, {"abc", 0, "madmin.err.amount_format"}, {"1e3", 0, "madmin.err.amount_format"},
		{"9999999999", 0, "madmin.err.amount_format"}, {"1 000", 0, "madmin.err.amount_format"},
	} {
		cents, key := parseFareEuros(c.in)
		if key != c.key || (key == "" && cents != c.cents) {
			t.Errorf("parseFareEuros(%q) = %d %q, want %d %q", c.in, cents, key, c.cents, c.key)
		}
	}
	it, en := &locale{Lang: "it"}, &locale{Lang: "en"}
	if got := formatFareEuros(it, 150); got != "1,50" {
		t.Errorf("it: %q", got)
	}
	if got := formatFareEuros(en, 5); got != "0.05" {
		t.Errorf("en: %q", got)
	}
}

// Whatever is typed, an accepted amount is whole, non-negative cents that
// format back to the same amount in both languages.
func FuzzParseFareEuros(f *testing.F) {
	for _, s := range []string{"1,50", "1.50", "-1", "1,505", "€ 2", ",5", "0.", "99999999,99", "1.2.3", "+3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, key := parseFareEuros(s)
		if key != "" {
			return
		}
		if cents < 0 {
			t.Fatalf("%q → %d", s, cents)
		}
		for _, l := range []*locale{{Lang: "it"}, {Lang: "en"}} {
			if back, k := parseFareEuros(formatFareEuros(l, cents)); k != "" || back != cents {
				t.Fatalf("%q → %d → %q → %d %q", s, cents, formatFareEuros(l, cents), back, k)
			}
		}
	})
}
