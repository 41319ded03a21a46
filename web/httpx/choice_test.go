package httpx

import (
	"net/url"
	"testing"

	"cityhub/apperr"
)

// A choice given once is its value, absent is empty; given twice, alike or
// not, it is refused with the choice's own reason, whichever came first.
func TestChoiceRefusesARepeatedParameter(t *testing.T) {
	for _, c := range []struct {
		query, want string
		refused     bool
	}{
		{"", "", false},
		{"credit=", "", false},
		{"credit=city", "city", false},
		{"credit=cards&other=city", "cards", false},
		{"credit=cards&credit=city", "", true},
		{"credit=city&credit=cards", "", true},
		{"credit=city&credit=city", "", true},
		{"credit=&credit=city", "", true},
	} {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Choice(q, "credit", "credit_choice")
		if c.refused {
			if apperr.CodeOf(err) != apperr.Invalid || apperr.ReasonOf(err) != "credit_choice" || got != "" {
				t.Errorf("?%s: %q, %v; want Invalid credit_choice", c.query, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("?%s: %q, %v; want %q", c.query, got, err, c.want)
		}
	}
}
