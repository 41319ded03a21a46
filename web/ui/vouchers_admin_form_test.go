package ui

import (
	"strings"
	"testing"
	"time"

	"cityhub/vouchers"
)

// The campaign form says what its own limits are, in the page's language,
// next to the field: not the citizen's claim refusal that shares the
// reason (per_citizen_limit), nor the generic "not valid". The limits are
// the domain's, from its refusals, written as the language writes numbers
// and money, where the words typed their own.
func TestCampaignFormRefusalsNameTheLimit(t *testing.T) {
	locales := New(Deps{}).site.pages.locales
	refused := func(edit func(*vouchers.Campaign)) error {
		c := vouchers.Campaign{Name: "Natale in contrada", BudgetCents: 100_000, FaceValueCents: 1000, PerCitizenLimit: 1,
			ValidFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
		edit(&c)
		err := c.Validate()
		if err == nil {
			t.Fatalf("a campaign %+v is not refused", c)
		}
		return err
	}
	perCitizen := refused(func(c *vouchers.Campaign) { c.PerCitizenLimit = vouchers.MaxPerCitizenLimit + 1 })
	budget := refused(func(c *vouchers.Campaign) { c.BudgetCents = vouchers.MaxCents + 1 })
	minSpend := refused(func(c *vouchers.Campaign) { c.MinSpendCents = -1 })
	percent := refused(func(c *vouchers.Campaign) { c.PercentOff = 101 })
	name := refused(func(c *vouchers.Campaign) { c.Name = strings.Repeat("n", vouchers.MaxCampaignName+1) })
	description := refused(func(c *vouchers.Campaign) { c.Description = strings.Repeat("d", vouchers.MaxCampaignDescription+1) })
	code := refused(func(c *vouchers.Campaign) { c.Districts = []string{strings.Repeat("c", vouchers.MaxPlaceCode+1)} })
	many := refused(func(c *vouchers.Campaign) { c.ShopIDs = make([]string, 501) })
	for _, tc := range []struct {
		lang  string
		err   error
		field string
		want  string
	}{
		{"it", perCitizen, "per_citizen_limit", "Ogni cittadino può avere da 1 a 100 buoni di una campagna."},
		{"en", perCitizen, "per_citizen_limit", "Each citizen may claim from 1 to 100 vouchers of a campaign."},
		{"it", budget, "budget", "I fondi devono essere più di zero e al massimo 1.000.000,00\u00a0€."},
		{"en", budget, "budget", "The budget must be more than zero and at most €1,000,000.00."},
		{"it", minSpend, "min_spend", "La spesa minima deve essere zero o più, al massimo 1.000.000,00\u00a0€."},
		{"it", percent, "percent_off", "La percentuale va da 1 a 100 (0 per un importo fisso)."},
		{"en", name, "name", "Give the campaign a name of 1 to 200 characters, one line without control characters."},
		{"it", description, "description", "La descrizione ha al massimo 2.000 caratteri."},
		{"en", description, "description", "The description has at most 2,000 characters."},
		{"it", code, "districts", "Dai a ogni contrada e categoria un nome di lettere e cifre, al massimo 64 (Centro Storico è tenuto come centro-storico), e al massimo 500 in tutto."},
		{"en", many, "districts", "Name each district and category with letters or digits, at most 64 each (Centro Storico is kept as centro-storico), and at most 500 of them."},
	} {
		f := newStaffForm()
		if !formRefusal(locales[tc.lang], f, tc.err, campaignFieldOf) {
			t.Fatalf("%s %v: not a refusal of the form", tc.lang, tc.err)
		}
		got := f.Errors[tc.field]
		if got == "" {
			got = f.Problem
		}
		if got != tc.want {
			t.Errorf("%s %v: errors %v, problem %q; want %q on %s", tc.lang, tc.err, f.Errors, f.Problem, tc.want, tc.field)
		}
	}
}

// The shop form's and the settlement's words name the domain's bounds from
// its refusals too.
func TestShopFormRefusalsNameTheLimit(t *testing.T) {
	locales := New(Deps{}).site.pages.locales
	shop := func(edit func(*vouchers.Shop)) error {
		s := vouchers.Shop{Name: "Libreria Ocone", Address: "Corso Garibaldi 1", District: "centro", Category: "books", IBAN: "IT60 X054 2811 1010 0000 0123 456"}
		edit(&s)
		return s.Validate()
	}
	for _, tc := range []struct {
		lang string
		err  error
		want string
	}{
		{"it", shop(func(s *vouchers.Shop) { s.Name = strings.Repeat("n", vouchers.MaxShopName+1) }), "Dai al negozio un nome da 1 a 200 caratteri, su una riga e senza caratteri di controllo."},
		{"en", shop(func(s *vouchers.Shop) { s.Address = strings.Repeat("a", vouchers.MaxShopAddress+1) }), "Give the shop an address of 1 to 300 characters, one line without control characters."},
		{"it", shop(func(s *vouchers.Shop) { s.District = strings.Repeat("d", vouchers.MaxPlaceCode+1) }), "Dai alla contrada un nome di lettere e cifre, al massimo 64 (come Centro Storico, tenuto come centro-storico)."},
		{"en", shop(func(s *vouchers.Shop) { s.Category = "" }), "Give the category a name of letters and digits, at most 64 (such as Ristorazione)."},
	} {
		if got := refusalText(locales[tc.lang], tc.err, "staff.reason."); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.lang, tc.err, got, tc.want)
		}
	}
}
