package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/ticketing"
)

func TestParseTicketPrices(t *testing.T) {
	for _, c := range []struct {
		in     string
		want   map[string]int64
		reason string
	}{
		{"stalls 25\nbalcony 15,50", map[string]int64{"stalls": 2500, "balcony": 1550}, ""},
		{"  gallery 7.5 \r\n\n", map[string]int64{"gallery": 750}, ""},
		{"box 1.000,00\nstalls €12,50", map[string]int64{"box": 100000, "stalls": 1250}, ""},
		{"stalls", nil, "price_line"},
		{"stalls 25,5055", nil, "amount_fraction"},
		{"stalls -3", nil, "amount_negative"},
		{"stalls 1.000", nil, "amount_ambiguous"},
		{"stalls 2 5", nil, "amount_format"},
		{"stalls abc", nil, "amount_format"},
		// A "€" or "EUR" before or after the number, apart from it or not,
		// as the top-up and the pricing plans take it (money.Parse).
		{"platea €15\ngalleria € 12,50\nloggione 9 €\npalco EUR 40\nridotto\t7",
			map[string]int64{"platea": 1500, "galleria": 1250, "loggione": 900, "palco": 4000, "ridotto": 700}, ""},
		// The page bounds no price: the domain does (ticketing.MaxPriceCents),
		// as for the API.
		{"stalls 1000,01\nbox 100.000,00\nfree 0", map[string]int64{"stalls": 100001, "box": ticketing.MaxPriceCents, "free": 0}, ""},
		{"stalls 10\nstalls 12\ngallery 5", nil, "price_category_twice"},
	} {
		got, err := parseTicketPrices(c.in)
		if c.want == nil {
			if apperr.ReasonOf(err) != c.reason || !apperr.Has(err, apperr.Invalid) {
				t.Errorf("%q: %v, %v; want %s", c.in, got, err, c.reason)
			}
			continue
		}
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%q: %v, %v", c.in, got, err)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%q: %s = %d, want %d", c.in, k, got[k], v)
			}
		}
	}
}

func TestParseSeatLines(t *testing.T) {
	m, err := parseSeatLines("Platea A 1-20 stalls\nPlatea B 1-18 stalls\n\nGalleria A 1-10 gallery\n")
	if err != nil || len(m.Sections) != 2 || len(m.Sections[0].Rows) != 2 || m.Sections[1].Rows[0].To != 10 {
		t.Fatalf("%+v %v", m, err)
	}
	for _, bad := range []string{"Platea A 1-20", "Platea A 1..20 stalls", "Platea A x-2 stalls"} {
		if _, err := parseSeatLines(bad); apperr.ReasonOf(err) != "seat_line" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzTheatreAdminForms(f *testing.F) {
	f.Add("Platea A 1-20 stalls\nGalleria B 3-4 gallery")
	f.Add("stalls 25,50\nbalcony 7")
	f.Add("x 1-99999999999999999999 y")
	f.Fuzz(func(t *testing.T, text string) {
		if m, err := parseSeatLines(text); err == nil {
			if _, err := m.Seats(); err != nil && !apperr.Has(err, apperr.Invalid) {
				t.Fatalf("seat map from %q: %v", text, err)
			}
		} else if !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("seat lines %q: %v", text, err)
		}
		prices, err := parseTicketPrices(text)
		if err != nil {
			if !apperr.Has(err, apperr.Invalid) {
				t.Fatalf("prices %q: %v", text, err)
			}
			return
		}
		for k, v := range prices {
			if v < 0 {
				t.Fatalf("price %s = %d from %q", k, v, text)
			}
		}
	})
}

// The scanner names a ticket's code, not a voucher's, when none was sent.
func TestDoorRefusalOfNoCode(t *testing.T) {
	locales := New(Deps{}).site.pages.locales
	for lang, want := range map[string]string{"it": "Inquadra o scrivi il codice del biglietto.", "en": "Scan or type the ticket's code."} {
		if got := doorRefusal(locales[lang], apperr.R(apperr.Invalid, "code_missing", "No code.")); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// Every theatre refusal whose words name its values gets them from the
// domain's own refusal: as many, in order, so no page falls back to the
// generic words for it (a refusal that changed what it names would).
func TestTheatreReasonWordsTakeTheDomainsValues(t *testing.T) {
	it := New(Deps{}).site.pages.locales["it"]
	row := func(rows ...ticketing.SeatRow) error {
		_, err := ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: rows}}}.Seats()
		return err
	}
	start := time.Date(2099, 3, 14, 20, 45, 0, 0, time.UTC)
	perf := func(edit func(*ticketing.Performance)) error {
		p := ticketing.Performance{VenueID: "ven_1", Title: "Filumena Marturano", StartsAt: start, DoorsOpen: start.Add(-time.Hour),
			EndsAt: start.Add(2 * time.Hour), SalesOpen: start.Add(-30 * 24 * time.Hour), SalesClose: start,
			Prices: map[string]int64{"platea": 2000}, Status: ticketing.PerformanceScheduled}
		edit(&p)
		return p.Validate()
	}
	tooLong := perf(func(p *ticketing.Performance) { hours := ticketing.MaxSelfCancelHours + 1; p.SelfCancelHours = &hours })
	_, seatLine := parseSeatLines("Platea A 1-10 platea\nPlatea B 1 platea")
	for want, err := range map[string]error{
		"Il posto Platea/A/5 compare due volte nella mappa.":                                                      row(ticketing.SeatRow{Name: "A", From: 1, To: 10, Category: "platea"}, ticketing.SeatRow{Name: "A", From: 5, To: 12, Category: "platea"}),
		"La fila A del settore Platea deve numerare i posti da 1 a 999, dal primo all'ultimo (per esempio 1-20).": row(ticketing.SeatRow{Name: "A", From: 10, To: 1, Category: "platea"}),
		"Una sala ha al massimo 5.000 posti.": row(ticketing.SeatRow{Name: "A", From: 1, To: 999, Category: "platea"}, ticketing.SeatRow{Name: "B", From: 1, To: 999, Category: "platea"},
			ticketing.SeatRow{Name: "C", From: 1, To: 999, Category: "platea"}, ticketing.SeatRow{Name: "D", From: 1, To: 999, Category: "platea"},
			ticketing.SeatRow{Name: "E", From: 1, To: 999, Category: "platea"}, ticketing.SeatRow{Name: "F", From: 1, To: 999, Category: "platea"}),
		"Il prezzo della categoria platea deve essere più di zero e al massimo 100.000,00\u00a0€.":           perf(func(p *ticketing.Performance) { p.Prices["platea"] = 0 }),
		"Chi compra può annullare fino a un numero di ore prima dell'inizio, da 0 a 720.":                    tooLong,
		"La riga 2 della mappa deve essere: settore fila da-a categoria (per esempio Platea A 1-20 platea).": seatLine,
		// The bounds of what is typed, the domain's constants: a label, a
		// title, a venue's name and address.
		fmt.Sprintf("Una fila è un nome da 1 a %d caratteri, senza spazi né barre.", ticketing.MaxLabel):                        row(ticketing.SeatRow{Name: strings.Repeat("A", ticketing.MaxLabel+1), From: 1, To: 2, Category: "platea"}),
		fmt.Sprintf("Una categoria è un nome da 1 a %d caratteri, senza spazi né barre.", ticketing.MaxLabel):                   row(ticketing.SeatRow{Name: "A", From: 1, To: 2, Category: "plate a"}),
		fmt.Sprintf("Il titolo è una riga da 1 a %d caratteri, senza caratteri di controllo.", ticketing.MaxTitle):              perf(func(p *ticketing.Performance) { p.Title = strings.Repeat("t", ticketing.MaxTitle+1) }),
		fmt.Sprintf("Il nome della sala è una riga da 1 a %d caratteri, senza caratteri di controllo.", ticketing.MaxVenueName): ticketing.Venue{Name: "", Address: "Piazza Castello"}.Validate(),
		fmt.Sprintf("L'indirizzo è una riga da 1 a %d caratteri, senza caratteri di controllo.", ticketing.MaxVenueAddress):     ticketing.Venue{Name: "Teatro Massimo", Address: strings.Repeat("v", ticketing.MaxVenueAddress+1)}.Validate(),
	} {
		reason := apperr.ReasonOf(err)
		if got, ok := it.ReasonWords("theatre.reason."+reason, apperr.ArgsOf(err)); !ok || got != want {
			t.Errorf("%s (%v): %q, %v; want %q", reason, err, got, ok, want)
		}
	}
}

// The words for a duration out of bounds name the domain's bound from its
// refusal.
func TestTicketingWordsNameTheDomainsBounds(t *testing.T) {
	locales := New(Deps{}).site.pages.locales
	_, duration := ticketing.PerformanceRequest{VenueID: "ven_1", Title: "Filumena Marturano", StartsAt: "2099-03-14T20:45", DurationMinutes: new(int(ticketing.MaxDuration/time.Minute) + 1),
		Prices: map[string]int64{"platea": 2000}}.Performance("", time.UTC)
	for _, tc := range []struct {
		lang string
		err  error
		want string
	}{
		{"it", duration, fmt.Sprintf("La durata è un numero di minuti, da 1 a %d.", int(ticketing.MaxDuration/time.Minute))},
		{"en", duration, fmt.Sprintf("The duration is a number of minutes, 1 to %d.", int(ticketing.MaxDuration/time.Minute))},
	} {
		if got := locales[tc.lang].ErrorText(tc.err); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.lang, tc.err, got, tc.want)
		}
	}
}
