package ticketing_test

import (
	"context"
	"sync/atomic"
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A refund Stripe refused stays failed until an administrator sends it
// again: nobody else may, a refund that did not fail cannot be retried, and
// the retried refund is then sent under a key of its round (Stripe would
// answer the refused key with its refusal again), the same key for every
// send of the round.
func TestRetryFailedCardRefund(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		o := lateCardPayment(t, f, "pi_retry_refund")
		var keys []string
		refuse := func(ctx context.Context, pi string, amount int64, key string) (string, error) {
			keys = append(keys, key)
			return "", apperr.E(apperr.Invalid, "charge already refunded")
		}
		if n, err := f.svc.SendRefunds(f.ctx, refuse); err != nil || n != 0 {
			t.Fatalf("refused send = %d, %v", n, err)
		}
		if rs := f.refunds(); rs[0].State != ticketing.RefundFailed || rs[0].LastError == "" {
			t.Fatalf("after a refusal %+v", rs[0])
		}
		if _, err := f.svc.AdminCardRefunds(f.ctx, citizen(1)); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("citizen lists refunds: %v", err)
		}
		if _, err := f.svc.RetryCardRefund(f.ctx, citizen(1), o.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("citizen retries: %v", err)
		}
		if rs := f.refunds(); rs[0].State != ticketing.RefundFailed {
			t.Fatalf("a refused retry changed the refund: %+v", rs[0])
		}
		if _, err := f.svc.RetryCardRefund(f.ctx, admin, "ord_nonexistent"); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("retry of no refund: %v", err)
		}
		r, err := f.svc.RetryCardRefund(f.ctx, admin, o.ID)
		if err != nil || r.State != ticketing.RefundOwed {
			t.Fatalf("retry = %+v, %v", r, err)
		}
		if _, err := f.svc.RetryCardRefund(f.ctx, admin, o.ID); apperr.ReasonOf(err) != "refund_not_failed" {
			t.Fatalf("retry of an owed refund: %v", err)
		}
		// Stripe's answer lost: the refund stays owed, in its round.
		lost := func(ctx context.Context, pi string, amount int64, key string) (string, error) {
			keys = append(keys, key)
			return "", apperr.E(apperr.Unavailable, "no answer")
		}
		if n, err := f.svc.SendRefunds(f.ctx, lost); err != nil || n != 0 {
			t.Fatalf("send without an answer = %d, %v", n, err)
		}
		var calls atomic.Int64
		stripe := stripeSender(t, stripeURL(), &calls)
		if n, err := f.svc.SendRefunds(f.ctx, func(ctx context.Context, pi string, amount int64, key string) (string, error) {
			keys = append(keys, key)
			return stripe(ctx, pi, amount, key)
		}); err != nil || n != 1 || calls.Load() != 1 {
			t.Fatalf("send after retry = %d (%d calls), %v", n, calls.Load(), err)
		}
		rs, err := f.svc.AdminCardRefunds(f.ctx, admin)
		round1 := rs[0].ID + "-round1"
		if err != nil || rs[0].State != ticketing.RefundDone || rs[0].Attempts != 3 || rs[0].KeyRound != 1 ||
			len(keys) != 3 || keys[0] != rs[0].ID || keys[1] != round1 || keys[2] != round1 {
			t.Fatalf("after the retry %+v, %v (keys %v)", rs, err, keys)
		}
	})
}

// The refunder sends each refund as its claim wrote it, not as it listed
// it: a refund another refunder had refused meanwhile, and an
// administrator sent again in a new round, goes under that round's key.
func TestRefundSentAsClaimedNotAsListed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		lateCardPayment(t, f, "pi_listed_one")
		two := lateCardPayment(t, f, "pi_listed_two")
		keys := map[string][]string{}
		send := func(ctx context.Context, pi string, amount int64, key string) (string, error) {
			keys[pi] = append(keys[pi], key)
			if pi != "pi_listed_one" {
				return "re_" + key, nil
			}
			// While the first is sent, another refunder sends the
			// second, Stripe refuses it, and an administrator sends it
			// again in round 1.
			refuse := func(ctx context.Context, pi string, amount int64, key string) (string, error) {
				keys[pi] = append(keys[pi], key)
				return "", apperr.E(apperr.Invalid, "card expired")
			}
			if n, err := f.svc.SendRefunds(ctx, refuse); err != nil || n != 0 {
				t.Errorf("the other refunder: %d, %v", n, err)
			}
			if r, err := f.svc.RetryCardRefund(ctx, admin, two.ID); err != nil || r.KeyRound != 1 {
				t.Errorf("retry of the second: %+v, %v", r, err)
			}
			return "re_" + key, nil
		}
		if n, err := f.svc.SendRefunds(f.ctx, send); err != nil || n != 2 {
			t.Fatalf("send refunds: %d, %v", n, err)
		}
		var r ticketing.CardRefund
		for _, x := range f.refunds() {
			if x.OrderID == two.ID {
				r = x
			}
		}
		round1 := ticketing.RefundKey(r.ID, 1)
		if got := keys["pi_listed_two"]; len(got) != 2 || got[0] != r.ID || got[1] != round1 {
			t.Fatalf("the second sent under %v, want %s then %s", got, r.ID, round1)
		}
		if r.State != ticketing.RefundDone || r.Attempts != 2 || r.KeyRound != 1 || r.StripeRefundID != "re_"+round1 {
			t.Fatalf("the second after the send: %+v", r)
		}
	})
}
