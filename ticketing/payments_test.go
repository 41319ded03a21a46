package ticketing_test

import (
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// A card payment that arrives after the hold expired and the seat was sold
// to someone else issues nothing: the order is marked for refund and the
// seat stays with its buyer.
func TestLateCardPaymentAfterSeatSoldElsewhere(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		slow, fast := citizen(1), citizen(2)
		o := f.holdForCard(slow, p.ID, "pi_slow", "Platea/A/1")
		// While held, nobody else gets the seat.
		if _, err := f.svc.Hold(f.ctx, fast, p.ID, []string{"Platea/A/1"}); apperr.ReasonOf(err) != "seat_taken" {
			t.Fatalf("hold of a held seat: %v", err)
		}
		f.clock.Advance(ticketing.HoldTTL + time.Second)
		f.credit(100_00, fast)
		f.buy(fast, p.ID, "Platea/A/1")
		got, replayed, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_slow", 2500, "eur")
		if err != nil || replayed {
			t.Fatalf("late confirmation: %v (replayed %v)", err, replayed)
		}
		if got.Status != ticketing.OrderRefundDue || got.Note == "" {
			t.Fatalf("late order %+v", got)
		}
		if ts, _ := f.svc.MyTickets(f.ctx, slow); len(ts) != 0 {
			t.Fatalf("the late buyer got %d tickets", len(ts))
		}
		// Delivered again: still one refund due, nothing issued.
		if got, replayed, err = f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_slow", 2500, "eur"); err != nil || !replayed || got.Status != ticketing.OrderRefundDue {
			t.Fatalf("redelivery: %+v %v %v", got, replayed, err)
		}
		st, _ := f.svc.Stats(f.ctx, admin, p.ID)
		if st.Sold != 1 || st.RefundsDue != 1 {
			t.Fatalf("stats %+v", st)
		}
		if got := f.balance(wallet.StripeClearing); got != 0 {
			t.Fatalf("stripe clearing %d: the refused payment was booked", got)
		}
		// The administrator closes it.
		if got, err = f.svc.RefundOrder(f.ctx, admin, o.ID); err != nil || got.Status != ticketing.OrderRefunded {
			t.Fatalf("refund: %+v %v", got, err)
		}
		f.ledgerOK()
	})
}

// A late card payment whose seats nobody took still issues the tickets.
func TestLateCardPaymentSeatsStillFree(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		o := f.holdForCard(buyer, p.ID, "pi_late", "Platea/B/2")
		f.clock.Advance(ticketing.HoldTTL + time.Minute)
		if _, err := f.svc.CardPayable(f.ctx, buyer, o.ID); apperr.ReasonOf(err) != "hold_expired" {
			t.Fatalf("card payment of an expired hold: %v", err)
		}
		got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_late", 1500, "eur")
		if err != nil || got.Status != ticketing.OrderPaid {
			t.Fatalf("late confirmation: %+v %v", got, err)
		}
		if _, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_other", 1500, "eur"); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("another payment for the order: %v", err)
		}
		f.ledgerOK()
	})
}

// An expired hold whose seats nobody took still pays, unless their
// category was taken off sale since (its price removed): the hold holds
// nothing any more, and paying it would sell seats no one else may buy.
func TestExpiredHoldOfSeatsOffSaleDoesNotPay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		a := citizen(1)
		f.credit(100_00, a)
		o := f.expiredHoldOffSale(a)
		if _, err := f.svc.PayWithWallet(f.ctx, a, o.ID); apperr.ReasonOf(err) != "seats_off_sale" {
			t.Fatalf("paying an expired hold of seats off sale: %v", err)
		}
		if got := f.balance(wallet.CitizenAccount(a.AccountID)); got != 100_00 {
			t.Fatalf("charged for seats off sale: %d", got)
		}
		f.ledgerOK()
	})
}

// A card payment confirmed after its hold expired, its seats taken off sale
// meanwhile, is refunded as the credit payment is refused: no ticket for a
// seat no one may buy.
func TestLateCardPaymentOfSeatsOffSaleIsRefunded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		a := citizen(1)
		o := f.expiredHoldOffSale(a)
		got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_off_sale", o.TotalCents, "eur")
		if err != nil || got.Status != ticketing.OrderRefundDue || got.Note != ticketing.NoteHoldExpiredOffSale {
			t.Fatalf("a late card payment of seats off sale: %+v %v", got, err)
		}
		if ts, err := f.svc.MyTickets(f.ctx, a); err != nil || len(ts) != 0 {
			t.Fatalf("tickets for seats off sale: %+v %v", ts, err)
		}
		f.ledgerOK()
	})
}

// An expired hold releases its seats to the next buyer.
func TestExpiredHoldReleasesSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		a, b := citizen(1), citizen(2)
		f.credit(100_00, a, b)
		oa, err := f.svc.Hold(f.ctx, a, p.ID, []string{"Platea/A/1", "Platea/A/2"})
		if err != nil {
			t.Fatal(err)
		}
		av, _ := f.svc.Availability(f.ctx, p.ID)
		if av.Free != 2 {
			t.Fatalf("%d free while two are held", av.Free)
		}
		f.clock.Advance(ticketing.HoldTTL)
		if av, _ = f.svc.Availability(f.ctx, p.ID); av.Free != 4 {
			t.Fatalf("%d free after the hold expired", av.Free)
		}
		f.buy(b, p.ID, "Platea/A/2")
		if _, err := f.svc.PayWithWallet(f.ctx, a, oa.ID); apperr.ReasonOf(err) != "hold_lost" {
			t.Fatalf("paying a lost hold: %v", err)
		}
		if got := f.balance(wallet.CitizenAccount(a.AccountID)); got != 100_00 {
			t.Fatalf("the loser was charged: %d", got)
		}
		f.ledgerOK()
	})
}

// A card payment that arrives after its performance was cancelled issues
// nothing and is marked for refund.
func TestCardPaymentAfterCancellation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		o := f.holdForCard(buyer, p.ID, "pi_1", "Platea/A/1")
		if _, err := f.svc.CancelPerformance(f.ctx, admin, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CardPayable(f.ctx, buyer, o.ID); !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("card payment of a cancelled show: %v", err)
		}
		got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_1", 2500, "eur")
		if err != nil || got.Status != ticketing.OrderRefundDue {
			t.Fatalf("payment after the cancellation: %+v %v", got, err)
		}
		if ts, _ := f.svc.MyTickets(f.ctx, buyer); len(ts) != 0 {
			t.Fatalf("%d tickets for a cancelled show", len(ts))
		}
		f.ledgerOK()
	})
}

// A payment the buyer's credit does not cover is refused with what the
// balance is, and changes nothing: the order stays held with its seats, no
// ticket is issued and no money moves. Once topped up, the same order
// pays. (On PostgreSQL the posting rides with the COMMIT, where the floor
// refuses it; the payment is then tried again with the posting written at
// once, which tells the balance.)
func TestWalletPaymentRefusedChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		poor := citizen(1)
		f.credit(10_00, poor)
		o, err := f.svc.Hold(f.ctx, poor, p.ID, []string{"Platea/A/1", "Platea/A/2"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.PayWithWallet(f.ctx, poor, o.ID)
		if !apperr.Has(err, apperr.InsufficientFunds) || apperr.ReasonOf(err) != "insufficient_funds" ||
			!strings.Contains(apperr.MessageOf(err), "10.00") {
			t.Fatalf("paying %d cents with 10.00 EUR: %v", o.TotalCents, err)
		}
		if got := f.balance(wallet.CitizenAccount(poor.AccountID)); got != 10_00 {
			t.Fatalf("balance %d after a refused payment, want 1000", got)
		}
		if got := f.balance(wallet.RevenueTheatre); got != 0 {
			t.Fatalf("theatre revenue %d after a refused payment", got)
		}
		orders, err := f.orders(poor)
		if err != nil || len(orders) != 1 || orders[0].Status != ticketing.OrderHeld || orders[0].TransactionID != "" {
			t.Fatalf("orders after a refused payment: %+v %v", orders, err)
		}
		if ts, err := f.svc.MyTickets(f.ctx, poor); err != nil || len(ts) != 0 {
			t.Fatalf("tickets after a refused payment: %+v %v", ts, err)
		}
		if av, _ := f.svc.Availability(f.ctx, p.ID); av.Free != 2 {
			t.Fatalf("%d seats free after a refused payment, want 2 (the hold keeps its own)", av.Free)
		}
		if _, err := f.wallet.Post(f.ctx, wallet.Transaction{Key: "test:top-up", Kind: "test", Entries: []wallet.Entry{
			{Account: wallet.CityFunding, Amount: -100_00}, {Account: wallet.CitizenAccount(poor.AccountID), Amount: 100_00}}}); err != nil {
			t.Fatal(err)
		}
		paid, err := f.svc.PayWithWallet(f.ctx, poor, o.ID)
		if err != nil || paid.Status != ticketing.OrderPaid || paid.TransactionID == "" {
			t.Fatalf("paying once topped up: %+v %v", paid, err)
		}
		if got := f.balance(wallet.CitizenAccount(poor.AccountID)); got != 110_00-o.TotalCents {
			t.Fatalf("balance %d after paying %d", got, o.TotalCents)
		}
		if ts, err := f.svc.MyTickets(f.ctx, poor); err != nil || len(ts) != 2 {
			t.Fatalf("tickets once paid: %d %v", len(ts), err)
		}
		f.ledgerOK()
	})
}

// expiredHoldOffSale is a's hold of one seat, run out, whose category the
// performance has since taken off sale (its price removed).
func (f *fixture) expiredHoldOffSale(a identity.Caller) ticketing.Order {
	f.t.Helper()
	p := f.performance(f.venue("Teatro Verdi", 2).ID)
	o, err := f.svc.Hold(f.ctx, a, p.ID, []string{"Platea/A/1"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.clock.Advance(ticketing.HoldTTL)
	delete(p.Prices, o.Seats[0].Category)
	if len(p.Prices) == 0 {
		f.t.Fatalf("the fixture prices only %s", o.Seats[0].Category)
	}
	if _, err := f.svc.UpdatePerformance(f.ctx, admin, p); err != nil {
		f.t.Fatal(err)
	}
	return o
}
