package cardpay_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A refund of an erased account's credit that Stripe refused is listed for
// administrators, stays failed until one sends it again, and is then sent
// under its first idempotency key; nobody else may list or retry it.
func TestRetryFailedTopUpRefund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		anna := citizenWithCredit(t, db, s, &clock, "acc_anna", 0, map[string]int{"pi_only": 5})
		if _, err := s.EraseAccount(ctx, anna, cardpay.CreditToCards); err != nil {
			t.Fatal(err)
		}
		var keys []string
		refuse := func(ctx context.Context, pi string, amount int64, key string) (string, error) {
			keys = append(keys, key)
			return "", apperr.E(apperr.Invalid, "charge already refunded")
		}
		if n, err := s.SendRefunds(ctx, refuse); err != nil || n != 0 {
			t.Fatalf("refused send = %d, %v", n, err)
		}
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		rs, err := s.AdminTopUpRefunds(ctx, admin)
		if err != nil || len(rs) != 1 || rs[0].State != ticketing.RefundFailed || rs[0].LastError == "" {
			t.Fatalf("refunds after a refusal: %+v, %v", rs, err)
		}
		citizen := identity.Caller{AccountID: "acc_bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		if _, err := s.AdminTopUpRefunds(ctx, citizen); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen listing refunds: %v", err)
		}
		if _, err := s.RetryTopUpRefund(ctx, citizen, rs[0].ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen retrying: %v", err)
		}
		if _, err := s.RetryTopUpRefund(ctx, admin, "tur_nope"); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("retry of no refund: %v", err)
		}
		if r, err := s.RetryTopUpRefund(ctx, admin, rs[0].ID); err != nil || r.State != ticketing.RefundOwed {
			t.Fatalf("retry = %+v, %v", r, err)
		}
		if _, err := s.RetryTopUpRefund(ctx, admin, rs[0].ID); apperr.ReasonOf(err) != "refund_not_failed" {
			t.Fatalf("retry of an owed refund: %v", err)
		}
		// Sent again under the key of its new round: Stripe would answer
		// the refused key with its refusal again.
		var calls atomic.Int64
		stripe := stripeRefunds(t, &calls)
		if n, err := s.SendRefunds(ctx, func(ctx context.Context, pi string, amount int64, key string) (string, error) {
			keys = append(keys, key)
			return stripe(ctx, pi, amount, key)
		}); err != nil || n != 1 || calls.Load() != 1 {
			t.Fatalf("send after the retry = %d (%d calls), %v", n, calls.Load(), err)
		}
		rs, _ = s.AdminTopUpRefunds(ctx, admin)
		if rs[0].State != ticketing.RefundDone || rs[0].Attempts != 2 || rs[0].KeyRound != 1 ||
			len(keys) != 2 || keys[0] != rs[0].ID || keys[1] != rs[0].ID+"-round1" {
			t.Fatalf("after the retry %+v (keys %v)", rs[0], keys)
		}
	})
}
