package mail_test

import (
	"strings"
	"testing"
	"time"

	"cityhub/mail"
)

// A voucher's validity that ends at a midnight (the administrator's "until
// 31 January, inclusive") reads as its last day in the claim's and the
// reminder's e-mails, as on the pages, where they read "Expires on
// 1 February 2027, 00:00"; an end at another time keeps its time.
func TestVoucherMailsWriteTheLastValidDay(t *testing.T) {
	c := composer(t)
	rome := zone(t, "Europe/Rome")
	midnight := time.Date(2027, time.February, 1, 0, 0, 0, 0, rome)
	evening := time.Date(2027, time.March, 7, 18, 30, 0, 0, rome)
	for lang, want := range map[string]struct{ day, evening, wrong string }{
		"it": {"Valido fino al giorno: 31 gennaio 2027\n", "Valido fino al giorno: 7 marzo 2027, 18:30\n", "febbraio"},
		"en": {"Valid until: 31 January 2027\n", "Valid until: 7 March 2027, 18:30\n", "February"},
	} {
		r := mail.Recipient{AccountID: "acc_1", Email: "anna@example.org", Name: "Anna", Locale: lang}
		for name, compose := range map[string]func(time.Time) (mail.Message, error){
			"claimed": func(at time.Time) (mail.Message, error) {
				return c.VoucherClaimed(r, mail.Voucher{Campaign: "Inverno", ValueCents: 1000, ExpiresAt: at})
			},
			"expiring": func(at time.Time) (mail.Message, error) {
				return c.VoucherExpiring(r, mail.Voucher{Campaign: "Inverno", ValueCents: 1000, ExpiresAt: at})
			},
		} {
			m, err := compose(midnight)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(m.Text, want.day) || strings.Contains(m.Text, want.wrong) || strings.Contains(m.HTML, want.wrong) {
				t.Errorf("%s in %s does not read %q:\n%s", name, lang, want.day, m.Text)
			}
			if m, err = compose(evening); err != nil || !strings.Contains(m.Text, want.evening) {
				t.Errorf("%s in %s does not read %q: %v\n%s", name, lang, want.evening, err, m.Text)
			}
		}
	}
}

// LastValidDay is the day before a midnight in the zone, and nothing for
// any other moment, whatever the clocks do that day.
func TestLastValidDay(t *testing.T) {
	rome := zone(t, "Europe/Rome")
	for _, tc := range []struct {
		end  time.Time
		want string
	}{
		{time.Date(2027, 2, 1, 0, 0, 0, 0, rome), "2027-01-31"},
		{time.Date(2027, 3, 29, 0, 0, 0, 0, rome), "2027-03-28"}, // the day the clocks go forward
		{time.Date(2027, 1, 1, 0, 0, 0, 0, rome), "2026-12-31"},
		{time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), ""}, // 01:00 in Rome
		{time.Date(2027, 2, 1, 0, 0, 1, 0, rome), ""},
	} {
		day, ok := mail.LastValidDay(tc.end, rome)
		if got := map[bool]string{true: day.Format(time.DateOnly)}[ok]; got != tc.want {
			t.Errorf("LastValidDay(%s) = %q, want %q", tc.end, got, tc.want)
		}
	}
}
