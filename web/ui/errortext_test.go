package ui

import (
	"fmt"
	"testing"

	"cityhub/apperr"
	"cityhub/money"
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

// noteLimits are limits of a reason with the number as each language
// writes it: participation's MaxNoteLen ("1.000" in Italian, "1,000" in
// English, where the words wrote "1000" in both), and others.
var noteLimits = map[int]map[string]string{
	participation.MaxNoteLen: {"it": "1.000", "en": "1,000"},
	7:                        {"it": "7", "en": "7"},
	1234567:                  {"it": "1.234.567", "en": "1,234,567"},
}

// The words for a reopening's reason too long name the limit the refusal
// gives (the participation check's MaxNoteLen), in each language, where
// they wrote "1,000" whatever the check enforced, and write it as the
// language writes numbers.
func TestReasonTooLongNamesTheRefusalsLimit(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	if participation.MaxNoteLen != 1000 {
		t.Fatalf("MaxNoteLen is %d: write it in noteLimits as each language does", participation.MaxNoteLen)
	}
	for limit, written := range noteLimits {
		refusal := apperr.R(apperr.Invalid, "reason_too_long", "The reason must be at most %d characters.", limit)
		for lang, want := range map[string]string{
			"it": fmt.Sprintf("Il motivo è troppo lungo: al massimo %s caratteri.", written["it"]),
			"en": fmt.Sprintf("The reason is too long: at most %s characters.", written["en"]),
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
// characters too long; they write the limit as the language writes
// numbers ("1.000", "1,000"), where they wrote "1000" in both.
func TestFlagReasonWordsNameTheRefusalsLimit(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for limit, written := range noteLimits {
		refusal := apperr.R(apperr.Invalid, "bad_reason", "The reason must be at most %d characters, without control characters.", limit)
		for lang, want := range map[string]string{
			"it": fmt.Sprintf("Il motivo ha al massimo %s caratteri, senza caratteri di controllo.", written["it"]),
			"en": fmt.Sprintf("The reason has at most %s characters, without control characters.", written["en"]),
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

// A refusal's words write its whole numbers as the language does, whatever
// their integer type, a negative one with the minus sign; its other values,
// and a whole number a verb other than %d prints, print as fmt prints them.
func TestReasonWordsWriteWholeNumbersAsTheLanguageDoes(t *testing.T) {
	type seats int32
	for lang, want := range map[string]string{
		"it": "1.000 · 25.000 · 7 · \u22124.500 · 1.234.567 · 1000 · 3.5 · a1000b",
		"en": "1,000 · 25,000 · 7 · \u22124,500 · 1,234,567 · 1000 · 3.5 · a1000b",
	} {
		l := &locale{Lang: lang, msgs: map[string]string{"error.reason.numbers": "%d · %d · %d · %d · %d · %v · %v · %s"}}
		got, ok := l.ReasonWords("error.reason.numbers", []any{1000, int64(25000), uint8(7), -4500, seats(1234567), 1000, 3.5, "a1000b"})
		if !ok || got != want {
			t.Errorf("%s: %q, %v; want %q", lang, got, ok, want)
		}
	}
}

// An amount a refusal names (money.Cents) is written as the page's language
// writes money, where fmt wrote "100000.00 EUR" in both.
func TestReasonWordsWriteAmountsAsTheLanguageDoes(t *testing.T) {
	for lang, want := range map[string]string{
		"it": "platea: al massimo 100.000,00\u00a0€ · 1.000",
		"en": "platea: al massimo €100,000.00 · 1,000",
	} {
		l := &locale{Lang: lang, msgs: map[string]string{"error.reason.amount": "%s: al massimo %s · %d"}}
		got, ok := l.ReasonWords("error.reason.amount", []any{"platea", money.Cents(10_000_000), 1000})
		if !ok || got != want {
			t.Errorf("%s: %q, %v; want %q", lang, got, ok, want)
		}
	}
}

// A request of an account erased while it was on its way is refused alike
// by every domain (apperr.ErrAccountDeleted), and the pages say so in
// each language, where a claim's refusal, which had no reason, fell back
// to the words asking to sign in.
func TestAccountDeletedHasItsWords(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{
		"it": "Questo account è stato cancellato: la richiesta non ha avuto effetto.",
		"en": "This account has been deleted: the request changed nothing.",
	} {
		if got := locs[lang].ErrorText(fmt.Errorf("claim: %w", apperr.ErrAccountDeleted)); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// A station may refuse an unlock with a code of its own (docs/mqtt.md
// allows any code, beyond the five it names): the page said "the service
// is not available, try later", as for a fault of the hub, and not that
// nothing was charged, where the API says the station could not release
// the bike. Such a refusal gets the words for a station's refusal, in each
// language; a code the catalogue names keeps its own words.
func TestAStationsOwnRefusalCodeSaysNothingWasCharged(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	own := apperr.R(apperr.Unavailable, "station_refused:low_battery", "The station could not release the bike (%s). Nothing was charged.", "low_battery")
	named := apperr.R(apperr.Unavailable, "station_refused:dock_fault", "The station could not release the bike (%s). Nothing was charged.", "dock_fault")
	for lang, want := range map[string]string{
		"it": "La stazione non ha potuto sbloccare la bici. Non ti è stato addebitato nulla.",
		"en": "The station could not release the bike. Nothing was charged.",
	} {
		if got := locs[lang].ErrorText(own); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		if got, other := locs[lang].ErrorText(named), locs[lang].T("error.reason.station_refused:dock_fault"); got != other {
			t.Errorf("%s, dock_fault: %q, want its own words %q", lang, got, other)
		}
	}
}
