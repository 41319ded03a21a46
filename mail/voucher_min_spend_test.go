package mail_test

import (
	"strings"
	"testing"
	"time"

	"cityhub/mail"
)

// A voucher whose campaign asks a minimum purchase is refused at the till
// below it: the claim's and the reminder's e-mails say the minimum, in text
// and HTML, and say nothing of one when the campaign has none.
func TestVoucherMailsSayTheMinimumPurchase(t *testing.T) {
	c := composer(t)
	at := time.Date(2027, time.February, 1, 0, 0, 0, 0, zone(t, "Europe/Rome"))
	for lang, want := range map[string]struct{ label, amount string }{
		"it": {"Spesa minima per usarlo", "20,00 €"},
		"en": {"Minimum purchase to use it", "€20.00"},
	} {
		r := mail.Recipient{AccountID: "acc_1", Email: "anna@example.org", Name: "Anna", Locale: lang}
		for _, min := range []int64{2000, 0} {
			v := mail.Voucher{Campaign: "Inverno", ValueCents: 1000, MinSpendCents: min, ExpiresAt: at}
			claimed, err := c.VoucherClaimed(r, v)
			if err != nil {
				t.Fatal(err)
			}
			expiring, err := c.VoucherExpiring(r, v)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []mail.Message{claimed, expiring} {
				for _, body := range []string{m.Text, m.HTML} {
					body = strings.ReplaceAll(body, "\u00a0", " ")
					says := strings.Contains(body, want.label)
					if min > 0 && (!says || !strings.Contains(body, want.amount)) {
						t.Errorf("%s in %s does not say the minimum %q %q:\n%s", m.Kind, lang, want.label, want.amount, body)
					}
					if min == 0 && says {
						t.Errorf("%s in %s speaks of a minimum the campaign does not have:\n%s", m.Kind, lang, body)
					}
				}
				if strings.Contains(m.Text, "\n\n\n") {
					t.Errorf("%s in %s: two blank lines in\n%s", m.Kind, lang, m.Text)
				}
			}
		}
	}
}
