package vouchers_test

import (
	"regexp"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A claim enqueues one voucher-claimed e-mail in its transaction: a
// refused claim none, a replayed keyed claim none, an account without an
// address none.
func TestClaimEnqueuesEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		c, err := mail.NewComposer("https://hub.example.org")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.SendEmails(c)
		camp := f.campaign(vouchers.Campaign{Name: "Natale in contrada", BudgetCents: 10000, FaceValueCents: 1000})
		anna := citizen(1)
		anna.Email, anna.Name, anna.Locale = "anna@example.org", "Anna", "en"
		if _, replayed, err := f.svc.ClaimWithKey(f.ctx, anna, camp.ID, "key-anna-1"); err != nil || replayed {
			t.Fatalf("claim: %v, replayed %v", err, replayed)
		}
		if _, replayed, err := f.svc.ClaimWithKey(f.ctx, anna, camp.ID, "key-anna-1"); err != nil || !replayed {
			t.Fatalf("replay: %v, replayed %v", err, replayed)
		}
		if _, err := f.svc.Claim(f.ctx, anna, camp.ID); err == nil {
			t.Fatal("a second claim over the limit succeeded")
		}
		spid := citizen(2)
		spid.Email = "acc_x" + identity.PlaceholderEmailDomain
		f.claim(spid, camp.ID)

		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Messages) != 1 {
			t.Fatalf("outbox holds %d e-mails, want the one claim's: %+v", len(page.Messages), page.Messages)
		}
		m := page.Messages[0]
		if m.Kind != mail.KindVoucherClaimed || m.To != "anna@example.org" || m.AccountID != anna.AccountID || m.Locale != "en" ||
			m.Subject != "Voucher “Natale in contrada” is in your wallet" {
			t.Fatalf("e-mail %+v", m)
		}
		// The instant it expires, to the minute, as the wallet page and the
		// reminder give it, for a campaign that ends at another time than
		// a midnight (one that ends at a midnight reads as its last day,
		// mail.LastValidDay).
		if !regexp.MustCompile(`Valid until: \d{1,2} \w+ \d{4}, \d\d:\d\d\n`).MatchString(m.Text) {
			t.Fatalf("the claim e-mail does not give the expiry's time:\n%s", m.Text)
		}
	})
}
