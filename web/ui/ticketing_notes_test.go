package ui

import (
	"testing"

	"cityhub/ticketing"
)

// An order's note reads in the page's language, part by part; a part
// without words in the catalogue is shown as the record keeps it.
func TestOrderNoteInThePagesLanguage(t *testing.T) {
	locales := New(Deps{}).site.pages.locales
	for _, tc := range []struct{ lang, note, want string }{
		{"it", ticketing.NoteReleased, "Hai rinunciato ai posti."},
		{"en", ticketing.NoteReleased, "Released by you."},
		{"it", ticketing.NoteCancelledByAdmin, "Annullato dal Comune."},
		{"it", ticketing.NoteCancelledWhileDisputed + "; " + ticketing.NoteDisputeLost,
			"Lo spettacolo è stato annullato mentre il pagamento con carta è contestato: la contestazione decide del denaro; contestazione della carta persa: i biglietti non valgono più e i loro posti non tornano in vendita."},
		{"it", "€5.00 refunded at Stripe; the tickets stay valid", "€5.00 refunded at Stripe; the tickets stay valid."},
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
