package ticketing_test

import (
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A payment locks the claims of its order's seats with its reads. Paying
// an order whose hold expired, while nobody took its seat, sells the
// order's own claim; a hold by another buyer for that seat, which finds the
// claim expired and deletes it, must wait until the payment commits and
// then find the seat sold. Without the lock the other hold went through
// between the payment's reads and its writes, and both orders counted the
// seat as theirs: the payment sold it, and the other buyer's payment was
// later refused by the database. (PostgreSQL: the embedded engine writes
// one transaction at a time.)
func TestPaymentLocksItsOrdersClaims(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	v := f.venue("Teatro Romano", 2)
	p := f.performance(v.ID)
	payer, other := citizen(1), citizen(2)
	f.credit(100_00, payer, other)
	seat := []string{"Platea/A/1"}
	o, err := f.svc.Hold(f.ctx, payer, p.ID, seat)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(ticketing.HoldTTL + time.Minute)

	var heldErr error
	heldDone := make(chan struct{}) // closed when the other hold ended
	heldEarly := false
	var once sync.Once
	store := hookedStore{Store: db.Ticketing(), paying: func() {
		// Once: a payment tried again reads again.
		once.Do(func() {
			go func() {
				_, heldErr = f.svc.Hold(f.ctx, other, p.ID, seat)
				close(heldDone)
			}()
			t.Cleanup(func() { <-heldDone }) // the hold ends before the test does
			heldEarly = endsOrWaitsForARow(t, f, db, "ticket_claims", heldDone)
		})
	}}
	paying := ticketing.NewService(store, f.keys, storetest.Logger(t))
	paying.SetClock(f.clock.Now)
	paid, err := paying.PayWithWallet(f.ctx, payer, o.ID)
	if err != nil || paid.Status != ticketing.OrderPaid {
		t.Fatalf("paying the expired hold whose seat nobody took: %+v %v", paid, err)
	}
	<-heldDone
	if heldEarly {
		t.Fatalf("the other buyer's hold went through while the payment held its reads (%v)", heldErr)
	}
	if apperr.ReasonOf(heldErr) != "seat_taken" {
		t.Fatalf("the other buyer's hold of the seat just sold: %v", heldErr)
	}
	if ts, err := f.svc.MyTickets(f.ctx, payer); err != nil || len(ts) != 1 || ts[0].SeatID != seat[0] {
		t.Fatalf("the payer's tickets: %+v %v", ts, err)
	}
	if orders, err := f.orders(other); err != nil || len(orders) != 0 {
		t.Fatalf("the other buyer's orders: %+v %v", orders, err)
	}
	if av, err := f.svc.Availability(f.ctx, p.ID); err != nil || av.Free != len(av.Seats)-1 {
		t.Fatalf("%d of %d seats free, want all but the one sold (%v)", av.Free, len(av.Seats), err)
	}
}

// A card payment confirmed after its hold expired locks the order's own
// claim as it reads it, as the credit payment does with its reads: another
// buyer's hold of the seat waits, then finds it sold. Without the lock the
// other hold took the seat between the confirmation's read and its sale,
// tickets were issued to both orders' seat, and the other buyer's later
// payment failed at the database.
func TestCardConfirmationLocksItsOrdersClaims(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	v := f.venue("Teatro Romano", 2)
	p := f.performance(v.ID)
	payer, other := citizen(1), citizen(2)
	f.credit(100_00, other)
	seat := []string{"Platea/A/1"}
	o, err := f.svc.Hold(f.ctx, payer, p.ID, seat)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(ticketing.HoldTTL + time.Minute)

	var heldErr error
	heldDone := make(chan struct{})
	heldEarly := false
	var once sync.Once
	store := hookedStore{Store: db.Ticketing(), claimRead: func(c ticketing.Claim) {
		if c.OrderID != o.ID {
			return
		}
		once.Do(func() {
			go func() {
				_, heldErr = f.svc.Hold(f.ctx, other, p.ID, seat)
				close(heldDone)
			}()
			t.Cleanup(func() { <-heldDone })
			heldEarly = endsOrWaitsForARow(t, f, db, "ticket_claims", heldDone)
		})
	}}
	paying := ticketing.NewService(store, f.keys, storetest.Logger(t))
	paying.SetClock(f.clock.Now)
	paid, _, err := paying.ConfirmCardPayment(f.ctx, o.ID, "pi_late_hold", o.TotalCents, "eur")
	if err != nil || paid.Status != ticketing.OrderPaid {
		t.Fatalf("confirming the card payment of the expired hold whose seat nobody took: %+v %v", paid, err)
	}
	<-heldDone
	if heldEarly {
		t.Fatalf("the other buyer's hold went through while the confirmation held the claim (%v)", heldErr)
	}
	if apperr.ReasonOf(heldErr) != "seat_taken" {
		t.Fatalf("the other buyer's hold of the seat just sold: %v", heldErr)
	}
	if ts, err := f.svc.MyTickets(f.ctx, payer); err != nil || len(ts) != 1 || ts[0].SeatID != seat[0] {
		t.Fatalf("the payer's tickets: %+v %v", ts, err)
	}
	if orders, err := f.orders(other); err != nil || len(orders) != 0 {
		t.Fatalf("the other buyer's orders: %+v %v", orders, err)
	}
}

// endsOrWaitsForARow waits until a transaction racing another's read,
// either ended (done closed: it went through while the other held its
// read, and it reports true) or waits for the lock of a row of table (a
// waiter holds the row's tuple lock; false).
func endsOrWaitsForARow(t *testing.T, f *fixture, db *postgres.DB, table string, done <-chan struct{}) (ended bool) {
	t.Helper()
	testutil.Eventually(t, 30*time.Second, "the other transaction to finish or to wait for a lock on "+table, func() bool {
		select {
		case <-done:
			ended = true
			return true
		default:
		}
		var waiting bool
		if err := db.Pool().QueryRow(f.ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'tuple'
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
				AND relation = $1::regclass)`, table).Scan(&waiting); err != nil {
			t.Errorf("read the locks waited for: %v", err)
			return true
		}
		return waiting
	})
	return ended
}
