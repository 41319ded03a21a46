package cardpay_test

import (
	"context"
	"testing"
	"time"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A credited top-up enqueues one receipt to the account, in its language,
// with the credit; a replayed event none; an account that is gone gets the
// credit and no receipt.
func TestTopUpReceiptEnqueuedWithCredit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		c, err := mail.NewComposer("https://hub.example.org")
		if err != nil {
			t.Fatal(err)
		}
		s.SendReceipts(c)
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			if err := tx.InsertAccount(ctx, identity.Account{ID: "acc_spid", Email: "acc_spid" + identity.PlaceholderEmailDomain, Name: "Bruno",
				Locale: "it", CreatedAt: time.Now().UTC()}); err != nil {
				return err
			}
			return tx.InsertAccount(ctx, identity.Account{ID: "acc_en", Email: "anna@example.org", Name: "Anna", Locale: "en",
				PasswordHash: "x", CreatedAt: time.Now().UTC()})
		}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []cardpay.Payment{{ID: "pi_en", Purpose: cardpay.PurposeTopUp, AccountID: "acc_en", AmountCents: 1500},
			{ID: "pi_gone", Purpose: cardpay.PurposeTopUp, AccountID: "acc_gone", AmountCents: 700},
			{ID: "pi_spid", Purpose: cardpay.PurposeTopUp, AccountID: "acc_spid", AmountCents: 900}} {
			if err := s.Record(ctx, p); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				out, err := s.Handle(ctx, cardpay.Event{ID: "evt_" + p.ID, Type: cardpay.EventPaymentSucceeded, PaymentIntentID: p.ID, Amount: p.AmountCents, Currency: "eur"})
				if err != nil || !out.Handled {
					t.Fatalf("Handle %s = %+v, %v", p.ID, out, err)
				}
			}
		}
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		page, err := outbox.NewService(db.Outbox()).List(ctx, admin, "", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Messages) != 1 {
			t.Fatalf("outbox holds %d messages, want the one receipt: %+v", len(page.Messages), page.Messages)
		}
		m := page.Messages[0]
		if m.Kind != mail.KindTopUpReceipt || m.To != "anna@example.org" || m.Locale != "en" || m.AccountID != "acc_en" ||
			m.Subject != "Top-up of €15.00 credited to your wallet" || m.State != mail.StatePending {
			t.Fatalf("receipt %+v", m)
		}
	})
}
