package money_test

import (
	"encoding/json"
	"os"
	"testing"

	"cityhub/apperr"
	"cityhub/money"
)

// TypedAmount is one amount as a shopkeeper or an administrator types it,
// with what it reads as: cents, or the reason it is refused. The till's
// script reads the same file (web/browsertest), so that the page and the
// server take the same amounts.
type typedAmount struct {
	Typed   string `json:"typed"`
	Cents   int64  `json:"cents"`
	Refused string `json:"refused"`
}

func typedAmounts(tb testing.TB) []typedAmount {
	tb.Helper()
	raw, err := os.ReadFile("testdata/typed_amounts.json")
	if err != nil {
		tb.Fatal(err)
	}
	var out []typedAmount
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("typed_amounts.json: %v", err)
	}
	return out
}

// The amounts people type read as the table says: "12,50", "12.50",
// "1.000,00", "0,50", ",50" and ".50" are amounts; a space inside the
// number ("1 000,00", "12 50") is refused, as "1.000" alone is.
func TestParseTypedAmounts(t *testing.T) {
	for _, c := range typedAmounts(t) {
		got, err := money.Parse(c.Typed)
		if c.Refused != "" {
			if apperr.ReasonOf(err) != c.Refused {
				t.Errorf("Parse(%q) = %d, %v; want refused as %s", c.Typed, got, err, c.Refused)
			}
			continue
		}
		if err != nil || int64(got) != c.Cents {
			t.Errorf("Parse(%q) = %d, %v; want %d", c.Typed, got, err, c.Cents)
		}
	}
}
