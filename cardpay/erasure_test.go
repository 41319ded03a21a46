package cardpay_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/wallet"
)

func stripeURL() string {
	if u := os.Getenv("CITYHUB_TEST_STRIPE_URL"); u != "" {
		return u
	}
	return "http://127.0.0.1:12111"
}

// stripeRefunds sends refunds to stripe-mock, counting calls.
func stripeRefunds(t *testing.T, calls *atomic.Int64) ticketing.RefundFunc {
	t.Helper()
	c, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_erasure", WebhookSecret: "whsec_erasure", APIURL: stripeURL()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, pi string, amount int64, key string) (string, error) {
		calls.Add(1)
		r, err := c.Refund(ctx, pi, amount, key)
		return r.ID, err
	}
}

// citizenWithCredit makes a citizen account with card top-ups of the given
// amounts, paid days ago (oldest first), and extra credit from the city.
func citizenWithCredit(t *testing.T, db store.DB, s *cardpay.Service, clock *time.Time, id string, extra int64, topUps map[string]int) identity.Caller {
	t.Helper()
	ctx := context.Background()
	if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
		if err := tx.InsertAccount(ctx, identity.Account{ID: id, Email: id + "@example.org", Name: "Anna", Locale: "it",
			PasswordHash: "x", CreatedAt: time.Now().UTC(), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}); err != nil {
			return err
		}
		if err := wallet.OpenCitizen(ctx, tx, id); err != nil {
			return err
		}
		if extra == 0 {
			return nil
		}
		_, err := wallet.Post(ctx, tx, wallet.Transaction{Key: "gift:" + id, Kind: "gift", Entries: []wallet.Entry{
			{Account: wallet.CityFunding, Amount: -extra}, {Account: wallet.CitizenAccount(id), Amount: extra}}}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	real := *clock
	for pi, daysAgo := range topUps {
		*clock = real.Add(-time.Duration(daysAgo) * 24 * time.Hour)
		amount := int64(1000 + daysAgo)
		if err := s.Record(ctx, cardpay.Payment{ID: pi, Purpose: cardpay.PurposeTopUp, AccountID: id, AmountCents: amount}); err != nil {
			t.Fatal(err)
		}
		if out, err := s.Handle(ctx, cardpay.Event{ID: "evt_" + pi, Type: cardpay.EventPaymentSucceeded, PaymentIntentID: pi, Amount: amount, Currency: "eur"}); err != nil || !out.Handled {
			t.Fatalf("credit %s: %+v, %v", pi, out, err)
		}
	}
	*clock = real
	return identity.Caller{AccountID: id, Email: id + "@example.org", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
}

func balance(t *testing.T, db store.DB, id wallet.AccountID) int64 {
	t.Helper()
	a, err := wallet.NewService(db.Wallet(), nil).Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

// Credit left at erasure goes back to the cards it came from (within
// Stripe's refund window), the rest to the city, and never stays on the
// erased account; the refunds are sent to Stripe once; Stripe's own
// report of them finds them accounted.
func TestErasureRefundsCreditToCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		// Top-ups of 10.05 € (5 days ago), 10.20 € (20 days ago), 12.00 €
		// (200 days ago, past the refund window) and 3.00 € from the city.
		anna := citizenWithCredit(t, db, s, &clock, "acc_anna", 300, map[string]int{"pi_new": 5, "pi_mid": 20, "pi_old": 200})
		total := int64(1005 + 1020 + 1200 + 300)
		cityBefore := balance(t, db, wallet.CityFunding)

		plan, err := s.ErasureCredit(ctx, anna)
		if err != nil || plan.BalanceCents != total || plan.RefundableCents != 2025 || len(plan.Refunds) != 2 ||
			plan.Refunds[0].PaymentID != "pi_new" || plan.Refunds[1].PaymentID != "pi_mid" {
			t.Fatalf("plan %+v, %v", plan, err)
		}
		// Without a choice nothing happens.
		_, err = s.EraseAccount(ctx, anna, "")
		if apperr.ReasonOf(err) != "credit_choice" {
			t.Fatalf("erase without a choice: %v", err)
		}
		var kept identity.Account
		if err := db.Identity().View(ctx, func(tx identity.Tx) error {
			var err error
			kept, err = tx.AccountByID(ctx, anna.AccountID)
			return err
		}); err != nil || !kept.DeletedAt.IsZero() {
			t.Fatalf("erased without a choice: %+v, %v", kept, err)
		}

		done, err := s.EraseAccount(ctx, anna, cardpay.CreditToCards)
		if err != nil || done.Choice != cardpay.CreditToCards || done.RefundableCents != 2025 {
			t.Fatalf("erase: %+v, %v", done, err)
		}
		if b := balance(t, db, wallet.CitizenAccount(anna.AccountID)); b != 0 {
			t.Fatalf("credit left on the erased account: %d", b)
		}
		if got := balance(t, db, wallet.CityFunding) - cityBefore; got != total-2025 {
			t.Fatalf("the city got %d, want %d", got, total-2025)
		}
		var refunds []cardpay.TopUpRefund
		var acc identity.Account
		_ = db.CardPayments().View(ctx, func(tx cardpay.Tx) error {
			refunds, err = tx.TopUpRefundsOf(ctx, anna.AccountID)
			if err != nil {
				return err
			}
			acc, err = tx.AccountByID(ctx, anna.AccountID)
			return err
		})
		if err != nil || len(refunds) != 2 || acc.DeletedAt.IsZero() || acc.Email == "acc_anna@example.org" {
			t.Fatalf("refunds %+v, account %+v, %v", refunds, acc, err)
		}

		var calls atomic.Int64
		send := stripeRefunds(t, &calls)
		if n, err := s.SendRefunds(ctx, send); err != nil || n != 2 {
			t.Fatalf("send refunds: %d, %v", n, err)
		}
		if n, err := s.SendRefunds(ctx, send); err != nil || n != 0 || calls.Load() != 2 {
			t.Fatalf("second round: %d sent, %d calls, %v", n, calls.Load(), err)
		}
		// Stripe reports the refund: already accounted.
		out, err := s.Handle(ctx, cardpay.Event{ID: "evt_refund_new", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_new",
			Amount: 1005, AmountRefunded: 1005, Currency: "eur"})
		if err != nil || !out.Handled || !out.Replayed {
			t.Fatalf("charge.refunded after the erasure: %+v, %v", out, err)
		}
		check, err := wallet.NewService(db.Wallet(), nil).Check(ctx)
		if err != nil || check.BalanceSum != 0 || len(check.Mismatches) != 0 || len(check.Unbalanced) != 0 {
			t.Fatalf("ledger check %+v, %v", check, err)
		}
	})
}

// Left to the city: all of it goes to the city's funding account.
func TestErasureLeavesCreditToCity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		bruno := citizenWithCredit(t, db, s, &clock, "acc_bruno", 0, map[string]int{"pi_b": 1})
		cityBefore := balance(t, db, wallet.CityFunding)
		done, err := s.EraseAccount(ctx, bruno, cardpay.CreditToCity)
		if err != nil || done.BalanceCents != 1001 || done.RefundableCents != 0 {
			t.Fatalf("erase: %+v, %v", done, err)
		}
		if b := balance(t, db, wallet.CitizenAccount(bruno.AccountID)); b != 0 {
			t.Fatalf("credit left: %d", b)
		}
		if got := balance(t, db, wallet.CityFunding) - cityBefore; got != 1001 {
			t.Fatalf("the city got %d", got)
		}
		// An account without credit needs no choice.
		carla := citizenWithCredit(t, db, s, &clock, "acc_carla", 0, nil)
		if _, err := s.EraseAccount(ctx, carla, ""); err != nil {
			t.Fatalf("erase without credit: %v", err)
		}
	})
}

// A top-up with an open dispute takes nothing back at erasure: the bank is
// already taking that money back, and a refund on top would pay it twice.
func TestErasureSkipsDisputedTopUps(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		dora := citizenWithCredit(t, db, s, &clock, "acc_dora", 0, map[string]int{"pi_old": 2, "pi_new": 1})
		if out, err := s.Handle(ctx, cardpay.Event{ID: "evt_dispute_new", Type: cardpay.EventDisputeCreated, PaymentIntentID: "pi_new",
			ObjectID: "dp_new", Amount: 500, Currency: "eur"}); err != nil || !out.Handled {
			t.Fatalf("dispute: %+v, %v", out, err)
		}
		plan, err := s.ErasureCredit(ctx, dora)
		if err != nil {
			t.Fatal(err)
		}
		if plan.BalanceCents != 1002+1001-500 || plan.RefundableCents != 1002 || len(plan.Refunds) != 1 || plan.Refunds[0].PaymentID != "pi_old" {
			t.Fatalf("plan with a disputed top-up: %+v", plan)
		}
	})
}

// An account whose bike ride is pending or under way is not erased: the
// ride's fare is charged when the bike docks, and on an erased account it
// would spend credit already paid out to the cards or the city. The
// refusal changes nothing; once the ride has ended, the erasure goes ahead.
func TestErasureWaitsForTheRide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		dario := citizenWithCredit(t, db, s, &clock, "acc_dario", 0, map[string]int{"pi_d": 1})
		// at is a time as the engine keeps it.
		at := func(d time.Duration) string {
			if db.Engine() == "sqlite" {
				return fmt.Sprint(clock.Add(d).UnixMicro())
			}
			return "'" + clock.Add(d).Format(time.RFC3339Nano) + "'"
		}
		insertRide := func(id, status string, deadline time.Duration) {
			storetest.Behind(t, db, `INSERT INTO mobility_rides (id, command_id, rider_id, bike_id, start_station, start_dock, status, pricing_plan_id, plan, deadline, created_at)
				VALUES ('`+id+`', 'cmd_`+id+`', 'acc_dario', 'bike_1', 'st_1', 1, '`+status+`', 'plan', '{}', `+at(deadline)+`, `+at(-time.Minute)+`)`)
		}
		for _, status := range []string{"pending", "active"} {
			insertRide("ride_"+status, status, time.Minute)
			_, err := s.EraseAccount(ctx, dario, cardpay.CreditToCards)
			if !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != "ride_in_progress" {
				t.Fatalf("erase during a %s ride: %v", status, err)
			}
			if b := balance(t, db, wallet.CitizenAccount(dario.AccountID)); b != 1001 {
				t.Fatalf("a refused erasure moved the credit: %d", b)
			}
			if err := db.Identity().View(ctx, func(tx identity.Tx) error {
				a, err := tx.AccountByID(ctx, dario.AccountID)
				if err == nil && a.Email != dario.Email {
					err = fmt.Errorf("the account was erased: %+v", a)
				}
				return err
			}); err != nil {
				t.Fatalf("after the refusal: %v", err)
			}
			storetest.Behind(t, db, `UPDATE mobility_rides SET status = 'ended' WHERE id = 'ride_`+status+`'`)
		}
		// An unlock whose station never answered and whose deadline has
		// passed is ended by the erasure, as the next unlock would end it;
		// a station's late yes then finds it failed and starts nothing.
		insertRide("ride_stale", "pending", -time.Minute)
		done, err := s.EraseAccount(ctx, dario, cardpay.CreditToCards)
		if err != nil || done.RefundableCents != 1001 {
			t.Fatalf("erase once the rides have ended: %+v, %v", done, err)
		}
		var status string
		if err := db.Mobility().View(ctx, func(tx mobility.Tx) error {
			r, err := tx.Ride(ctx, "ride_stale")
			status = string(r.Status) + "/" + r.FailureReason
			return err
		}); err != nil || status != "failed/pending_expired" {
			t.Fatalf("the stale unlock after the erasure: %s, %v", status, err)
		}
	})
}

// A refund made in Stripe's dashboard while an erasure's refund of the
// same top-up is owed and not yet sent: one that covers it closes it, so
// the card is not refunded twice; a smaller one is booked as a refund of
// its own and the owed one is still sent. Either way the ledger says what
// Stripe paid out.
func TestDashboardRefundWhileErasureRefundOwed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		w := wallet.NewService(db.Wallet(), nil)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		// erased makes a citizen whose top-up of 1000+days cents, less what
		// they spent, is owed back to the card by their erasure.
		erased := func(id, pi string, days int, spent int64) int64 {
			c := citizenWithCredit(t, db, s, &clock, id, 0, map[string]int{pi: days})
			if spent > 0 {
				if _, err := w.Post(ctx, wallet.Transaction{Key: "spend:" + id, Kind: "test.spend", Entries: []wallet.Entry{
					{Account: wallet.CitizenAccount(id), Amount: -spent}, {Account: wallet.RevenueTheatre, Amount: spent}}}); err != nil {
					t.Fatal(err)
				}
			}
			done, err := s.EraseAccount(ctx, c, cardpay.CreditToCards)
			if err != nil || done.RefundableCents != int64(1000+days)-spent {
				t.Fatalf("erase %s: %+v, %v", id, done, err)
			}
			return done.RefundableCents
		}
		refunded := func(pi string, total int64) cardpay.Outcome {
			out, err := s.Handle(ctx, cardpay.Event{ID: fmt.Sprintf("evt_%s_%d", pi, total), Type: cardpay.EventChargeRefunded,
				PaymentIntentID: pi, Amount: 2000, AmountRefunded: total, Currency: "eur"})
			if err != nil || !out.Handled {
				t.Fatalf("charge.refunded %s %d: %+v, %v", pi, total, out, err)
			}
			return out
		}
		state := func(id string) string {
			var rs []cardpay.TopUpRefund
			if err := db.CardPayments().View(ctx, func(tx cardpay.Tx) error {
				var err error
				rs, err = tx.TopUpRefundsOf(ctx, id)
				return err
			}); err != nil || len(rs) != 1 {
				t.Fatalf("refunds of %s: %+v, %v", id, rs, err)
			}
			return rs[0].State + "/" + rs[0].LastError
		}
		owedWhole := erased("acc_whole", "pi_whole", 5, 0)
		owedPart := erased("acc_part", "pi_part", 10, 610)
		owedSmall := erased("acc_small", "pi_small", 20, 520)
		owedAll := erased("acc_all", "pi_all", 30, 0)
		city := balance(t, db, wallet.CityFunding)

		// The whole owed refund made by hand: closed, nothing from the city.
		refunded("pi_whole", owedWhole)
		// The whole charge refunded by hand: the owed part is closed, the
		// spent part comes from the city (the credit is gone).
		refunded("pi_part", 1010)
		// 2.00 € refunded by hand: booked from the city, the owed refund stays.
		if out := refunded("pi_small", 200); out.Replayed || out.TransactionID == "" {
			t.Fatalf("a smaller refund at Stripe was not booked: %+v", out)
		}
		if got, want := city-balance(t, db, wallet.CityFunding), (1010-owedPart)+200; got != want {
			t.Fatalf("the city paid %d for the refunds made at Stripe, want %d", got, want)
		}
		if st := state("acc_whole"); st != "done/refunded at Stripe" {
			t.Fatalf("owed refund after Stripe refunded it: %s", st)
		}
		if st := state("acc_part"); st != "done/refunded at Stripe" {
			t.Fatalf("owed refund after Stripe refunded the whole charge: %s", st)
		}
		if st := state("acc_small"); st != "owed/" {
			t.Fatalf("owed refund after a smaller one at Stripe: %s", st)
		}
		// The credit unspent, the owed refund is the whole top-up: 3.00 €
		// refunded by hand is part of it (Stripe would refuse the whole
		// afterwards), and it shrinks by them; the city pays nothing.
		if out := refunded("pi_all", 300); out.Replayed || !strings.Contains(out.Note, "rest stays owed") {
			t.Fatalf("a part of the owed refund made at Stripe: %+v", out)
		}
		var all cardpay.TopUpRefund
		if err := db.CardPayments().View(ctx, func(tx cardpay.Tx) error {
			rs, err := tx.TopUpRefundsOf(ctx, "acc_all")
			if len(rs) == 1 {
				all = rs[0]
			}
			return err
		}); err != nil || all.State != "owed" || all.AmountCents != owedAll-300 {
			t.Fatalf("the owed refund after part of it was made at Stripe: %+v, %v (owed %d)", all, err, owedAll)
		}
		var calls atomic.Int64
		if n, err := s.SendRefunds(ctx, stripeRefunds(t, &calls)); err != nil || n != 2 || calls.Load() != 2 {
			t.Fatalf("send refunds: %d sent, %d calls, %v", n, calls.Load(), err)
		}
		// Stripe reports the hub's refund on top of the smaller one.
		if out := refunded("pi_small", 200+owedSmall); !out.Replayed {
			t.Fatalf("the hub's own refund booked again: %+v", out)
		}
		if out := refunded("pi_all", owedAll); !out.Replayed {
			t.Fatalf("the hub's rest of the owed refund booked again: %+v", out)
		}
		check, err := w.Check(ctx)
		if err != nil || check.BalanceSum != 0 || len(check.Mismatches) != 0 || len(check.Unbalanced) != 0 {
			t.Fatalf("ledger check %+v, %v", check, err)
		}
		if d, err := s.Reconcile(ctx); err != nil || len(d) != 0 {
			t.Fatalf("reconciliation: %+v, %v", d, err)
		}
	})
}

// A top-up whose payment Stripe confirms after its account was erased (it
// was still being confirmed at the erasure) is credited and owed back to
// its card at once: nobody could spend it.
func TestTopUpPaidAfterErasureGoesBackToTheCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		gina := citizenWithCredit(t, db, s, &clock, "acc_gina", 0, nil)
		if err := s.Record(ctx, cardpay.Payment{ID: "pi_late", Purpose: cardpay.PurposeTopUp, AccountID: gina.AccountID, AmountCents: 2000}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EraseAccount(ctx, gina, ""); err != nil {
			t.Fatalf("erase with nothing credited yet: %v", err)
		}
		ev := cardpay.Event{ID: "evt_late", Type: cardpay.EventPaymentSucceeded, PaymentIntentID: "pi_late", Amount: 2000, Currency: "eur"}
		out, err := s.Handle(ctx, ev)
		if err != nil || !out.Handled || out.Replayed {
			t.Fatalf("payment after the erasure: %+v, %v", out, err)
		}
		if again, err := s.Handle(ctx, ev); err != nil || !again.Replayed {
			t.Fatalf("the same event again: %+v, %v", again, err)
		}
		if b := balance(t, db, wallet.CitizenAccount(gina.AccountID)); b != 0 {
			t.Fatalf("credit left on the erased account: %d", b)
		}
		var refunds []cardpay.TopUpRefund
		if err := db.CardPayments().View(ctx, func(tx cardpay.Tx) error {
			var err error
			refunds, err = tx.TopUpRefundsOf(ctx, gina.AccountID)
			return err
		}); err != nil || len(refunds) != 1 || refunds[0].AmountCents != 2000 || refunds[0].State != "owed" {
			t.Fatalf("refunds %+v, %v", refunds, err)
		}
		var calls atomic.Int64
		if n, err := s.SendRefunds(ctx, stripeRefunds(t, &calls)); err != nil || n != 1 {
			t.Fatalf("send refunds: %d, %v", n, err)
		}
		if out, err := s.Handle(ctx, cardpay.Event{ID: "evt_late_refunded", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_late",
			Amount: 2000, AmountRefunded: 2000, Currency: "eur"}); err != nil || !out.Replayed {
			t.Fatalf("Stripe's report of the refund: %+v, %v", out, err)
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
