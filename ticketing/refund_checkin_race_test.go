package ticketing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A refund and a check-in of the same ticket: exactly one wins. Raced
// freely, the refund almost always came first (the check-in reads before
// it writes) and the race passed on the broken code too, so this test
// makes the one order that broke it, on PostgreSQL (SQLite's one writer
// orders the two whole): the refund has read the order's tickets, and the door checks one in before the refund
// cancels them. The check-in must then wait for the refund and find the
// ticket cancelled; it used to win, and the refund cancelled a ticket whose
// holder was inside.
func TestCheckInWhileRefundReadsTickets(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t) // SQLite's one writer orders the two whole
	f := newFixture(t, db)
	v := f.venue("Teatro Romano", 2)
	p := f.performance(v.ID)
	buyer := citizen(1)
	f.credit(25_00, buyer)
	o, ts := f.buy(buyer, p.ID, "Platea/A/1")
	f.atTheDoor(p)
	ps := &pausingStore{Store: db.Ticketing(), read: make(chan struct{}), proceed: make(chan struct{})}
	refunder := ticketing.NewService(ps, f.keys, storetest.Logger(t))
	refunder.SetClock(f.clock.Now)
	refunded := make(chan error, 1)
	go func() {
		_, err := refunder.RefundOrder(f.ctx, admin, o.ID)
		refunded <- err
	}()
	select {
	case <-ps.read:
	case err := <-refunded:
		t.Fatalf("the refund ended before it read the tickets: %v", err)
	}
	checked := make(chan error, 1)
	go func() {
		_, err := f.svc.CheckIn(f.ctx, door(v.ID), p.ID, ts[0].TypedCode)
		checked <- err
	}()
	// The check-in either ends (it was not held off) or waits for a lock on
	// a ticket: either way the refund may go on.
	checkErr, done := waitBlocked(t, db, "UPDATE tickets SET status = 'checked_in'%", checked)
	close(ps.proceed)
	refundErr := <-refunded
	if !done {
		checkErr = <-checked
	}
	if refundErr == nil && checkErr == nil {
		t.Fatal("the ticket was both checked in and refunded")
	}
	if refundErr != nil || apperr.ReasonOf(checkErr) != "ticket_cancelled" {
		t.Fatalf("refund %v, check-in %v: want the refund, and the door told ticket_cancelled", refundErr, checkErr)
	}
	f.ledgerOK()
}

// pausingStore stops the first transaction through it that reads an
// order's tickets (or, with atPerformance, locks a performance), right
// after the read, until proceed is closed.
type pausingStore struct {
	ticketing.Store
	read, proceed chan struct{}
	once          sync.Once
	atPerformance bool
}

func (s *pausingStore) InTx(ctx context.Context, fn func(ticketing.Tx) error) error {
	return s.Store.InTx(ctx, func(tx ticketing.Tx) error { return fn(pausingTx{tx, s}) })
}

type pausingTx struct {
	ticketing.Tx
	s *pausingStore
}

func (p pausingTx) pause() { p.s.once.Do(func() { close(p.s.read); <-p.s.proceed }) }

func (p pausingTx) OrderTickets(ctx context.Context, id string) ([]ticketing.Ticket, error) {
	ts, err := p.Tx.OrderTickets(ctx, id)
	if !p.s.atPerformance {
		p.pause()
	}
	return ts, err
}

func (p pausingTx) LockOrderTickets(ctx context.Context, id string) ([]ticketing.Ticket, error) {
	ts, err := p.Tx.LockOrderTickets(ctx, id)
	if !p.s.atPerformance {
		p.pause()
	}
	return ts, err
}

func (p pausingTx) LockPerformance(ctx context.Context, id string) (ticketing.Performance, error) {
	perf, err := p.Tx.LockPerformance(ctx, id)
	if p.s.atPerformance {
		p.pause()
	}
	return perf, err
}

// waitBlocked waits until a statement of the database that matches like
// waits for a lock, or until done has a value (the statement's caller
// ended without waiting), and says which.
func waitBlocked(t *testing.T, db *postgres.DB, like string, done <-chan error) (error, bool) {
	t.Helper()
	var err error
	ended := false
	testutil.Eventually(t, 10*time.Second, "a statement like "+like+" waited for a lock or ended", func() bool {
		select {
		case err = <-done:
			ended = true
			return true
		default:
		}
		var waiting int
		if qerr := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE $1`, like).Scan(&waiting); qerr != nil {
			t.Fatal(qerr)
		}
		return waiting > 0
	})
	return err, ended
}
