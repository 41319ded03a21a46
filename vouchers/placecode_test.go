package vouchers

import (
	"testing"
	"time"
)

func TestPlaceCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"centro":           "centro",
		" Centro Storico ": "centro-storico",
		"Pàstene":          "pastene",
		"Sant'Angelo":      "sant-angelo",
		"rione - Triggio":  "rione-triggio",
		"rione--triggio":   "rione--triggio",
		"food_and_drink":   "food_and_drink",
		"Ristorazione/Bar": "ristorazione-bar",
		"-centro-":         "centro",
		"a-":               "a-",
		"Rione-":           "rione-",
		"x_-":              "x_-",
		"¿?":               "",
		"":                 "",
	} {
		if got := PlaceCode(in); got != want {
			t.Errorf("PlaceCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzPlaceCode(f *testing.F) {
	for _, s := range []string{"Centro Storico", "Pàstene", "a--b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := PlaceCode(s)
		// A code is its own code, and holds only what a code may.
		if PlaceCode(c) != c {
			t.Errorf("PlaceCode(%q) = %q, whose own code is %q", s, c, PlaceCode(c))
		}
		for _, r := range c {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				t.Errorf("PlaceCode(%q) = %q holds %q", s, c, r)
			}
		}
	})
}

// A district or category is typed as people name it, and kept as its code:
// the shop, the campaign that names the district and the list's filter
// all meet on the same code.
func TestPlacesTypedAsNamed(t *testing.T) {
	t.Parallel()
	shop := Shop{Name: "Bar Roma", Address: "Via Roma 1", Active: true, District: "Centro Storico", Category: "Ristorazione", IBAN: "IT60 X054 2811 1010 0000 0123 456"}
	if err := shop.Validate(); err != nil || shop.District != "centro-storico" || shop.Category != "ristorazione" {
		t.Fatalf("shop kept as %q, %q: %v", shop.District, shop.Category, err)
	}
	c := Campaign{Name: "Natale", BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 1,
		ValidFrom: time.Now(), ValidUntil: time.Now().Add(time.Hour), Districts: []string{"centro  storico", "Centro-Storico"}}
	if err := c.Validate(); err != nil || len(c.Districts) != 1 || c.Districts[0] != shop.District || !c.Eligible(shop) {
		t.Fatalf("campaign's districts %q, admits the shop %v: %v", c.Districts, c.Eligible(shop), err)
	}
}
