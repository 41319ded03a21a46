package ui

import (
	"errors"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/stripepay"
)

// A buyer whose card payment Stripe did not let start, or cancel, reads in
// their language that nothing was charged (or changed), rather than the
// generic words for a service that is unavailable.
func TestPagesSayNothingWasChargedWhenStripeDoesNotAnswer(t *testing.T) {
	locales, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		stripepay.ReasonStartUnavailable:  {"it": "Non ti è stato addebitato nulla", "en": "Nothing was charged"},
		stripepay.ReasonCancelUnavailable: {"it": "non è cambiato nulla", "en": "nothing changed"},
	}
	for reason, words := range want {
		err := apperr.Wrap(errors.New("dial tcp: connection refused"), apperr.Unavailable, "Stripe did not answer.")
		err.Reason = reason
		for lang, w := range words {
			if got := locales[lang].ErrorText(err); !strings.Contains(got, w) {
				t.Errorf("%s, %s: %q, want it to say %q", reason, lang, got, w)
			}
		}
	}
}
