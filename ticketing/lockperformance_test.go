package ticketing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A cancellation locks its performance before it judges it: a second one
// that starts meanwhile waits for the first to end and then finds the
// performance cancelled, instead of refunding or voiding its orders a
// second time. On PostgreSQL the second lock is seen waiting on the
// server; SQLite runs one write transaction at a time anyway.
func TestLockPerformanceWaitsForTheHolder(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	p := f.performance(f.venue("Teatro Comunale", 2).ID)
	held, release := make(chan struct{}), make(chan struct{})
	// Released on failure too, so that the first transaction gives its
	// connection back before the store closes.
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	t.Cleanup(let)
	first := make(chan error, 1)
	go func() {
		first <- db.Ticketing().InTx(f.ctx, func(tx ticketing.Tx) error {
			if _, err := tx.LockPerformance(f.ctx, p.ID); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	testutil.Receive(t, 10*time.Second, "the first lock", held)
	second := make(chan error, 1)
	go func() {
		second <- db.Ticketing().InTx(context.Background(), func(tx ticketing.Tx) error {
			_, err := tx.LockPerformance(f.ctx, p.ID)
			return err
		})
	}()
	testutil.Eventually(t, 10*time.Second, "the second lock waiting on the first", func() bool {
		var n int
		err := db.Pool().QueryRow(f.ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%FROM ticket_performances WHERE id = $1 FOR UPDATE%'`).Scan(&n)
		return err == nil && n > 0
	})
	select {
	case err := <-second:
		t.Fatalf("the second lock returned while the first was held: %v", err)
	default:
	}
	let()
	if err := testutil.Receive(t, 10*time.Second, "the first transaction", first); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Receive(t, 10*time.Second, "the second lock", second); err != nil {
		t.Fatal(err)
	}
}
