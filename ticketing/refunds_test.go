package ticketing_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/wallet"
)

func stripeSender(t *testing.T, url string, calls *atomic.Int64) ticketing.RefundFunc {
	t.Helper()
	c, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_refunds", WebhookSecret: "whsec_refunds", APIURL: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, pi string, amount int64, key string) (string, error) {
		calls.Add(1)
		r, err := c.Refund(ctx, pi, amount, key)
		return r.ID, err
	}
}

func stripeURL() string {
	if u := os.Getenv("CITYHUB_TEST_STRIPE_URL"); u != "" {
		return u
	}
	return "http://127.0.0.1:12111"
}

// lateCardPayment makes a card payment arrive after its seat was sold
// elsewhere: the order becomes refund_due.
func lateCardPayment(t *testing.T, f *fixture, pi string) ticketing.Order {
	t.Helper()
	v := f.venue("Teatro Romano "+pi, 2)
	p := f.performance(v.ID)
	slow, fast := citizen(1), citizen(2)
	o := f.holdForCard(slow, p.ID, pi, "Platea/A/1")
	f.clock.Advance(ticketing.HoldTTL + time.Second)
	f.credit(100_00, fast)
	f.buy(fast, p.ID, "Platea/A/1")
	got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, pi, 2500, "eur")
	if err != nil || got.Status != ticketing.OrderRefundDue {
		t.Fatalf("late confirmation: %+v %v", got, err)
	}
	return got
}

func (f *fixture) refunds() []ticketing.CardRefund {
	f.t.Helper()
	rs, err := f.svc.CardRefunds(f.ctx)
	if err != nil {
		f.t.Fatalf("card refunds: %v", err)
	}
	return rs
}

// A late card payment is owed back; the refunder sends it to stripe-mock
// once, the record ends done, and the ledger never moved for it.
func TestLateCardPaymentIsRefunded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		clearing := f.balance(wallet.StripeClearing)
		o := lateCardPayment(t, f, "pi_late_refund")
		rs := f.refunds()
		if len(rs) != 1 || rs[0].OrderID != o.ID || rs[0].State != ticketing.RefundOwed || rs[0].AmountCents != 2500 || rs[0].PaymentIntentID != "pi_late_refund" {
			t.Fatalf("owed refunds %+v", rs)
		}
		var calls atomic.Int64
		n, err := f.svc.SendRefunds(f.ctx, stripeSender(t, stripeURL(), &calls))
		if err != nil || n != 1 {
			t.Fatalf("send refunds = %d, %v (is stripe-mock running?)", n, err)
		}
		rs = f.refunds()
		if rs[0].State != ticketing.RefundDone || rs[0].StripeRefundID == "" || rs[0].Attempts != 1 || rs[0].LastError != "" {
			t.Fatalf("refund after sending %+v", rs[0])
		}
		// Nothing left to send.
		if n, err := f.svc.SendRefunds(f.ctx, stripeSender(t, stripeURL(), &calls)); err != nil || n != 0 || calls.Load() != 1 {
			t.Fatalf("second run sent %d (%d calls), %v", n, calls.Load(), err)
		}
		// An admin closing the order does not owe it twice.
		if _, err := f.svc.RefundOrder(f.ctx, admin, o.ID); err != nil {
			t.Fatal(err)
		}
		if rs = f.refunds(); len(rs) != 1 {
			t.Fatalf("refunds after admin close %+v", rs)
		}
		if got := f.balance(wallet.StripeClearing); got != clearing {
			t.Fatalf("StripeClearing moved %d → %d for a refunded payment", clearing, got)
		}
		f.ledgerOK()
	})
}

// A refunded card sale owes the card its money; the reversal already
// brought StripeClearing back to zero for that payment.
func TestRefundedCardSaleIsSentBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		clearing := f.balance(wallet.StripeClearing)
		v := f.venue("Teatro Comunale", 2)
		p := f.performance(v.ID)
		o := f.holdForCard(citizen(3), p.ID, "pi_sale_refund", "Platea/B/1")
		if got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_sale_refund", 1500, "eur"); err != nil || got.Status != ticketing.OrderPaid {
			t.Fatalf("confirm: %+v %v", got, err)
		}
		if _, err := f.svc.CancelPerformance(f.ctx, admin, p.ID); err != nil {
			t.Fatal(err)
		}
		rs := f.refunds()
		if len(rs) != 1 || rs[0].AmountCents != 1500 || rs[0].State != ticketing.RefundOwed {
			t.Fatalf("owed refunds %+v", rs)
		}
		var calls atomic.Int64
		if n, err := f.svc.SendRefunds(f.ctx, stripeSender(t, stripeURL(), &calls)); err != nil || n != 1 {
			t.Fatalf("send = %d, %v", n, err)
		}
		if got := f.balance(wallet.StripeClearing); got != clearing {
			t.Fatalf("StripeClearing %d, want %d", got, clearing)
		}
		f.ledgerOK()
	})
}

// Two refunders at once send each owed refund exactly once.
func TestConcurrentRefundersSendOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		for _, pi := range []string{"pi_conc_a", "pi_conc_b", "pi_conc_c"} {
			lateCardPayment(t, f, pi)
		}
		var calls, sent atomic.Int64
		send := stripeSender(t, stripeURL(), &calls)
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := f.svc.SendRefunds(f.ctx, send)
				if err != nil {
					t.Errorf("send refunds: %v", err)
				}
				sent.Add(int64(n))
			}()
		}
		wg.Wait()
		if calls.Load() != 3 || sent.Load() != 3 {
			t.Fatalf("%d Stripe calls, %d sent; want 3 and 3", calls.Load(), sent.Load())
		}
		for _, r := range f.refunds() {
			if r.State != ticketing.RefundDone || r.Attempts != 1 {
				t.Fatalf("refund %+v", r)
			}
		}
		f.ledgerOK()
	})
}

// With Stripe unreachable the refund stays owed with the error recorded,
// and a later run sends it.
func TestUnreachableStripeKeepsRefundOwed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		lateCardPayment(t, f, "pi_unreachable")
		var calls atomic.Int64
		if n, err := f.svc.SendRefunds(f.ctx, stripeSender(t, "http://127.0.0.1:1", &calls)); err != nil || n != 0 {
			t.Fatalf("send against a closed port = %d, %v", n, err)
		}
		rs := f.refunds()
		if rs[0].State != ticketing.RefundOwed || rs[0].Attempts != 1 || rs[0].LastError == "" {
			t.Fatalf("refund after failure %+v", rs[0])
		}
		if n, err := f.svc.SendRefunds(f.ctx, nil); err == nil || n != 0 {
			t.Fatalf("send without Stripe = %d, %v", n, err)
		}
		if n, err := f.svc.SendRefunds(f.ctx, stripeSender(t, stripeURL(), &calls)); err != nil || n != 1 {
			t.Fatalf("retry = %d, %v", n, err)
		}
		rs = f.refunds()
		if rs[0].State != ticketing.RefundDone || rs[0].Attempts != 2 || !strings.HasPrefix(rs[0].StripeRefundID, "re_") {
			t.Fatalf("refund after retry %+v", rs[0])
		}
		f.ledgerOK()
	})
}
