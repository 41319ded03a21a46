package vouchers_test

import (
	"strings"
	"testing"

	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// The claim's e-mail of a percentage campaign's voucher says the share it
// takes and its most, as the list of campaigns does: a bare "Value:
// €15.00" promised 15 € off a purchase of 10 € that gets 2 €.
func TestClaimEmailOfAPercentageVoucherSaysThePercentage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		c, err := mail.NewComposer("https://hub.example.org")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.SendEmails(c)
		camp := f.campaign(vouchers.Campaign{Name: "Saldi", BudgetCents: 10000, FaceValueCents: 1500, PercentOff: 20})
		anna := citizen(1)
		anna.Email, anna.Name, anna.Locale = "anna@example.org", "Anna", "en"
		f.claim(anna, camp.ID)
		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 10)
		if err != nil || len(page.Messages) != 1 {
			t.Fatalf("outbox: %v, %+v", err, page.Messages)
		}
		if m := page.Messages[0]; !strings.Contains(m.Text, "Value: 20% off, up to €15.00\n") {
			t.Fatalf("the claim e-mail does not say the percentage:\n%s", m.Text)
		}
	})
}
