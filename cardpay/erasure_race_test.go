package cardpay_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/cardpay"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// together runs fns at once: each waits at one gate, which opens when all
// are ready to run.
func together(fns ...func()) {
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			fn()
		}()
	}
	close(gate)
	wg.Wait()
}

// credited is the sum of the entries of kind on the account.
func credited(t *testing.T, db store.DB, id wallet.AccountID, kind string) (sum int64) {
	t.Helper()
	page, err := wallet.NewService(db.Wallet(), nil).History(context.Background(), id, "", wallet.MaxPage)
	if err != nil {
		t.Fatal(err)
	}
	if page.Next != "" {
		t.Fatalf("%s has more than a page of entries", id)
	}
	for _, l := range page.Lines {
		if l.Kind == kind {
			sum += l.Amount
		}
	}
	return sum
}

// Twelve top-ups, each under its own key, sent at the same time as the
// person erases their account, leaving the credit to the city; again and
// again, and then one more after the erasure, with the sign-in the person
// had. Every top-up that went through came before the erasure, which sent
// its money to the city with the rest; every other one is refused as for
// an erased account (401 account_deleted) and books nothing. No credit is
// ever left on the erased account, and the ledger check agrees. Before,
// a top-up that came after the erasure's commit was credited to it.
func TestTopUpsRacingErasure(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		w := wallet.NewService(db.Wallet(), storetest.Logger(t))
		const rounds, topUps, cents = 6, 12, 500
		var before, after int
		for round := range rounds {
			person := citizenWithCredit(t, db, s, &clock, fmt.Sprintf("acc_topper%02d", round), 0, nil)
			keys := make([]string, topUps)
			errs := make([]error, topUps)
			var erased cardpay.ErasureCredit
			var eraseErr error
			fns := []func(){func() { erased, eraseErr = s.EraseAccount(ctx, person, cardpay.CreditToCity) }}
			for i := range topUps {
				keys[i] = fmt.Sprintf("topup-%02d", i)
				fns = append(fns, func() { _, errs[i] = w.TestTopUp(ctx, person.AccountID, cents, keys[i]) })
			}
			together(fns...)
			if eraseErr != nil {
				t.Fatalf("round %d: erase: %v", round, eraseErr)
			}
			// The request the person sent after the erasure, with the
			// sign-in it revoked: the same refusal, at once.
			keys = append(keys, "topup-late")
			_, late := w.TestTopUp(ctx, person.AccountID, cents, "topup-late")
			errs = append(errs, late)

			var through int64
			for i, err := range errs {
				key := "topup:test:" + person.AccountID + ":" + keys[i]
				var lookup error
				if err := db.Wallet().View(ctx, func(tx wallet.Tx) error { _, lookup = tx.TransactionByKey(ctx, key); return nil }); err != nil {
					t.Fatal(err)
				}
				switch {
				case err == nil:
					through += cents
					before++
				case apperr.Has(err, apperr.Unauthenticated) && apperr.ReasonOf(err) == "account_deleted":
					after++
					if !apperr.Has(lookup, apperr.NotFound) {
						t.Fatalf("round %d: the refused top-up %s is in the ledger: %v", round, keys[i], lookup)
					}
				default:
					t.Fatalf("round %d: top-up %s racing the erasure: %v", round, keys[i], err)
				}
			}
			if errs[len(errs)-1] == nil {
				t.Fatalf("round %d: a top-up sent after the erasure went through", round)
			}
			if erased.BalanceCents != through {
				t.Fatalf("round %d: the erasure settled %d, the top-ups that went through credited %d", round, erased.BalanceCents, through)
			}
			citizen := wallet.CitizenAccount(person.AccountID)
			if b := balance(t, db, citizen); b != 0 {
				t.Fatalf("round %d: %d cents left on the erased account", round, b)
			}
			if sum := credited(t, db, citizen, wallet.KindTopUpTest); sum != through {
				t.Fatalf("round %d: %d of test top-ups on the erased account, %d went through", round, sum, through)
			}
			if sum := credited(t, db, citizen, cardpay.KindErasureToCity); sum != -through {
				t.Fatalf("round %d: the erasure sent %d to the city, want %d", round, -sum, through)
			}
		}
		t.Logf("%d top-ups came before their erasure, %d were refused after it", before, after)
		if check, err := w.Check(ctx); err != nil || !check.OK() {
			t.Fatalf("ledger check %+v, %v", check, err)
		}
	})
}

// Card top-ups being confirmed by Stripe while their person erases the
// account, sending the credit back to the cards: each payment confirmed
// before the erasure is credited and sent back to its card by it; each
// confirmed after it never reaches the closed credit, and is owed back to
// its card all the same (booked to the city, which owes it). One more is
// confirmed after the erasure, and a top-up asked for then is refused
// before any payment is recorded. Every payment ends refunded whole,
// nothing is left on the erased account, and the books agree.
func TestCardTopUpsRacingErasure(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		const rounds, payments, cents = 4, 8, 700
		for round := range rounds {
			person := citizenWithCredit(t, db, s, &clock, fmt.Sprintf("acc_carder%02d", round), 0, nil)
			intents := make([]string, payments+1)
			for i := range intents {
				intents[i] = fmt.Sprintf("pi_race_%02d_%02d", round, i)
				if err := s.Record(ctx, cardpay.Payment{ID: intents[i], Purpose: cardpay.PurposeTopUp, AccountID: person.AccountID, AmountCents: cents}); err != nil {
					t.Fatal(err)
				}
			}
			succeeded := func(pi string) error {
				out, err := s.Handle(ctx, cardpay.Event{ID: "evt_" + pi, Type: cardpay.EventPaymentSucceeded, PaymentIntentID: pi, Amount: cents, Currency: "eur"})
				if err == nil && (!out.Handled || out.Attention != "") {
					err = fmt.Errorf("outcome %+v", out)
				}
				return err
			}
			errs := make([]error, payments)
			var erased cardpay.ErasureCredit
			var eraseErr error
			fns := []func(){func() { erased, eraseErr = s.EraseAccount(ctx, person, cardpay.CreditToCards) }}
			for i := range payments {
				fns = append(fns, func() { errs[i] = succeeded(intents[i]) })
			}
			together(fns...)
			if eraseErr != nil {
				t.Fatalf("round %d: erase: %v", round, eraseErr)
			}
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %s confirmed as the account was erased: %v", round, intents[i], err)
				}
			}
			if err := succeeded(intents[payments]); err != nil {
				t.Fatalf("round %d: %s confirmed after the erasure: %v", round, intents[payments], err)
			}
			late := cardpay.Payment{ID: fmt.Sprintf("pi_race_%02d_late", round), Purpose: cardpay.PurposeTopUp, AccountID: person.AccountID, AmountCents: cents}
			if err := s.Record(ctx, late); apperr.ReasonOf(err) != "account_deleted" || !apperr.Has(err, apperr.Unauthenticated) {
				t.Fatalf("round %d: a top-up recorded for the erased account: %v, want 401 account_deleted", round, err)
			}

			citizen := wallet.CitizenAccount(person.AccountID)
			if b := balance(t, db, citizen); b != 0 {
				t.Fatalf("round %d: %d cents left on the erased account", round, b)
			}
			// The closed credit took the payments the erasure saw, and
			// nothing after it.
			if sum := credited(t, db, citizen, wallet.KindTopUpCard); sum != erased.BalanceCents || erased.RefundableCents != erased.BalanceCents {
				t.Fatalf("round %d: %d of card top-ups reached the erased account; the erasure settled %+v", round, sum, erased)
			}
			var refunds []cardpay.TopUpRefund
			var recorded []cardpay.TopUpRecord
			if err := db.CardPayments().View(ctx, func(tx cardpay.Tx) error {
				var err error
				if refunds, err = tx.TopUpRefundsOf(ctx, person.AccountID); err != nil {
					return err
				}
				recorded, err = tx.RecentTopUpPayments(ctx, person.AccountID, 100)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var owed int64
			for _, r := range refunds {
				owed += r.AmountCents
			}
			if owed != (payments+1)*cents || len(recorded) != payments+1 {
				t.Fatalf("round %d: %d owed back to the cards in %d refunds for %d payments, want all %d", round, owed, len(refunds), len(recorded), (payments+1)*cents)
			}
			for _, p := range recorded {
				if p.CreditedCents != cents || p.RefundedCents != cents {
					t.Fatalf("round %d: payment %s credited %d and refunded %d, want %d both", round, p.ID, p.CreditedCents, p.RefundedCents, cents)
				}
			}
		}
		check, err := wallet.NewService(db.Wallet(), nil).Check(ctx)
		if err != nil || !check.OK() {
			t.Fatalf("ledger check %+v, %v", check, err)
		}
		if d, err := s.Reconcile(ctx); err != nil || len(d) != 0 {
			t.Fatalf("reconciliation: %+v, %v", d, err)
		}
	})
}

// What reaches an erased account's top-ups afterwards through Stripe goes
// to the city, never to the closed credit: a dispute opened after the
// erasure on a top-up whose credit went to the city is held from the city;
// won, it goes back there; a dispute held from the credit before the
// erasure and won after it gives the credit's part to the city; a refund
// made at Stripe afterwards takes from the city. The books agree at every
// step.
func TestStripeEventsAfterErasureLeaveNoCredit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		w := wallet.NewService(db.Wallet(), nil)
		// pi_old is too old for a refund to its card: the erasure sends its
		// credit to the city. pi_held is disputed before the erasure, its
		// amount held from the credit.
		person := citizenWithCredit(t, db, s, &clock, "acc_late", 0, map[string]int{"pi_old": 200, "pi_held": 1})
		handle := func(ev cardpay.Event) {
			t.Helper()
			ev.Currency = "eur"
			if out, err := s.Handle(ctx, ev); err != nil || !out.Handled || out.Attention != "" {
				t.Fatalf("%s: %+v, %v", ev.ID, out, err)
			}
			if chk, err := w.Check(ctx); err != nil || !chk.OK() {
				t.Fatalf("after %s: ledger check %+v, %v", ev.ID, chk, err)
			}
			if d, err := s.Reconcile(ctx); err != nil || len(d) != 0 {
				t.Fatalf("after %s: reconciliation %+v, %v", ev.ID, d, err)
			}
		}
		handle(cardpay.Event{ID: "evt_held_dispute", Type: cardpay.EventDisputeCreated, PaymentIntentID: "pi_held", ObjectID: "dp_held", Amount: 1001})
		citizen := wallet.CitizenAccount(person.AccountID)
		if b := balance(t, db, citizen); b != 1200 {
			t.Fatalf("credit after the hold: %d, want pi_old's 1200", b)
		}
		if _, err := s.EraseAccount(ctx, person, cardpay.CreditToCity); err != nil {
			t.Fatal(err)
		}
		city := balance(t, db, wallet.CityFunding)
		handle(cardpay.Event{ID: "evt_held_won", Type: cardpay.EventDisputeClosed, PaymentIntentID: "pi_held", ObjectID: "dp_held", Amount: 1001, DisputeStatus: "won"})
		if b, c := balance(t, db, citizen), balance(t, db, wallet.CityFunding)-city; b != 0 || c != 1001 {
			t.Fatalf("a dispute held from the credit, won after the erasure: %d on the erased account, %d to the city; want 0 and 1001", b, c)
		}
		city += 1001
		handle(cardpay.Event{ID: "evt_old_dispute", Type: cardpay.EventDisputeCreated, PaymentIntentID: "pi_old", ObjectID: "dp_old", Amount: 1200})
		if b, c := balance(t, db, citizen), balance(t, db, wallet.CityFunding)-city; b != 0 || c != -1200 {
			t.Fatalf("a dispute opened after the erasure: %d on the erased account, %d from the city; want 0 and -1200", b, c)
		}
		handle(cardpay.Event{ID: "evt_old_refund", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_old", Amount: 1200, AmountRefunded: 500})
		handle(cardpay.Event{ID: "evt_old_won", Type: cardpay.EventDisputeClosed, PaymentIntentID: "pi_old", ObjectID: "dp_old", Amount: 1200, DisputeStatus: "won"})
		if b, c := balance(t, db, citizen), balance(t, db, wallet.CityFunding)-city; b != 0 || c != -500 {
			t.Fatalf("a dispute after the erasure, refunded in part, won: %d on the erased account, %d from the city; want 0 and -500", b, c)
		}
		handle(cardpay.Event{ID: "evt_held_refund", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_held", Amount: 1001, AmountRefunded: 1001})
		if b := balance(t, db, citizen); b != 0 {
			t.Fatalf("after a refund at Stripe: %d on the erased account", b)
		}
	})
}

// The same erasure sent twice at once (the form pressed twice, two keys):
// one erases the account, the other waits for it and finds it erased
// (401 account_deleted), erasing nothing again: the account's erasure,
// its vouchers' forfeits and its credit's close are recorded once. An
// erasure of an account erased already is refused alike.
func TestErasureSentTwiceAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		for i := range 8 {
			person := citizenWithCredit(t, db, s, &clock, fmt.Sprintf("acc_twice%02d", i), 300, nil)
			var outs [2]cardpay.ErasureCredit
			var errs [2]error
			together(func() { outs[0], errs[0] = s.EraseAccount(ctx, person, cardpay.CreditToCity) },
				func() { outs[1], errs[1] = s.EraseAccount(ctx, person, cardpay.CreditToCity) })
			first, second := 0, 1
			if errs[0] != nil {
				first, second = 1, 0
			}
			if errs[first] != nil || outs[first].BalanceCents != 300 {
				t.Fatalf("erasure %d: %+v, %v", i, outs[first], errs[first])
			}
			if apperr.ReasonOf(errs[second]) != "account_deleted" || !apperr.Has(errs[second], apperr.Unauthenticated) {
				t.Fatalf("erasure %d sent again at once: %+v, %v; want 401 account_deleted", i, outs[second], errs[second])
			}
			if _, err := s.EraseAccount(ctx, person, cardpay.CreditToCity); apperr.ReasonOf(err) != "account_deleted" {
				t.Fatalf("erasure %d sent again after: %v, want account_deleted", i, err)
			}
			var erasures []audit.Entry
			if err := db.CardPayments().View(ctx, func(tx cardpay.Tx) error {
				var err error
				erasures, err = tx.ListAudit(ctx, audit.Filter{Action: "account.delete", ObjectType: "account", ObjectID: person.AccountID})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(erasures) != 1 {
				t.Fatalf("erasure %d recorded %d times", i, len(erasures))
			}
		}
	})
}
