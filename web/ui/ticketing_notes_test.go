package ui

import (
	"testing"

	"cityhub/ticketing"
)

// An order's note reads in the page's language, part by part, a partial
// refund's amount written the page's way; a part without words in the
// catalogue is shown as the record keeps it.
func TestOrderNoteInThePagesLanguage(t *testing.T) {
	locales := New(Deps{}).site.pages.locales
	for _, tc := range []struct{ lang, note, want string }{
		{"it", ticketing.NoteReleased, "Hai rinunciato ai posti."},
		{"en", ticketing.NoteReleased, "Released by you."},
		{"it", ticketing.NoteCancelledByAdmin, "Annullato dal Comune."},
		{"it", ticketing.NoteCancelledWhileDisputed + "; " + ticketing.NoteDisputeLost,
			"Lo spettacolo è stato annullato mentre il pagamento con carta è contestato: la contestazione decide del denaro; contestazione della carta persa: i biglietti non valgono più e i loro posti non tornano in vendita."},
		{"it", ticketing.PartialRefundNote(1250), "12,50\u00a0€ rimborsati sulla carta; i biglietti restano validi."},
		{"en", ticketing.PartialRefundNote(100050), "€1,000.50 refunded to the card; the tickets stay valid."},
		// As an earlier release kept it.
		{"it", "5.00 EUR refunded at Stripe; the tickets stay valid", "5,00\u00a0€ rimborsati sulla carta; i biglietti restano validi."},
		{"it", "a note of a later release", "A note of a later release."},
	} {
		if got := locales[tc.lang].OrderNote(tc.note); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.lang, tc.note, got, tc.want)
		}
	}
	for note, name := range ticketing.OrderNotes {
		for lang, l := range locales {
			if !l.Has("pay.order.note." + name) {
				t.Errorf("%s: no words for the note %q", lang, note)
			}
		}
	}
}
