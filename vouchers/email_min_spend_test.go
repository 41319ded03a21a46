package vouchers_test

import (
	"strings"
	"testing"
	"time"

	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A campaign's minimum purchase reaches its vouchers' e-mails: the claim's
// and the reminder's say it, since the till refuses the voucher below it
// and the holder learnt of it nowhere else but the campaigns' page.
func TestVoucherEmailsSayTheCampaignsMinimumPurchase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		c := holdersWithMail(t, f, db, "anna@example.org")
		f.svc.SendEmails(c)
		camp := f.campaign(vouchers.Campaign{Name: "Spesa in centro", BudgetCents: 10000, FaceValueCents: 1000, MinSpendCents: 2000})
		anna := citizen(1)
		anna.Email, anna.Name, anna.Locale = "anna@example.org", "Anna", "it"
		f.claim(anna, camp.ID)
		f.clock.Add(camp.ValidUntil.Add(-48 * time.Hour).Sub(f.clock.Now()))
		if n, err := f.svc.RemindExpiring(f.ctx, 3*24*time.Hour); err != nil || n != 1 {
			t.Fatalf("reminders: %d, %v", n, err)
		}
		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 10)
		if err != nil || len(page.Messages) != 2 {
			t.Fatalf("outbox: %v, %+v", err, page.Messages)
		}
		kinds := map[string]bool{}
		for _, m := range page.Messages {
			kinds[m.Kind] = true
			if !strings.Contains(m.Text, "Spesa minima per usarlo: 20,00\u00a0€\n") {
				t.Errorf("the %s e-mail does not say the minimum purchase:\n%s", m.Kind, m.Text)
			}
		}
		if !kinds[mail.KindVoucherClaimed] || !kinds[mail.KindVoucherExpiring] {
			t.Fatalf("kinds %v", kinds)
		}
	})
}
