package ticketing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// The database itself refuses a second claim or a second live ticket for
// one seat of a performance, whatever the service does.
func TestStoreRefusesASeatTwice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 1)
		p := f.performance(v.ID)
		a, err := f.svc.Hold(f.ctx, citizen(1), p.ID, []string{"Platea/B/1"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Hold(f.ctx, citizen(2), p.ID, []string{"Platea/A/1"})
		if err != nil {
			t.Fatal(err)
		}
		st := db.Ticketing()
		err = st.InTx(f.ctx, func(tx ticketing.Tx) error {
			ok, err := tx.TryClaim(f.ctx, ticketing.Claim{PerformanceID: p.ID, SeatID: "Platea/A/1", OrderID: a.ID, State: ticketing.ClaimSold, ExpiresAt: start})
			if err != nil || ok {
				t.Errorf("second claim of a held seat: ok=%v err=%v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ticket := func(id, orderID, hash string) ticketing.Ticket {
			return ticketing.Ticket{ID: id, OrderID: orderID, PerformanceID: p.ID, VenueID: v.ID, SeatID: "Platea/A/1", AccountID: "acc_x",
				PriceCents: 100, Status: ticketing.TicketValid, Code: hash, CodeHash: hash, IssuedAt: start}
		}
		if err := st.InTx(f.ctx, func(tx ticketing.Tx) error { return tx.InsertTicket(f.ctx, ticket("tkt_one", b.ID, "h1")) }); err != nil {
			t.Fatal(err)
		}
		err = st.InTx(f.ctx, func(tx ticketing.Tx) error { return tx.InsertTicket(f.ctx, ticket("tkt_two", a.ID, "h2")) })
		if !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("a second live ticket for one seat: %v", err)
		}
		// Once the first is cancelled, the seat may be ticketed again.
		err = st.InTx(f.ctx, func(tx ticketing.Tx) error {
			if err := tx.CancelOrderTickets(f.ctx, b.ID); err != nil {
				return err
			}
			return tx.InsertTicket(f.ctx, ticket("tkt_two", a.ID, "h2"))
		})
		if err != nil {
			t.Fatalf("ticket after a cancellation: %v", err)
		}
	})
}

// Selling an order's claims finds every seat of it or fails the
// transaction it is in: a seat whose claim was taken from the order is
// never sold, and nothing else the transaction wrote is kept either.
func TestSellClaimsFailsShortOfTheSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Massimo", 2)
		p := f.performance(v.ID)
		o, err := f.svc.Hold(f.ctx, citizen(1), p.ID, []string{"Platea/A/1", "Platea/A/2"})
		if err != nil {
			t.Fatal(err)
		}
		storetest.Behind(t, db, `DELETE FROM ticket_claims WHERE order_id = '`+o.ID+`' AND seat_id = 'Platea/A/2'`)
		st := db.Ticketing()
		paid := o
		paid.Status, paid.PaidAt = ticketing.OrderPaid, start
		err = st.InTx(f.ctx, func(tx ticketing.Tx) error {
			if err := tx.UpdateOrder(f.ctx, paid); err != nil {
				return err
			}
			return tx.SellClaims(f.ctx, o.ID, 2)
		})
		if !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("selling 2 seats of an order with 1 claim: %v, want NotFound", err)
		}
		err = st.View(f.ctx, func(tx ticketing.Tx) error {
			got, err := tx.Order(f.ctx, o.ID)
			if err != nil {
				return err
			}
			if got.Status != o.Status {
				t.Errorf("the order after the failed sale: %s, want %s", got.Status, o.Status)
			}
			cs, err := tx.Claims(f.ctx, p.ID)
			if err != nil {
				return err
			}
			if len(cs) != 1 || cs[0].SeatID != "Platea/A/1" || cs[0].State == ticketing.ClaimSold {
				t.Errorf("the claims after the failed sale: %+v, want Platea/A/1 still held", cs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// cardRefundsFor holds one seat for each of n buyers and gives the store
// one card refund per order, made a minute apart from start, in the state
// states[i].
func cardRefundsFor(t *testing.T, f *fixture, states ...string) []ticketing.CardRefund {
	t.Helper()
	v := f.venue("Teatro Bellini", len(states))
	p := f.performance(v.ID)
	var out []ticketing.CardRefund
	for i, state := range states {
		o, err := f.svc.Hold(f.ctx, citizen(i+1), p.ID, []string{fmt.Sprintf("Platea/A/%d", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		at := start.Add(time.Duration(i) * time.Minute)
		out = append(out, ticketing.CardRefund{ID: fmt.Sprintf("crf_store_%d", i), OrderID: o.ID, PaymentIntentID: fmt.Sprintf("pi_store_%d", i),
			AmountCents: 2500, State: state, CreatedAt: at, UpdatedAt: at})
	}
	err := f.db.Ticketing().InTx(f.ctx, func(tx ticketing.Tx) error {
		for _, r := range out {
			if err := tx.InsertCardRefund(f.ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The list of card refunds puts the failed ones first (they wait for a
// person), the newest of them first, and then the newest of the others,
// so a failed refund is on a bounded list however many came after it.
func TestListCardRefundsFailedFirstThenNewest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		cardRefundsFor(t, f, ticketing.RefundFailed, ticketing.RefundDone, ticketing.RefundOwed, ticketing.RefundFailed, ticketing.RefundDone)
		list := func(limit int) []string {
			var ids []string
			err := db.Ticketing().View(f.ctx, func(tx ticketing.Tx) error {
				rs, err := tx.ListCardRefunds(f.ctx, limit)
				for _, r := range rs {
					ids = append(ids, r.ID[len("crf_store_"):])
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		if got := strings.Join(list(10), ","); got != "3,0,4,2,1" {
			t.Fatalf("all refunds listed as %s, want 3,0,4,2,1", got)
		}
		if got := strings.Join(list(3), ","); got != "3,0,4" {
			t.Fatalf("three refunds listed as %s, want 3,0,4", got)
		}
	})
}

// Claiming a due card refund gives it back as the claim wrote it: sent,
// its attempts counted, touched now, in its current key round; so it is
// sent under the key and amount it has now. A second claim within the
// lease gets nothing.
func TestClaimCardRefundReturnsItAsWritten(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		r := cardRefundsFor(t, f, ticketing.RefundFailed)[0]
		st := db.Ticketing()
		// Refused once, then sent again by an administrator in round 2.
		r.State, r.KeyRound, r.LastError = ticketing.RefundOwed, 2, "refused"
		if err := st.InTx(f.ctx, func(tx ticketing.Tx) error { return tx.FinishCardRefund(f.ctx, r) }); err != nil {
			t.Fatal(err)
		}
		now := start.Add(time.Hour)
		claim := func() (ticketing.CardRefund, bool) {
			var got ticketing.CardRefund
			var ok bool
			err := st.InTx(f.ctx, func(tx ticketing.Tx) error {
				var err error
				got, ok, err = tx.ClaimCardRefund(f.ctx, r.ID, now.Add(-time.Minute), now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return got, ok
		}
		got, ok := claim()
		if !ok || got.ID != r.ID || got.State != ticketing.RefundSent || got.Attempts != 1 || got.KeyRound != 2 ||
			!got.UpdatedAt.Equal(now) || got.AmountCents != r.AmountCents || got.PaymentIntentID != r.PaymentIntentID {
			t.Fatalf("claimed %+v (ok %v), want it sent, 1 attempt, round 2, touched at %v", got, ok, now)
		}
		var stored ticketing.CardRefund
		if err := st.View(f.ctx, func(tx ticketing.Tx) error {
			var err error
			stored, err = tx.CardRefundOfOrder(f.ctx, r.OrderID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got.Attempts != stored.Attempts || got.State != stored.State || got.KeyRound != stored.KeyRound || !got.UpdatedAt.Equal(stored.UpdatedAt) {
			t.Fatalf("claimed %+v, stored %+v", got, stored)
		}
		if again, ok := claim(); ok {
			t.Fatalf("a second claim within the lease got %+v", again)
		}
	})
}
