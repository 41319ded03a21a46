package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/store/postgres"
)

// BenchmarkHotAccount compares, on PostgreSQL, the ways the ledger could keep
// the balance of an account without a floor that every posting of a
// city-wide campaign touches (its held value), with 64 clients posting one
// cent at a time to that one account, each posting autocommitted, while one
// more client reads the account's exact balance in a loop:
//   - pending: what the ledger does. Each posting inserts a pending row,
//     which locks nothing; the hub's roll-up (running in the background
//     every 250 ms, as every hub runs it) moves the rows into the cached
//     balance. The exact balance is the cached one plus the pending rows.
//   - striped=N: the balance kept in N rows, each posting adding to one of
//     them (the i-th posting to row i mod N, so that postings made at once
//     mostly take different rows) and holding that row's lock until it
//     commits; the balance is their sum.
//   - one-row: every posting updates the account's one row, the queue the
//     ledger started from.
//
// Whichever the way, the exact balance read once the postings are done
// must be one cent a posting.
//
// Only the balance's part of a posting is timed: the transaction and its
// entries, which a posting writes in any of the three, are left out.
// Reports postings/s with their p50 and p99, the reads' p50 and p99, and
// the log written a posting (the roll-up's included).
func BenchmarkHotAccount(b *testing.B) {
	for _, v := range []struct {
		name   string
		stripe int // 0: pending; 1: one row
	}{{"pending", 0}, {"striped=8", 8}, {"striped=64", 64}, {"one-row", 1}} {
		b.Run(v.name, func(b *testing.B) { hotAccount(b, v.stripe) })
	}
}

func hotAccount(b *testing.B, stripes int) {
	ctx := context.Background()
	h := newBenchHub(b, "postgres")
	pool := h.db.(*postgres.DB).Pool()
	const account = "campaign:hot:held"
	if _, err := pool.Exec(ctx, `INSERT INTO ledger_accounts (id, kind, owner_id, floor) VALUES ($1, 'campaign_held', 'hot', NULL)`, account); err != nil {
		b.Fatal(err)
	}
	var post func(i int64) error
	var read string
	switch stripes {
	case 0:
		// Far above any entry the ledger wrote.
		var entry atomic.Int64
		entry.Store(1 << 40)
		post = func(int64) error {
			_, err := pool.Exec(ctx, `INSERT INTO ledger_pending (entry_id, account_id, amount, entries) VALUES ($1, $2, 1, 1)`, entry.Add(1), account)
			return err
		}
		read = `SELECT a.balance + COALESCE((SELECT SUM(p.amount) FROM ledger_pending p WHERE p.account_id = a.id), 0) FROM ledger_accounts a WHERE a.id = $1`
	case 1:
		post = func(int64) error {
			_, err := pool.Exec(ctx, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = $1`, account)
			return err
		}
		read = `SELECT balance FROM ledger_accounts WHERE id = $1`
	default:
		if _, err := pool.Exec(ctx, `CREATE TABLE bench_stripes (account_id TEXT NOT NULL, stripe INTEGER NOT NULL, balance BIGINT NOT NULL DEFAULT 0,
				PRIMARY KEY (account_id, stripe));
			INSERT INTO bench_stripes (account_id, stripe) SELECT 'campaign:hot:held', generate_series(0, `+fmt.Sprint(stripes-1)+`)`); err != nil {
			b.Fatal(err)
		}
		post = func(i int64) error {
			_, err := pool.Exec(ctx, `UPDATE bench_stripes SET balance = balance + 1 WHERE account_id = $1 AND stripe = $2`, account, i%int64(stripes))
			return err
		}
		read = `SELECT SUM(balance)::bigint FROM bench_stripes WHERE account_id = $1`
	}
	// The reader keeps a connection of its own, so that its reads wait for
	// the server and not for the pool the postings share.
	reader, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer reader.Release()
	stop := make(chan struct{})
	var reads latencies
	var readErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			var balance int64
			if err := reader.QueryRow(ctx, read, account).Scan(&balance); err != nil {
				readErr = err
				return
			}
			reads.add(time.Since(t0))
		}
	})
	wal := h.walMeter(b)
	closedLoop(b, b.N, "posts/s", post)
	close(stop)
	wal(b.N)
	wg.Wait()
	if readErr != nil {
		b.Fatalf("read the balance: %v", readErr)
	}
	var balance int64
	if err := reader.QueryRow(ctx, read, account).Scan(&balance); err != nil || balance != int64(b.N) {
		b.Fatalf("the balance after %d postings of one cent: %d (%v)", b.N, balance, err)
	}
	b.ReportMetric(reads.ms(0.5)*1000, "read_p50_µs")
	b.ReportMetric(reads.ms(0.99)*1000, "read_p99_µs")
}
