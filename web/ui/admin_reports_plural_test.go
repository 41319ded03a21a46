package ui

import (
	"strings"
	"testing"
)

// The reports page's chart descriptions read right for one thing as for
// many, in both languages: "1 ride", "1 voucher used in 1 district", the
// only performance; never "1 rides" or "each of the 1 performances".
func TestReportDescriptionsCountInBothLanguages(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	en, it := locs["en"], locs["it"]
	cases := []struct {
		got        string
		want, shun []string
	}{
		{ridesDesc(en, 1), []string{"1 ride in all", "30 days"}, []string{"1 rides"}},
		{ridesDesc(en, 7), []string{"7 rides in all"}, nil},
		{ridesDesc(it, 1), []string{"1 corsa in tutto", "30 giorni"}, []string{"1 corse"}},
		{ridesDesc(it, 7), []string{"7 corse in tutto"}, nil},
		{salesDesc(en, 1), []string{"the only performance", "last 30 days"}, []string{"1 performances", "%!"}},
		{salesDesc(en, 3), []string{"each of the 3 performances"}, nil},
		{salesDesc(it, 1), []string{"l'unico spettacolo", "ultimi 30 giorni"}, []string{"1 spettacoli", "%!"}},
		{salesDesc(it, 3), []string{"ciascuno dei 3 spettacoli"}, nil},
		// Counted are redemptions (a voucher spent in parts counts each).
		{uptakeDesc(en, 1, 1), []string{"1 redemption in 1 district over the last 30 days"}, []string{"redemptions", "districts"}},
		{uptakeDesc(en, 4, 2), []string{"4 redemptions in 2 districts"}, nil},
		{uptakeDesc(en, 4, 1), []string{"4 redemptions in 1 district "}, nil},
		{uptakeDesc(it, 1, 1), []string{"1 incasso con buono in 1 contrada negli ultimi 30 giorni"}, []string{"incassi", "contrade"}},
		{uptakeDesc(it, 4, 2), []string{"4 incassi con buono in 2 contrade"}, nil},
	}
	for _, c := range cases {
		for _, w := range c.want {
			if !strings.Contains(c.got, w) {
				t.Errorf("%q lacks %q", c.got, w)
			}
		}
		for _, s := range c.shun {
			if strings.Contains(c.got, s) {
				t.Errorf("%q says %q", c.got, s)
			}
		}
	}
}
