package ticketing_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// refundedAtStripe applies Stripe's report of a charge refunded up to total.
func (f *fixture) refundedAtStripe(orderID, pi string, total int64) ticketing.CardRefundResult {
	f.t.Helper()
	var res ticketing.CardRefundResult
	if err := f.db.Ticketing().InTx(f.ctx, func(tx ticketing.Tx) error {
		var err error
		res, err = f.svc.CardRefundedTx(f.ctx, tx, orderID, pi, total)
		return err
	}); err != nil {
		f.t.Fatalf("refunded at Stripe: %v", err)
	}
	return res
}

// Part of a card sale refunded at Stripe, then the order refunded by an
// administrator: the hub owes and reverses only the rest, so the money is
// returned once in all.
func TestPartRefundedAtStripeThenByTheHub(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		clearing, revenue := f.balance(wallet.StripeClearing), f.balance(wallet.RevenueTheatre)
		v := f.venue("Teatro San Marco", 2)
		p := f.performance(v.ID)
		o := f.holdForCard(citizen(4), p.ID, "pi_part", "Platea/A/1", "Platea/A/2")
		if got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_part", o.TotalCents, "eur"); err != nil || got.Status != ticketing.OrderPaid {
			t.Fatalf("confirm: %+v %v", got, err)
		}
		res := f.refundedAtStripe(o.ID, "pi_part", 1000)
		if res.Cents != 1000 || res.Order.Status != ticketing.OrderPaid || res.Order.Note != "10.00 EUR refunded at Stripe; the tickets stay valid" {
			t.Fatalf("part refund %+v", res)
		}
		// The note's amount reads back, for the buyer's page to word it.
		first, _, _ := strings.Cut(res.Order.Note, "; ")
		if c, ok := ticketing.PartialRefundOf(first); !ok || c != 1000 {
			t.Fatalf("the note's amount: %d, %v", c, ok)
		}
		if res := f.refundedAtStripe(o.ID, "pi_part", 1000); res.Cents != 0 {
			t.Fatalf("the same report twice: %+v", res)
		}
		got, err := f.svc.RefundOrder(f.ctx, admin, o.ID)
		if err != nil || got.Status != ticketing.OrderRefunded {
			t.Fatalf("refund: %+v %v", got, err)
		}
		rs := f.refunds()
		if len(rs) != 1 || rs[0].AmountCents != o.TotalCents-1000 {
			t.Fatalf("owed %+v, want %d", rs, o.TotalCents-1000)
		}
		// Stripe then reports the whole charge refunded: already accounted.
		if res := f.refundedAtStripe(o.ID, "pi_part", o.TotalCents); res.Cents != 0 {
			t.Fatalf("the hub's own refund counted again: %+v", res)
		}
		if c, r := f.balance(wallet.StripeClearing), f.balance(wallet.RevenueTheatre); c != clearing || r != revenue {
			t.Fatalf("clearing %d revenue %d, want %d %d", c, r, clearing, revenue)
		}
		f.ledgerOK()
	})
}

// A refund the hub owed for a late payment, made at Stripe before the hub
// sent it, is closed and never sent.
func TestOwedRefundMadeAtStripeIsNotSent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		o := lateCardPayment(t, f, "pi_owed_at_stripe")
		if res := f.refundedAtStripe(o.ID, "pi_owed_at_stripe", 2500); res.Attention != "" {
			t.Fatalf("refund of a refund_due order %+v", res)
		}
		var calls atomic.Int64
		if n, err := f.svc.SendRefunds(f.ctx, stripeSender(t, stripeURL(), &calls)); err != nil || n != 0 || calls.Load() != 0 {
			t.Fatalf("sent %d (%d calls), %v", n, calls.Load(), err)
		}
		if rs := f.refunds(); len(rs) != 1 || rs[0].State != ticketing.RefundDone {
			t.Fatalf("refunds %+v", rs)
		}
		f.ledgerOK()
	})
}

// Part of a card sale refunded at Stripe, the rest owed by the hub after
// an administrator's refund, and then a smaller refund made at Stripe
// before the hub sent its own: that one does not cover the hub's refund,
// which stays owed (closing it would leave the buyer short of what the
// ledger returned), and nothing more moves in the ledger.
func TestSmallerRefundAtStripeLeavesTheOwedRefund(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro San Marco", 2)
		p := f.performance(v.ID)
		o := f.holdForCard(citizen(5), p.ID, "pi_smaller", "Platea/A/1", "Platea/A/2")
		if got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_smaller", o.TotalCents, "eur"); err != nil || got.Status != ticketing.OrderPaid {
			t.Fatalf("confirm: %+v %v", got, err)
		}
		// Most of it refunded at Stripe first, so that the charge's refunds
		// soon exceed the little the hub owes.
		first := o.TotalCents - 1000
		f.refundedAtStripe(o.ID, "pi_smaller", first)
		if _, err := f.svc.RefundOrder(f.ctx, admin, o.ID); err != nil {
			t.Fatal(err)
		}
		clearing, revenue := f.balance(wallet.StripeClearing), f.balance(wallet.RevenueTheatre)
		if res := f.refundedAtStripe(o.ID, "pi_smaller", first+500); res.Cents != 0 {
			t.Fatalf("a smaller refund at Stripe was posted: %+v", res)
		}
		if rs := f.refunds(); len(rs) != 1 || rs[0].State != ticketing.RefundOwed || rs[0].AmountCents != 1000 {
			t.Fatalf("the hub's refund after a smaller one at Stripe: %+v", rs)
		}
		if c, r := f.balance(wallet.StripeClearing), f.balance(wallet.RevenueTheatre); c != clearing || r != revenue {
			t.Fatalf("clearing %d revenue %d, want %d %d", c, r, clearing, revenue)
		}
		f.ledgerOK()
	})
}
