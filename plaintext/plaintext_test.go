package plaintext

import "testing"

func TestLineAndLines(t *testing.T) {
	for _, tc := range []struct {
		s           string
		line, lines bool
	}{
		{"Piazza Santa Sofia", true, true},
		{"Caffè «Roma» — 1°", true, true},
		{"", true, true},
		{"two\nlines", false, true},
		{"a form's\r\nlines\tand a tab", false, true},
		{"NUL\x00", false, false},
		{"bell\a", false, false},
		{"escape\x1b[2J", false, false},
		{"delete\x7f", false, false},
		{"C1 \u0085 next line", false, false},
		{"line\u2028separator", false, false},
		{"paragraph\u2029separator", false, false},
		{"caf\xe9", false, false},
		{"override \u202e gnp.exe", false, false},
		{"embedding \u202b", false, false},
		{"isolate \u2067x\u2069", false, false},
		{"noncharacter \uffff", false, false},
		{"noncharacter \ufffe", false, false},
		{"noncharacter \ufdd0", false, false},
		{"plane 1 noncharacter \U0001fffe", false, false},
		{"zero\u200bwidth", false, true},
		{"word\u2060joiner", false, true},
		{"\ufeffbom", false, true},
		{"famiglia 👨\u200d👩\u200d👧", true, true},
		{"می\u200cخواهم", true, true},
		{"שלום\u200f Roma", true, true},
		{"replacement \ufffd", true, true},
	} {
		if got := Line(tc.s); got != tc.line {
			t.Errorf("Line(%q) = %v, want %v", tc.s, got, tc.line)
		}
		if got := Lines(tc.s); got != tc.lines {
			t.Errorf("Lines(%q) = %v, want %v", tc.s, got, tc.lines)
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"Bar Roma", "a\nb", "\x00", "\u2028", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// A line is text of lines; neither holds NUL.
		if Line(s) && !Lines(s) {
			t.Errorf("%q is a line but not lines", s)
		}
		for _, r := range s {
			if (r == 0 || Hidden(r)) && (Line(s) || Lines(s)) {
				t.Errorf("%q holds %U and passes", s, r)
			}
		}
	})
}
