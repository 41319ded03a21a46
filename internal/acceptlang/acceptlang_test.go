package acceptlang

import "testing"

func TestPick(t *testing.T) {
	for header, want := range map[string]string{
		"":                             "it",
		"en":                           "en",
		"EN-us":                        "en",
		"en-GB,en;q=0.9":               "en",
		"it;q=0.1, en":                 "en",
		"en;q=0.2, it-IT;q=0.8":        "it",
		"fr-FR":                        "it",
		"en-US,fr;q=0.5":               "en",
		"en-US, zz;q=0.1":              "en",
		"mt, cy, ga":                   "it",
		"*":                            "it",
		"en;q=0":                       "it",
		"en;q=2, it;q=0.5":             "it",
		"en;level=1, it;q=0.4":         "en",
		"de;q=0.9, en;q=0.9, it;q=0.9": "en",
		",,, ;q=, en;q=abc":            "it",
	} {
		if got := Pick(header, []string{"it", "en"}, "it"); got != want {
			t.Errorf("Pick(%q) = %q, want %q", header, got, want)
		}
	}
}

func FuzzPick(f *testing.F) {
	f.Add("en-GB,en;q=0.9,it;q=0.8")
	f.Fuzz(func(t *testing.T, header string) {
		if got := Pick(header, []string{"it", "en"}, "it"); got != "it" && got != "en" {
			t.Fatalf("Pick(%q) = %q", header, got)
		}
	})
}
