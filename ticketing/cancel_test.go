package ticketing_test

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// A buyer cancels their own paid order under the performance's rule: 16
// racing cancellations refund it exactly once, the seat goes back on sale,
// and the rule's refusals name their reason.
func TestCancelMyOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Comunale", 4)
		hours := 24
		p, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Cancellabile",
			StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}, SelfCancelHours: &hours})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.Performance(f.ctx, p.ID); err != nil || got.SelfCancelHours == nil || *got.SelfCancelHours != 24 {
			t.Fatalf("rule not kept: %+v %v", got, err)
		}
		fixed := f.performance(v.ID) // no rule: only an administrator refunds
		buyer, other := citizen(1), citizen(2)
		f.credit(10000, buyer)
		o, _ := f.buy(buyer, p.ID, "Platea/A/1")
		kept, _ := f.buy(buyer, fixed.ID, "Platea/A/1")
		if f.balance(wallet.CitizenAccount(buyer.AccountID)) != 5000 {
			t.Fatal("fixture: two 25 € orders from 100 €")
		}

		if _, err := f.svc.CancelMyOrder(f.ctx, other, o.ID); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("someone else's order: %v", err)
		}
		if _, err := f.svc.CancelMyOrder(f.ctx, buyer, kept.ID); !(apperr.ReasonOf(err) == "self_cancel_not_allowed") {
			t.Fatalf("no rule: %v", err)
		}
		var refunded atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				got, err := f.svc.CancelMyOrder(f.ctx, buyer, o.ID)
				if err != nil {
					t.Error(err)
					return
				}
				if got.Status == ticketing.OrderRefunded {
					refunded.Add(1)
				}
			})
		}
		wg.Wait()
		if refunded.Load() != 16 {
			t.Fatalf("%d of 16 cancellations answered the refunded order", refunded.Load())
		}
		if got := f.balance(wallet.CitizenAccount(buyer.AccountID)); got != 7500 {
			t.Fatalf("credit after the cancellation: %d, want 7500 (refunded once)", got)
		}
		f.credit(5000, citizen(3))
		again, _ := f.buy(citizen(3), p.ID, "Platea/A/1") // the seat is on sale again
		if again.Status != ticketing.OrderPaid {
			t.Fatalf("seat not back on sale: %+v", again)
		}
		f.clock.Set(p.StartsAt.Add(-23 * time.Hour))
		_, err = f.svc.CancelMyOrder(f.ctx, citizen(3), again.ID)
		var closed ticketing.SelfCancelClosedError
		if !(apperr.ReasonOf(err) == "self_cancel_closed") || !strings.Contains(err.Error(), "until") ||
			!errors.As(err, &closed) || !closed.Until.Equal(p.StartsAt.Add(-24*time.Hour)) {
			t.Fatalf("after the deadline: %v (the deadline it carries: %v)", err, closed.Until)
		}
		f.ledgerOK()
	})
}

// The rule is bounded: a negative or too large number of hours is refused.
func TestSelfCancelRuleBounds(t *testing.T) {
	for _, h := range []int{-1, ticketing.MaxSelfCancelHours + 1} {
		p := ticketing.Performance{VenueID: "v", Title: "x", StartsAt: start, Prices: map[string]int64{"a": 1}, SalesOpen: start.Add(-time.Hour),
			SalesClose: start, DoorsOpen: start, EndsAt: start.Add(time.Hour), Status: ticketing.PerformanceScheduled, SelfCancelHours: &h}
		if err := p.Validate(); !(apperr.ReasonOf(err) == "invalid_self_cancel_hours") {
			t.Errorf("%d hours: %v", h, err)
		}
	}
}

// An administrator's refund reverses the ledger exactly once and frees the seats.
func TestRefundReversesOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		o, _ := f.buy(buyer, p.ID, "Platea/A/1", "Platea/A/2")
		if got := f.balance(wallet.CitizenAccount(buyer.AccountID)); got != 100_00-5000 {
			t.Fatalf("balance after purchase %d", got)
		}
		if _, err := f.svc.RefundOrder(f.ctx, buyer, o.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("citizen refund: %v", err)
		}
		race(10, 10, func(int) {
			if _, err := f.svc.RefundOrder(f.ctx, admin, o.ID); err != nil {
				t.Errorf("refund: %v", err)
			}
		})
		if got := f.balance(wallet.CitizenAccount(buyer.AccountID)); got != 100_00 {
			t.Fatalf("balance after refunds %d", got)
		}
		if got := f.balance(wallet.RevenueTheatre); got != 0 {
			t.Fatalf("revenue after refund %d", got)
		}
		ts, _ := f.svc.MyTickets(f.ctx, buyer)
		for _, tk := range ts {
			if tk.Status != ticketing.TicketCancelled {
				t.Fatalf("ticket %s after refund", tk.Status)
			}
		}
		f.credit(100_00, citizen(2))
		f.buy(citizen(2), p.ID, "Platea/A/1")
		f.ledgerOK()
	})
}

func TestRefundRefusedAfterCheckIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		o, ts := f.buy(buyer, p.ID, "Platea/A/1")
		f.atTheDoor(p)
		if _, err := f.svc.CheckIn(f.ctx, door(v.ID), p.ID, ts[0].TypedCode); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RefundOrder(f.ctx, admin, o.ID); apperr.ReasonOf(err) != "ticket_used" {
			t.Fatalf("refund of a used ticket: %v", err)
		}
	})
}

// Cancelling a performance refunds every paid order in one go (credit back
// to the wallet, card money back to Stripe clearing), releases holds, and
// a second cancel changes nothing.
func TestCancelPerformanceRefundsEveryone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 3)
		p := f.performance(v.ID)
		a, b, c := citizen(1), citizen(2), citizen(3)
		f.credit(100_00, a)
		_, ts := f.buy(a, p.ID, "Platea/A/1", "Platea/A/2")
		f.atTheDoor(p)
		if _, err := f.svc.CheckIn(f.ctx, door(v.ID), p.ID, ts[0].TypedCode); err != nil {
			t.Fatal(err)
		}
		ob := f.holdForCard(b, p.ID, "pi_b", "Platea/B/1")
		if _, _, err := f.svc.ConfirmCardPayment(f.ctx, ob.ID, "pi_b", 1500, "eur"); err != nil {
			t.Fatal(err)
		}
		oc, err := f.svc.Hold(f.ctx, c, p.ID, []string{"Platea/A/3"})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := f.svc.CancelPerformance(f.ctx, admin, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		for id, want := range map[wallet.AccountID]int64{wallet.CitizenAccount(a.AccountID): 100_00, wallet.StripeClearing: 0, wallet.RevenueTheatre: 0} {
			if got := f.balance(id); got != want {
				t.Fatalf("%s: %d, want %d", id, got, want)
			}
		}
		for _, who := range []identity.Caller{a, b} {
			ts, _ := f.svc.MyTickets(f.ctx, who)
			for _, tk := range ts {
				if tk.Status != ticketing.TicketCancelled {
					t.Fatalf("ticket %s after the cancellation", tk.Status)
				}
			}
		}
		if o, _ := f.svc.Order(f.ctx, c, oc.ID); o.Status != ticketing.OrderCancelled {
			t.Fatalf("hold after the cancellation: %s", o.Status)
		}
		if st, _ := f.svc.Stats(f.ctx, admin, p.ID); st.Sold != 0 || st.Held != 0 {
			t.Fatalf("stats %+v", st)
		}
		f.ledgerOK()
	})
}
