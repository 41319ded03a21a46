package cardpay_test

import (
	"context"
	"fmt"
	"sync/atomic"
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

// The refunder sends each owed refund as it claims it, not as it listed
// it: a refund made at Stripe by hand while the refunder was busy with
// another shrinks the owed refund, and the smaller amount is what goes.
func TestRefundSentAsClaimedNotAsListed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		for _, id := range []string{"acc_one", "acc_two"} {
			pi := "pi_" + id[4:]
			c := citizenWithCredit(t, db, s, &clock, id, 0, map[string]int{pi: 9})
			if _, err := s.EraseAccount(ctx, c, cardpay.CreditToCards); err != nil {
				t.Fatalf("erase %s: %v", id, err)
			}
		}
		sent := map[string]int64{}
		var calls atomic.Int64
		stripe := stripeRefunds(t, &calls)
		send := func(ctx context.Context, pi string, amount int64, key string) (string, error) {
			sent[pi] = amount
			if pi == "pi_one" {
				// While the first is sent, 3.00 € of the second is
				// refunded by hand at Stripe.
				out, err := s.Handle(ctx, cardpay.Event{ID: "evt_two_300", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_two",
					Amount: 1009, AmountRefunded: 300, Currency: "eur"})
				if err != nil || !out.Handled {
					t.Errorf("the refund by hand: %+v, %v", out, err)
				}
			}
			return stripe(ctx, pi, amount, key)
		}
		if n, err := s.SendRefunds(ctx, send); err != nil || n != 2 {
			t.Fatalf("send refunds: %d, %v", n, err)
		}
		if sent["pi_one"] != 1009 || sent["pi_two"] != 1009-300 {
			t.Fatalf("sent %v, want pi_one 1009 and pi_two 709", sent)
		}
	})
}

// The administrators' list of top-up refunds is bounded, and a failed
// refund, which waits for a person, is on it however many newer ones
// there are.
func TestFailedRefundListedPastTheNewest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		at := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
		if err := db.CardPayments().InTx(ctx, func(tx cardpay.Tx) error {
			for i := range 230 {
				r := cardpay.TopUpRefund{ID: fmt.Sprintf("trf_list_%03d", i), PaymentIntentID: fmt.Sprintf("pi_list_%03d", i), AccountID: "acc_list",
					AmountCents: 100, State: ticketing.RefundDone, CreatedAt: at.Add(time.Duration(i) * time.Second), UpdatedAt: at}
				if i == 0 {
					r.State, r.LastError = ticketing.RefundFailed, "refused"
				}
				if err := tx.InsertTopUpRefund(ctx, r); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		rs, err := s.AdminTopUpRefunds(ctx, admin)
		if err != nil || len(rs) == 0 || len(rs) > 200 || rs[0].ID != "trf_list_000" || rs[0].State != ticketing.RefundFailed {
			t.Fatalf("the list: %d refunds, first %+v, %v", len(rs), rs[0], err)
		}
		if rs[1].ID != "trf_list_229" {
			t.Fatalf("after the failed one, the newest: %s", rs[1].ID)
		}
	})
}
