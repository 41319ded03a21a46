package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/mobility"
	"cityhub/money"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// The words for a refusal whose bound is a domain's constant name the
// constant, where they wrote it out ("12 ore", "1.000.000 €", "30 minuti",
// "3 segnalazioni"): every refusal of the reason, in each language, says
// the bound the check enforces, written as the language writes it, also
// one that carries no bound (a time that does not read, a purchase too
// small for its voucher); and words given another bound say that one, so
// that changing the constant changes the words.
func TestReasonWordsNameTheDomainsConstants(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	doorsHours, endHours := int(ticketing.MaxDoorsOpenBefore/time.Hour), int(ticketing.MaxDuration/time.Hour)
	window := int(vouchers.ReversalWindow / time.Minute)
	most := money.Cents(vouchers.MaxCents)

	// The theatre's refusals of a performance's doors and end, from the
	// request as the form sends it and from the performance's check.
	start := time.Date(2099, 3, 14, 20, 45, 0, 0, time.UTC)
	local := func(t time.Time) string { return t.Format("2006-01-02T15:04") }
	perf := func(edit func(*ticketing.PerformanceRequest)) error {
		in := ticketing.PerformanceRequest{VenueID: "ven_1", Title: "Filumena Marturano", StartsAt: local(start), DoorsOpen: local(start.Add(-time.Hour)),
			DurationMinutes: new(120), SalesOpen: local(start.AddDate(0, -1, 0)), SalesClose: local(start), Prices: map[string]int64{"platea": 2000}}
		edit(&in)
		p, err := in.Performance("", time.UTC)
		if err != nil {
			return err
		}
		return p.Validate()
	}
	doors := []error{
		perf(func(in *ticketing.PerformanceRequest) { in.DoorsOpen = "domani sera" }),
		perf(func(in *ticketing.PerformanceRequest) {
			in.DoorsOpen = local(start.Add(-ticketing.MaxDoorsOpenBefore - time.Hour))
		}),
	}
	ends := []error{
		perf(func(in *ticketing.PerformanceRequest) { in.DurationMinutes, in.EndsAt = nil, "dopo" }),
		perf(func(in *ticketing.PerformanceRequest) { in.EndsAt = local(start.Add(time.Hour)) }),
		perf(func(in *ticketing.PerformanceRequest) {
			in.DurationMinutes, in.EndsAt = nil, local(start.Add(ticketing.MaxDuration+time.Hour))
		}),
	}
	purchases := []error{
		vouchers.CheckPurchaseCents(0),
		vouchers.CheckPurchaseCents(vouchers.MaxCents + 1),
		apperr.R(apperr.Invalid, "purchase_amount", "The purchase is too small for this voucher."),
	}
	settle := apperr.R(apperr.Conflict, "nothing_to_settle", "This shop has no redemptions to settle in the period.")
	reversal := vouchers.Redemption{At: start}.ReversalRefusal(start.Add(vouchers.ReversalWindow + time.Minute))
	reports := apperr.R(apperr.RateLimited, "report_limit", "You have %d reports still open: the operator will look at them first.", mobility.MaxOpenReports)

	type want struct {
		errs  []error
		words string // "" for ErrorText, else refusalText's words
		text  string
	}
	for lang, cases := range map[string][]want{
		"it": {
			{doors, "", fmt.Sprintf("Le porte aprono all'inizio o prima, al massimo %d ore prima.", doorsHours)},
			{doors, "theatre.reason.", fmt.Sprintf("Indica l'apertura delle porte come data e ora (per esempio 31/12/2026 20:00): all'inizio o prima, al massimo %d ore prima.", doorsHours)},
			{ends, "", fmt.Sprintf("La fine è dopo l'inizio, al massimo %d ore dopo; indica la fine o la durata, non entrambe.", endHours)},
			{ends, "theatre.reason.", fmt.Sprintf("Indica la fine come data e ora, dopo l'inizio e al massimo %d ore dopo, oppure la durata: non entrambe.", endHours)},
			{purchases, "", fmt.Sprintf("Inserisci l'importo della spesa in euro, più di zero e al massimo %s; con un buono a percentuale deve bastare per uno sconto di almeno un centesimo.", most.Format("it"))},
			{[]error{settle}, "", fmt.Sprintf("Non ci sono operazioni da rendicontare (quelle degli ultimi %d minuti si possono ancora annullare).", window)},
			{[]error{reversal}, "", fmt.Sprintf("Un riscatto si può annullare solo entro %d minuti.", window)},
			{[]error{reports}, "", fmt.Sprintf("Hai già %d segnalazioni aperte: l'operatore se ne occuperà prima di riceverne altre.", mobility.MaxOpenReports)},
		},
		"en": {
			{doors, "", fmt.Sprintf("The doors open at or before the start, at most %d hours before it.", doorsHours)},
			{doors, "theatre.reason.", fmt.Sprintf("Give the doors' opening as a date and time (for example 31/12/2026 20:00): at the start or before it, at most %d hours before.", doorsHours)},
			{ends, "", fmt.Sprintf("The end is after the start, at most %d hours later; give the end or the duration, not both.", endHours)},
			{ends, "theatre.reason.", fmt.Sprintf("Give the end as a date and time, after the start and at most %d hours later, or the duration: not both.", endHours)},
			{purchases, "", fmt.Sprintf("Enter the purchase amount in euros, more than zero and at most %s; with a percentage voucher it must be large enough for a discount of at least one cent.", most.Format("en"))},
			{[]error{settle}, "", fmt.Sprintf("There is nothing to settle (redemptions of the last %d minutes can still be reversed).", window)},
			{[]error{reversal}, "", fmt.Sprintf("A redemption can be reversed only within %d minutes.", window)},
			{[]error{reports}, "", fmt.Sprintf("You already have %d open reports: the operator will see to them before taking more.", mobility.MaxOpenReports)},
		},
	} {
		l := locs[lang]
		for _, c := range cases {
			for _, err := range c.errs {
				got := l.ErrorText(err)
				if c.words != "" {
					got = refusalText(l, err, c.words)
				}
				if got != c.text {
					t.Errorf("%s, %v (%s): %q, want %q", lang, err, c.words, got, c.text)
				}
			}
		}
		// The till's script words an amount too large to hold as the hub
		// words one over the most.
		if got, want := l.BoundWords("purchase_amount"), l.ErrorText(purchases[1]); got != want {
			t.Errorf("%s, the script's words: %q, want %q", lang, got, want)
		}
		// Another bound, other words: nothing in them is written out.
		for _, key := range []string{"error.reason.invalid_doors_open", "theatre.reason.invalid_doors_open", "error.reason.invalid_ends_at", "theatre.reason.invalid_ends_at",
			"error.reason.nothing_to_settle", "error.reason.reversal_window_passed", "error.reason.report_limit"} {
			if got, ok := l.ReasonWords(key, []any{7}); !ok || !strings.Contains(got, "7") {
				t.Errorf("%s, %s with 7: %q, %v", lang, key, got, ok)
			}
		}
		other := money.Cents(123_456_78)
		if got, ok := l.ReasonWords("error.reason.purchase_amount", []any{other}); !ok || !strings.Contains(got, other.Format(lang)) {
			t.Errorf("%s, purchase_amount with %s: %q, %v", lang, other.Format(lang), got, ok)
		}
	}
}
