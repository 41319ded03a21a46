package simulator

import (
	"strings"
	"testing"

	"cityhub/money"
)

// The seeded plans' descriptions write their money as the rest of the
// hub does in each language, "1,00 €" in Italian and "€1.00" in English,
// and say the plan's own prices.
func TestSeedPlanDescriptionsWriteMoneyInTheirLanguage(t *testing.T) {
	for _, p := range []struct {
		id, it, en string
		unlock     int64
		rate       int64
	}{
		{StandardPlan.ID, StandardPlan.DescriptionIT, StandardPlan.DescriptionEN, StandardPlan.UnlockCents, StandardPlan.PerMin[0].RateCents},
		{EBikePlan.ID, EBikePlan.DescriptionIT, EBikePlan.DescriptionEN, EBikePlan.UnlockCents, EBikePlan.PerMin[0].RateCents},
	} {
		for _, d := range []struct{ lang, text string }{{"it", p.it}, {"en", p.en}} {
			for _, c := range []int64{p.unlock, p.rate} {
				if w := money.Cents(c).Format(d.lang); !strings.Contains(d.text, w) {
					t.Errorf("plan %s in %s: %q lacks %q", p.id, d.lang, d.text, w)
				}
			}
			if strings.Contains(d.text, "EUR") {
				t.Errorf("plan %s in %s writes EUR: %q", p.id, d.lang, d.text)
			}
		}
	}
}
