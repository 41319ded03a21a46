package ui

import (
	"fmt"
	"testing"

	"cityhub/mobility"
	"cityhub/money"
)

// Every refusal of money.Parse has its own words on the fare forms, in
// both languages: the form shows madmin.err.<reason>.
func TestFareErrorKeys(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"", "abc", "1.000", "1,5055", "-1", "92233720368547758.08", "1.2.3"} {
		_, err := money.Parse(in)
		if err == nil {
			t.Fatalf("money.Parse(%q) accepted", in)
		}
		for _, lang := range pageLanguages {
			if key := fareError(err); !locs[lang].Has(key) {
				t.Errorf("%s: money.Parse(%q) refuses with %q, not in the catalogue", lang, in, key)
			}
		}
	}
	for in, want := range map[string]string{"1.000": "madmin.err.amount_ambiguous", "92233720368547758.08": "madmin.err.amount_too_large", "1,5055": "madmin.err.amount_fraction"} {
		if _, err := money.Parse(in); fareError(err) != want {
			t.Errorf("money.Parse(%q): %q, want %q", in, fareError(err), want)
		}
	}
}

// The bike administration's words for a value out of bounds name the
// mobility checks' bounds as the page's language writes numbers and money
// ("1.440", "1,440"), where they wrote 1000 and 1440 in both, typed into
// the words: a segment's interval refused on the form, and the domain's
// refusals of a range, a description, an unlock fee and segments.
func TestBikeAdminWordsNameTheChecksBounds(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, interval, rangeKm, description, unlock, segments string }{
		{"it", "Scrivi l'intervallo in minuti: un numero intero da 1 a 1.440.",
			"Per una bici elettrica scrivi l'autonomia in km, più di 0 e al massimo 1.000.",
			"Una descrizione può avere al massimo 1.000 caratteri.",
			"Il costo dello sblocco va da 0 a 500,00\u00a0€.",
			"Controlla le fasce di prezzo: al massimo 20, inizio da 0, intervallo da 1 a 1.440 minuti, prezzo fino a 500,00\u00a0€, fine dopo l'inizio."},
		{"en", "Enter the interval in minutes: a whole number from 1 to 1,440.",
			"For an e-bike, enter the range in km, more than 0 and at most 1,000.",
			"A description can have at most 1,000 characters.",
			"The unlock fee is between 0 and €500.00.",
			"Check the price segments: at most 20, start from 0, interval 1 to 1,440 minutes, price up to €500.00, end after start."},
	} {
		l := locs[c.lang]
		row := segmentRow{N: 1, Start: "0", Interval: "1441", Rate: "0,10"}
		if _, ok := parseSegment(l, &row); ok || row.IntervalErr != c.interval {
			t.Errorf("%s, an interval of 1441 minutes: %q, want %q", c.lang, row.IntervalErr, c.interval)
		}
		for _, k := range []struct{ key, want string }{
			{"madmin.err.vehicle_type_range", c.rangeKm},
			{"madmin.err.pricing_plan_description", c.description},
			{"madmin.err.pricing_plan_unlock", c.unlock},
			{"madmin.err.pricing_plan_segments", c.segments},
		} {
			if got := l.T(k.key, madminLimits(l, k.key)...); got != k.want {
				t.Errorf("%s, %s: %q, want %q", c.lang, k.key, got, k.want)
			}
		}
	}
}

// The bike administration's forms bound their texts (maxlength) where the
// mobility checks do, and their hints and words for a code, a name or an
// address name the same bounds, where the forms and the words typed their
// own 64, 200, 300 and 1000.
func TestBikeAdminFormsBoundTheirTextsAsTheChecks(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	l := locs["it"]
	for name, want := range map[string]int{"id": mobility.MaxID, "name_it": mobility.MaxName, "name_en": mobility.MaxName,
		"address": mobility.MaxAddress, "description_it": mobility.MaxDescription} {
		if got := (bikeAdminFormPage{}).Input(l, name, "", false).MaxLen; got != want {
			t.Errorf("%s: maxlength %d, want %d", name, got, want)
		}
	}
	u := func(n int) string { return money.Units(int64(n), "it") }
	for name, want := range map[string]string{
		"id":       fmt.Sprintf("Da 1 a %s caratteri: lettere minuscole, cifre, trattino o trattino basso. Non si può cambiare dopo.", u(mobility.MaxID)),
		"capacity": fmt.Sprintf("Da 1 a %s.", u(mobility.MaxCapacity)),
	} {
		if got := (bikeAdminFormPage{}).Input(l, name, "", false).Hint; got != want {
			t.Errorf("%s's hint: %q, want %q", name, got, want)
		}
	}
	for key, want := range map[string]string{
		"madmin.err.invalid_id":      fmt.Sprintf("Il codice deve avere da 1 a %s caratteri: lettere minuscole, cifre, trattino o trattino basso, e iniziare con una lettera o una cifra.", u(mobility.MaxID)),
		"madmin.err.station_address": fmt.Sprintf("L'indirizzo è una sola riga di al massimo %s caratteri, senza caratteri di controllo.", u(mobility.MaxAddress)),
		"madmin.err.station_name":    fmt.Sprintf("Scrivi il nome in italiano (al massimo %s caratteri).", u(mobility.MaxName)),
	} {
		if got := l.T(key, madminLimits(l, key)...); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
}
