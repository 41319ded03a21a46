package ui

import (
	"testing"

	"cityhub/apperr"
)

// The campaign form says what its own limits are, in the page's language,
// next to the field: not the citizen's claim refusal that shares the
// reason (per_citizen_limit), nor the generic "not valid".
func TestCampaignFormRefusalsNameTheLimit(t *testing.T) {
	locales := New(Deps{}).site.pages.locales
	for _, tc := range []struct{ lang, reason, field, want string }{
		{"it", "per_citizen_limit", "per_citizen_limit", "Ogni cittadino può avere da 1 a 100 buoni di una campagna."},
		{"en", "per_citizen_limit", "per_citizen_limit", "Each citizen may claim from 1 to 100 vouchers of a campaign."},
		{"it", "budget", "budget", "I fondi devono essere più di zero e al massimo 1.000.000 €."},
		{"it", "percent_off", "percent_off", "La percentuale va da 1 a 100 (0 per un importo fisso)."},
		{"en", "campaign_name", "name", "Give the campaign a name of 1 to 200 characters, one line without control characters."},
	} {
		f := newStaffForm()
		if !formRefusal(locales[tc.lang], f, apperr.R(apperr.Invalid, tc.reason, "domain text"), campaignFieldOf) || f.Errors[tc.field] != tc.want {
			t.Errorf("%s %s: errors %v, problem %q; want %q on %s", tc.lang, tc.reason, f.Errors, f.Problem, tc.want, tc.field)
		}
	}
}
