package vouchers_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// Holders of vouchers about to expire are reminded once each, however many
// replicas run the reminder at the same moment: nothing before the window,
// one e-mail per holder with an address inside it, nothing on later runs.
func TestExpiryRemindersOncePerVoucher(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		c := holdersWithMail(t, f, db, "anna@example.org", "bruno@example.org")
		camp := f.campaign(vouchers.Campaign{Name: "Natale in contrada", BudgetCents: 10000, FaceValueCents: 1000})
		for i := 1; i <= 3; i++ { // citizen 3 has no account row: marked, not mailed
			f.claim(citizen(i), camp.ID)
		}
		replicas := make([]*vouchers.Service, 8)
		for i := range replicas {
			keys := qrtoken.NewMemKeys()
			keys.Generate("qr-test", qrtoken.Purpose)
			replicas[i] = vouchers.NewService(db.Vouchers(), keys, storetest.Logger(t))
			replicas[i].SetClock(f.clock.Now)
			replicas[i].SendEmails(c)
		}
		if n, err := replicas[0].RemindExpiring(f.ctx, 3*24*time.Hour); err != nil || n != 0 {
			t.Fatalf("a month before expiry: %d reminders, %v", n, err)
		}
		f.clock.Add(camp.ValidUntil.Add(-48 * time.Hour).Sub(f.clock.Now()))
		var sent atomic.Int64
		var wg sync.WaitGroup
		for _, r := range replicas {
			wg.Go(func() {
				n, err := r.RemindExpiring(f.ctx, 3*24*time.Hour)
				if err != nil {
					t.Error(err)
				}
				sent.Add(int64(n))
			})
		}
		wg.Wait()
		if n, err := replicas[0].RemindExpiring(f.ctx, 3*24*time.Hour); err != nil || n != 0 {
			t.Fatalf("again: %d reminders, %v", n, err)
		}
		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if sent.Load() != 2 || len(page.Messages) != 2 {
			t.Fatalf("replicas said %d sent, outbox holds %d: %+v", sent.Load(), len(page.Messages), page.Messages)
		}
		for _, m := range page.Messages {
			if m.Kind != mail.KindVoucherExpiring || m.Subject != "Il tuo buono «Natale in contrada» sta per scadere" {
				t.Errorf("reminder %+v", m)
			}
		}
	})
}

// A campaign closed before its end reminds no one: its vouchers can no
// longer be used, and a reminder would send their holders to a till that
// refuses them.
func TestNoExpiryReminderForAClosedCampaign(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		f.svc.SendEmails(holdersWithMail(t, f, db, "anna@example.org"))
		camp := f.campaign(vouchers.Campaign{Name: "Chiusa prima", BudgetCents: 10000, FaceValueCents: 1000})
		f.claim(citizen(1), camp.ID)
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, camp.ID, vouchers.StatusClosed); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(camp.ValidUntil.Add(-48 * time.Hour).Sub(f.clock.Now()))
		if n, err := f.svc.RemindExpiring(f.ctx, 3*24*time.Hour); err != nil || n != 0 {
			t.Fatalf("a closed campaign: %d reminders, %v", n, err)
		}
		if page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 10); err != nil || len(page.Messages) != 0 {
			t.Fatalf("the outbox holds %+v, %v", page.Messages, err)
		}
	})
}

// holdersWithMail gives citizen(1), citizen(2), ... an account with each
// address in turn, and returns a composer for the e-mails to them.
func holdersWithMail(t *testing.T, f *fixture, db store.DB, emails ...string) *mail.Composer {
	t.Helper()
	c, err := mail.NewComposer("https://hub.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Identity().InTx(f.ctx, func(tx identity.Tx) error {
		for i, email := range emails {
			a := identity.Account{ID: citizen(i + 1).AccountID, Email: email, Name: "N", Locale: "it", PasswordHash: "x", CreatedAt: time.Now().UTC()}
			if err := tx.InsertAccount(f.ctx, a); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// A voucher claimed when it already expires within the reminder's window
// gets no reminder: the claim's e-mail gave its last day, and the
// reminder came minutes after it saying the same. One claimed before the
// window is reminded as ever.
func TestNoExpiryReminderRightAfterTheClaim(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		c := holdersWithMail(t, f, db, "anna@example.org", "bruno@example.org")
		f.svc.SendEmails(c)
		camp := f.campaign(vouchers.Campaign{Name: "Ultimi giorni", BudgetCents: 10000, FaceValueCents: 1000})
		early := citizen(1)
		early.Email, early.Name, early.Locale = "anna@example.org", "Anna", "it"
		f.claim(early, camp.ID)
		f.clock.Add(camp.ValidUntil.Add(-48 * time.Hour).Sub(f.clock.Now()))
		late := citizen(2)
		late.Email, late.Name, late.Locale = "bruno@example.org", "Bruno", "it"
		f.claim(late, camp.ID)
		if n, err := f.svc.RemindExpiring(f.ctx, 3*24*time.Hour); err != nil || n != 1 {
			t.Fatalf("reminders: %d, %v; want the one voucher claimed before the window", n, err)
		}
		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Messages {
			if m.Kind == mail.KindVoucherExpiring && m.To != "anna@example.org" {
				t.Errorf("a reminder went to %s, who claimed the voucher inside the window:\n%s", m.To, m.Text)
			}
		}
		if n, err := f.svc.RemindExpiring(f.ctx, 3*24*time.Hour); err != nil || n != 0 {
			t.Fatalf("again: %d reminders, %v", n, err)
		}
	})
}
