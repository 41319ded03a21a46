package cardpay_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// An owed refund that was sent once keeps its amount when a refund made
// at Stripe by hand takes part of it: its next send goes under a key
// Stripe may have seen with that amount, and another amount under it
// would be refused or, worse, taken for a new refund. The event is left
// for an operator instead of being answered as accounted.
func TestOwedRefundTriedOnceIsNotShrunk(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		pia := citizenWithCredit(t, db, s, &clock, "acc_pia", 0, map[string]int{"pi_tried": 7})
		done, err := s.EraseAccount(ctx, pia, cardpay.CreditToCards)
		if err != nil || done.RefundableCents != 1007 {
			t.Fatalf("erase: %+v, %v", done, err)
		}
		refuse := func(ctx context.Context, pi string, amount int64, key string) (string, error) {
			return "", apperr.E(apperr.Unavailable, "Stripe did not answer")
		}
		if n, err := s.SendRefunds(ctx, refuse); err != nil || n != 0 {
			t.Fatalf("a send that failed: %d, %v", n, err)
		}
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		rs, err := s.AdminTopUpRefunds(ctx, admin)
		if err != nil || len(rs) != 1 {
			t.Fatalf("refunds: %+v, %v", rs, err)
		}
		if rs[0].State != ticketing.RefundOwed {
			if _, err := s.RetryTopUpRefund(ctx, admin, rs[0].ID); err != nil {
				t.Fatalf("retry: %v", err)
			}
		}
		city := balance(t, db, wallet.CityFunding)
		out, err := s.Handle(ctx, cardpay.Event{ID: "evt_tried_300", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_tried",
			Amount: 1007, AmountRefunded: 300, Currency: "eur"})
		if err != nil || out.Attention != cardpay.AttentionRefund || out.TransactionID != "" {
			t.Fatalf("a refund at Stripe beyond the room of an owed refund sent once: %+v, %v", out, err)
		}
		rs, err = s.AdminTopUpRefunds(ctx, admin)
		if err != nil || len(rs) != 1 || rs[0].AmountCents != 1007 || rs[0].Attempts != 1 {
			t.Fatalf("the owed refund after it: %+v, %v", rs, err)
		}
		if got := balance(t, db, wallet.CityFunding); got != city {
			t.Fatalf("the city paid %d for a refund already in the ledger", city-got)
		}
		c, err := wallet.NewService(db.Wallet(), nil).Check(ctx)
		if err != nil || !c.OK() {
			t.Fatalf("ledger check %+v, %v", c, err)
		}
	})
}
