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
