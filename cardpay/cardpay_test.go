package cardpay_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

func newService(t *testing.T, db store.DB) *cardpay.Service {
	t.Helper()
	w := wallet.NewService(db.Wallet(), nil)
	if err := w.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cardpay.NewService(db.CardPayments(), nil, storetest.Logger(t))
}

// Only a well-formed payment is recorded, once.
func TestRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		for _, p := range []cardpay.Payment{
			{Purpose: cardpay.PurposeTopUp, AccountID: "acc_1", AmountCents: 100},
			{ID: "pi_1", Purpose: cardpay.PurposeTopUp, AmountCents: 100},
			{ID: "pi_1", Purpose: "gift", AccountID: "acc_1", AmountCents: 100},
			{ID: "pi_1", Purpose: cardpay.PurposeTopUp, AccountID: "acc_1"},
			{ID: "pi_1", Purpose: cardpay.PurposeTicketOrder, AccountID: "acc_1", AmountCents: 100},
		} {
			if err := s.Record(ctx, p); !apperr.Has(err, apperr.Invalid) {
				t.Errorf("Record(%+v) = %v, want Invalid", p, err)
			}
		}
		p := cardpay.Payment{ID: "pi_1", Purpose: cardpay.PurposeTopUp, AccountID: "acc_1", AmountCents: 100}
		for range 2 {
			if err := s.Record(ctx, p); err != nil {
				t.Fatalf("Record: %v", err)
			}
		}
		// The recorded payment is matched: its event credits acc_1 once.
		for range 2 {
			out, err := s.Handle(ctx, cardpay.Event{ID: "evt_1", Type: cardpay.EventPaymentSucceeded, PaymentIntentID: "pi_1", Amount: 100, Currency: "eur"})
			if err != nil || !out.Handled || out.TransactionID == "" {
				t.Fatalf("Handle = %+v, %v", out, err)
			}
		}
		a, err := wallet.NewService(db.Wallet(), nil).Account(ctx, wallet.CitizenAccount("acc_1"))
		if err != nil || a.Balance != 100 {
			t.Fatalf("credit %+v, %v", a, err)
		}
	})
}

// Only a city administrator lists and counts the events kept for an
// operator; the list comes a page at a time, newest first, every event
// once, and the count is of them all.
func TestAttentionEventsAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		if _, err := s.Handle(ctx, cardpay.Event{ID: "evt_x", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_nobody", Amount: 100, AmountRefunded: 100}); err != nil {
			t.Fatal(err)
		}
		for _, role := range []identity.Role{"", identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator} {
			c := identity.Caller{AccountID: "acc_x"}
			if role != "" {
				c.Grants = []identity.Grant{{Role: role}}
			}
			if _, err := s.AttentionEvents(ctx, c, "", 10); !apperr.Has(err, apperr.Forbidden) {
				t.Errorf("%q lists payment events: %v", role, err)
			}
			if _, err := s.AttentionCount(ctx, c); !apperr.Has(err, apperr.Forbidden) {
				t.Errorf("%q counts payment events: %v", role, err)
			}
		}
		admin := identity.Caller{AccountID: "acc_a", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		evs, err := s.AttentionEvents(ctx, admin, "", 10)
		if err != nil || len(evs.Events) != 1 || evs.Events[0].Attention != cardpay.AttentionUnmatched || evs.Next != "" {
			t.Fatalf("admin list = %+v, %v", evs, err)
		}
		// Four more, listed two to a page.
		for i := range 4 {
			if _, err := s.Handle(ctx, cardpay.Event{ID: fmt.Sprintf("evt_y%d", i), Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_nobody",
				Amount: 100, AmountRefunded: 100}); err != nil {
				t.Fatal(err)
			}
		}
		// Pages of 2 and of 5 (exactly all: no page after it).
		var seen []string
		cursor, pages := "", 0
		for range 4 {
			page, err := s.AttentionEvents(ctx, admin, cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, ev := range page.Events {
				seen = append(seen, ev.ID)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if pages != 3 {
			t.Errorf("5 events came in %d pages of 2, want 3", pages)
		}
		if all, err := s.AttentionEvents(ctx, admin, "", 5); err != nil || len(all.Events) != 5 || all.Next != "" {
			t.Errorf("a page of exactly all: %d events, next %q, %v", len(all.Events), all.Next, err)
		}
		slices.Sort(seen)
		if want := []string{"evt_x", "evt_y0", "evt_y1", "evt_y2", "evt_y3"}; !slices.Equal(seen, want) {
			t.Errorf("pages of 2 listed %v, want %v", seen, want)
		}
		if n, err := s.AttentionCount(ctx, admin); n != 5 || err != nil {
			t.Errorf("count %d, %v; want 5", n, err)
		}
		for _, bad := range []struct {
			cursor string
			limit  int
			reason string
		}{{"evt_unknown", 2, "bad_cursor"}, {"", 0, "bad_limit"}, {"", cardpay.MaxAttentionPage + 1, "bad_limit"}} {
			if _, err := s.AttentionEvents(ctx, admin, bad.cursor, bad.limit); apperr.ReasonOf(err) != bad.reason {
				t.Errorf("cursor %q, limit %d: %v, want %s", bad.cursor, bad.limit, err, bad.reason)
			}
		}
	})
}

// A top-up's success reported by many deliveries at once, of one event and
// of several events for the same payment (Stripe sends both), credits once,
// and every delivery answers with that one ledger transaction.
func TestTopUpCreditedOnceUnderConcurrentDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		carol := citizenWithCredit(t, db, s, new(time.Time), "acc_carol", 0, nil)
		if err := s.Record(ctx, cardpay.Payment{ID: "pi_carol", Purpose: cardpay.PurposeTopUp, AccountID: carol.AccountID, AmountCents: 2500}); err != nil {
			t.Fatal(err)
		}
		const n = 16
		outs := make([]cardpay.Outcome, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				outs[i], errs[i] = s.Handle(ctx, cardpay.Event{ID: fmt.Sprintf("evt_carol_%d", i%4), Type: cardpay.EventPaymentSucceeded,
					PaymentIntentID: "pi_carol", Amount: 2500, Currency: "eur"})
			})
		}
		close(start)
		wg.Wait()
		credited := 0
		for i := range n {
			if errs[i] != nil || !outs[i].Handled || outs[i].TransactionID == "" || outs[i].TransactionID != outs[0].TransactionID {
				t.Fatalf("delivery %d: %+v, %v (first %+v)", i, outs[i], errs[i], outs[0])
			}
			if !outs[i].Replayed {
				credited++
			}
		}
		if credited != 1 {
			t.Fatalf("%d of %d deliveries credited", credited, n)
		}
		if b := balance(t, db, wallet.CitizenAccount(carol.AccountID)); b != 2500 {
			t.Fatalf("credit %d, want 2500", b)
		}
		if d, err := s.Reconcile(ctx); err != nil || len(d) != 0 {
			t.Fatalf("reconciliation: %+v, %v", d, err)
		}
	})
}

// A top-up that Stripe reports paid with another amount than the one the
// citizen asked for (the intent changed outside the hub) is booked and owed
// back to the card whole, for an operator to look at: nothing stays
// credited. Before, whatever amount the event carried was credited.
func TestTopUpOfAnotherAmountIsRefunded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		dora := citizenWithCredit(t, db, s, new(time.Time), "acc_dora", 0, nil)
		if err := s.Record(ctx, cardpay.Payment{ID: "pi_dora", Purpose: cardpay.PurposeTopUp, AccountID: dora.AccountID, AmountCents: 2000}); err != nil {
			t.Fatal(err)
		}
		ev := cardpay.Event{ID: "evt_dora", Type: cardpay.EventPaymentSucceeded, PaymentIntentID: "pi_dora", Amount: 45000, Currency: "eur"}
		out, err := s.Handle(ctx, ev)
		if err != nil || out.Attention != cardpay.AttentionAmount || out.TransactionID == "" {
			t.Fatalf("a top-up of 20 euros paid with 450: %+v, %v", out, err)
		}
		if b := balance(t, db, wallet.CitizenAccount(dora.AccountID)); b != 0 {
			t.Fatalf("credit %d, want 0", b)
		}
		var refunds []cardpay.TopUpRefund
		if err := db.CardPayments().View(ctx, func(tx cardpay.Tx) error {
			refunds, err = tx.TopUpRefundsOf(ctx, dora.AccountID)
			return err
		}); err != nil || len(refunds) != 1 || refunds[0].AmountCents != 45000 || refunds[0].PaymentIntentID != "pi_dora" {
			t.Fatalf("refunds owed: %+v, %v", refunds, err)
		}
		// Delivered again, and as the charge's refund once Stripe made it:
		// nothing more moves.
		if again, err := s.Handle(ctx, ev); err != nil || !again.Replayed || again.Attention != cardpay.AttentionAmount {
			t.Fatalf("delivered again: %+v, %v", again, err)
		}
		if b := balance(t, db, wallet.CitizenAccount(dora.AccountID)); b != 0 {
			t.Fatalf("credit after the repeat %d, want 0", b)
		}
		if d, err := s.Reconcile(ctx); err != nil || len(d) != 0 {
			t.Fatalf("reconciliation: %+v, %v", d, err)
		}
	})
}

// An event that names no currency is not taken for euros: it is kept for
// an operator and credits nothing.
func TestEventWithoutCurrencyCreditsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		eve := citizenWithCredit(t, db, s, new(time.Time), "acc_eve", 0, nil)
		if err := s.Record(ctx, cardpay.Payment{ID: "pi_eve", Purpose: cardpay.PurposeTopUp, AccountID: eve.AccountID, AmountCents: 2000}); err != nil {
			t.Fatal(err)
		}
		out, err := s.Handle(ctx, cardpay.Event{ID: "evt_eve", Type: cardpay.EventPaymentSucceeded, PaymentIntentID: "pi_eve", Amount: 2000})
		if err != nil || out.Attention != cardpay.AttentionCurrency || out.TransactionID != "" {
			t.Fatalf("an event without a currency: %+v, %v", out, err)
		}
		if b := balance(t, db, wallet.CitizenAccount(eve.AccountID)); b != 0 {
			t.Fatalf("credit %d, want 0", b)
		}
	})
}

// A dispute's event that arrives before payment_intent.succeeded books the
// payment with the amount asked (the dispute names no charge amount); when
// Stripe then reports another amount received, nothing moves again and an
// operator is asked to settle the difference; the same amount replays.
func TestTopUpCreditedBeforeStripeSaidItsAmount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		ezio := citizenWithCredit(t, db, s, new(time.Time), "acc_ezio", 0, nil)
		for _, pi := range []string{"pi_ezio", "pi_ezio_same"} {
			if err := s.Record(ctx, cardpay.Payment{ID: pi, Purpose: cardpay.PurposeTopUp, AccountID: ezio.AccountID, AmountCents: 2000}); err != nil {
				t.Fatal(err)
			}
			if out, err := s.Handle(ctx, cardpay.Event{ID: "evt_dp_" + pi, Type: cardpay.EventDisputeCreated, PaymentIntentID: pi, ObjectID: "dp_" + pi,
				Amount: 2000, Currency: "eur", DisputeStatus: "needs_response"}); err != nil || !out.Handled {
				t.Fatalf("a dispute first on %s: %+v, %v", pi, out, err)
			}
		}
		out, err := s.Handle(ctx, cardpay.Event{ID: "evt_ok_ezio", Type: cardpay.EventPaymentSucceeded, PaymentIntentID: "pi_ezio", Amount: 1500, Currency: "eur"})
		if err != nil || !out.Handled || out.Attention != cardpay.AttentionAmount {
			t.Fatalf("succeeded with another amount after the dispute: %+v, %v", out, err)
		}
		out, err = s.Handle(ctx, cardpay.Event{ID: "evt_ok_same", Type: cardpay.EventPaymentSucceeded, PaymentIntentID: "pi_ezio_same", Amount: 2000, Currency: "eur"})
		if err != nil || !out.Handled || !out.Replayed || out.Attention != "" {
			t.Fatalf("succeeded with the amount booked: %+v, %v", out, err)
		}
		if c, err := wallet.NewService(db.Wallet(), nil).Check(ctx); err != nil || !c.OK() {
			t.Fatalf("ledger check %+v, %v", c, err)
		}
	})
}
