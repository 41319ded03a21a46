package csvcell

import "testing"

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "",
		"Forno Rossi":              "Forno Rossi",
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+39 0824 1":               "'+39 0824 1",
		"-2+3":                     "'-2+3",
		"@SUM(A1)":                 "'@SUM(A1)",
		"\t=1":                     "'\t=1",
		"\r=1":                     "'\r=1",
		"a=1":                      "a=1",
		"'already":                 "'already",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "=1", "x", "-", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		if got != "" && (got[0] == '=' || got[0] == '+' || got[0] == '-' || got[0] == '@' || got[0] == '\t' || got[0] == '\r') {
			t.Fatalf("Text(%q) = %q starts a formula", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("Text(%q) = %q changed more than a leading apostrophe", s, got)
		}
	})
}
