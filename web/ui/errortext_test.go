package ui

import (
	"fmt"
	"testing"

	"cityhub/apperr"
	"cityhub/participation"
)

// A page's words for a refusal name its values where the catalogue's words
// have verbs for them; a refusal without them (replayed, or made with
// other values) gets the words for its code, never a "%d".
func TestErrorTextFillsItsVerbsOrFallsBack(t *testing.T) {
	l := &locale{Lang: "it", msgs: map[string]string{
		"error.reason.capacity_below_docked": "La stazione ha %d bici: non meno di %d.",
		"error.reason.plain":                 "Parole semplici.",
		"error.code.conflict":                "Lo stato è cambiato.",
		"error.code.internal":                "Errore.",
	}}
	for err, want := range map[error]string{
		apperr.R(apperr.Conflict, "capacity_below_docked", "The station has %d bikes docked; %d is less.", 5, 3): "La stazione ha 5 bici: non meno di 3.",
		apperr.Said(apperr.Conflict, "capacity_below_docked", "The station has 5 bikes docked; 3 is less."):      "Lo stato è cambiato.",
		apperr.R(apperr.Conflict, "plain", "Plain."):                                                             "Parole semplici.",
		apperr.R(apperr.Conflict, "unknown_reason", "Unknown."):                                                  "Lo stato è cambiato.",
	} {
		if got := l.ErrorText(err); got != want {
			t.Errorf("%v: %q, want %q", err, got, want)
		}
	}
}

// The words for a reopening's reason too long name the limit the refusal
// gives (the participation check's MaxNoteLen), in each language, where
// they wrote "1,000" whatever the check enforced.
func TestReasonTooLongNamesTheRefusalsLimit(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{participation.MaxNoteLen, 7} {
		refusal := apperr.R(apperr.Invalid, "reason_too_long", "The reason must be at most %d characters.", limit)
		for lang, want := range map[string]string{
			"it": fmt.Sprintf("Il motivo è troppo lungo: al massimo %d caratteri.", limit),
			"en": fmt.Sprintf("The reason is too long: at most %d characters.", limit),
		} {
			if got := locs[lang].ErrorText(refusal); got != want {
				t.Errorf("%s, limit %d: %q, want %q", lang, limit, got, want)
			}
		}
	}
}

// The flag form's words for a refused reason name the limit the refusal
// gives (the participation check's MaxNoteLen), in each language, where
// they wrote "1,000" whatever the check enforced; the words for the same
// refusal elsewhere do too, and no longer call a reason with control
// characters too long.
func TestFlagReasonWordsNameTheRefusalsLimit(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{participation.MaxNoteLen, 7} {
		refusal := apperr.R(apperr.Invalid, "bad_reason", "The reason must be at most %d characters, without control characters.", limit)
		for lang, want := range map[string]string{
			"it": fmt.Sprintf("Il motivo ha al massimo %d caratteri, senza caratteri di controllo.", limit),
			"en": fmt.Sprintf("The reason has at most %d characters, without control characters.", limit),
		} {
			if got := refusalText(locs[lang], refusal, "part.flag.err."); got != want {
				t.Errorf("%s, limit %d, the flag form: %q, want %q", lang, limit, got, want)
			}
			if got := locs[lang].ErrorText(refusal); got != want {
				t.Errorf("%s, limit %d, elsewhere: %q, want %q", lang, limit, got, want)
			}
		}
	}
}
