package ui

import (
	"net/http"
	"strings"
	"testing"
)

// The home page's card names the scanner by what the person may scan: a
// shop's staff scan vouchers, a door's staff tickets, where both read
// "scan vouchers and tickets"; staff who are not citizens read no pitch
// of the citizen's services either.
func TestHomeWordsTheScannerByRole(t *testing.T) {
	const pitch = "Con cityhub hai in un unico posto il tuo credito"
	for _, tc := range []struct {
		who, scan string
		pitch     bool
	}{
		{"shop@example.org", "Scansiona i buoni", false},
		{"door@example.org", "Scansiona i biglietti", false},
		{"desk@example.org", "Scansiona buoni e biglietti", false},
		{"admin@example.org", "", false},
		{"anna@example.org", "", true},
	} {
		t.Run(tc.who, func(t *testing.T) {
			pc, _ := newPageServer(t)
			if res := pc.Login(tc.who, "secret-"+testCallers[tc.who].Name); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: %d", res.StatusCode)
			}
			res, body := pc.Get("/")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("home: %d", res.StatusCode)
			}
			link := `<a href="/staff/scan">` + tc.scan + `</a>`
			if tc.scan == "" && strings.Contains(body, `<a href="/staff/scan">`) {
				t.Errorf("the home page offers the scanner to %s", tc.who)
			}
			if tc.scan != "" && !strings.Contains(body, link) {
				t.Errorf("the home page does not read %q:\n%s", link, body)
			}
			if strings.Contains(body, pitch) != tc.pitch {
				t.Errorf("the citizen's pitch shown to %s: %v, want %v", tc.who, !tc.pitch, tc.pitch)
			}
		})
	}
}
