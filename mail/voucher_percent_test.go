package mail_test

import (
	"strings"
	"testing"
	"time"

	"cityhub/mail"
)

// A voucher of a percentage campaign takes a share of each purchase, at
// most its value in all: the claim's and the reminder's e-mails say so, as
// the list of campaigns does, in text and HTML alike. Before, they said
// only "Valore: 15,00 €", and a citizen expected 15 € off a 10 € purchase
// that gave 2 €.
func TestVoucherMailsSayAPercentageVoucherIsAPercentage(t *testing.T) {
	c := composer(t)
	at := time.Date(2027, time.February, 1, 0, 0, 0, 0, zone(t, "Europe/Rome"))
	for lang, want := range map[string]struct{ claimed, expiring, fixed string }{
		"it": {"20% di sconto, fino a 15,00", "20% di sconto, fino a 7,50", "Valore: 15,00"},
		"en": {"20% off, up to €15.00", "20% off, up to €7.50", "Value: €15.00"},
	} {
		r := mail.Recipient{AccountID: "acc_1", Email: "anna@example.org", Name: "Anna", Locale: lang}
		claimed, err := c.VoucherClaimed(r, mail.Voucher{Campaign: "Inverno", ValueCents: 1500, PercentOff: 20, ExpiresAt: at})
		if err != nil {
			t.Fatal(err)
		}
		expiring, err := c.VoucherExpiring(r, mail.Voucher{Campaign: "Inverno", ValueCents: 750, PercentOff: 20, ExpiresAt: at})
		if err != nil {
			t.Fatal(err)
		}
		for name, m := range map[string]struct {
			msg  mail.Message
			want string
		}{"claimed": {claimed, want.claimed}, "expiring": {expiring, want.expiring}} {
			text, html := strings.ReplaceAll(m.msg.Text, "\u00a0", " "), strings.ReplaceAll(m.msg.HTML, "\u00a0", " ")
			if !strings.Contains(text, m.want) || !strings.Contains(html, m.want) {
				t.Errorf("%s in %s does not say %q:\n%s\n%s", name, lang, m.want, text, html)
			}
			if strings.Contains(text, want.fixed) {
				t.Errorf("%s in %s says %q, a fixed amount:\n%s", name, lang, want.fixed, text)
			}
		}
		// A fixed voucher still says its value.
		fixed, err := c.VoucherClaimed(r, mail.Voucher{Campaign: "Inverno", ValueCents: 1500, ExpiresAt: at})
		if err != nil || !strings.Contains(strings.ReplaceAll(fixed.Text, "\u00a0", " "), want.fixed) {
			t.Errorf("the fixed voucher's claim in %s does not say %q: %v\n%s", lang, want.fixed, err, fixed.Text)
		}
	}
}
