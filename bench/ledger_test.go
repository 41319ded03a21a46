package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// The ledger benchmarks compare one wallet.Post of a two-entry transfer (its
// own database transaction: lock both accounts in order, look up the
// idempotency key, insert transaction, entries and balances) with the least a
// balance change can cost on PostgreSQL: one autocommitted single-row UPDATE.
// Both run against the same server in the same run; the ratio is the price of
// double entry, idempotency and floors.

// ledgerParallelism multiplies GOMAXPROCS for the parallel variants, so that
// database round trips overlap as they do under real load.
const ledgerParallelism = 8

// ledgerPopulation is how many citizens' accounts the PostgreSQL ledger of
// every benchmark holds besides the benchmark's own (Benevento has about
// 57,000 inhabitants); the baseline table has as many rows.
const ledgerPopulation = 100_000

// addCityAccounts gives a PostgreSQL benchmark's ledger a city's citizens
// (and fresh statistics). The planner chooses by size: a ledger of a few
// dozen accounts is read whole, and hid that on a city's ledger every
// posting was planned anew (store/postgres: genericPlanNext).
func addCityAccounts(b testing.TB, db *postgres.DB) {
	b.Helper()
	if _, err := db.Pool().Exec(context.Background(), `INSERT INTO ledger_accounts (id, kind, owner_id, floor)
			SELECT 'citizen:pop' || g, 'citizen_credit', 'pop' || g, 0 FROM generate_series(1, $1::int) g`, ledgerPopulation); err != nil {
		b.Fatalf("add the city's accounts: %v", err)
	}
	if _, err := db.Pool().Exec(context.Background(), `ANALYZE ledger_accounts`); err != nil {
		b.Fatalf("analyze the city's accounts: %v", err)
	}
}

// ledgerBench is a fresh schema with transfer accounts and a bare counter
// table, one pair of accounts and one counter row per parallel client.
type ledgerBench struct {
	svc  *wallet.Service
	from []wallet.AccountID
	to   []wallet.AccountID
	// bare is the baseline: one autocommitted single-row UPDATE of row i.
	bare func(i int) error
	// barePosting (PostgreSQL) writes the rows a transfer of client i
	// writes (its transaction holding both legs, migration 1025, the
	// revenue's pending row, the citizen's balance), as one autocommitted
	// statement that reads and checks nothing: what double entry costs
	// before any guard.
	barePosting func(i int) error
	// pg is the PostgreSQL database (nil on SQLite), whose log each run
	// measures.
	pg *postgres.DB
}

// openLedgerBench opens the schema; params are extra connection settings
// (such as "&synchronous_commit=off").
func openLedgerBench(b testing.TB, params string) *ledgerBench {
	b.Helper()
	ctx := context.Background()
	url := storetest.PostgresURL(b) + "&pool_max_conns=32" + params
	db, err := postgres.Open(ctx, url, storetest.Logger(b))
	if err != nil {
		b.Fatalf("open postgres: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	lb := fillLedgerBench(b, db)
	lb.pg = db
	addCityAccounts(b, db)
	// The baseline's table has as many rows as the ledger has citizens, as
	// pgbench's has.
	if _, err := db.Pool().Exec(ctx, `CREATE TABLE bench_balances (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL DEFAULT 0);
		INSERT INTO bench_balances (id) SELECT generate_series(0, `+fmt.Sprint(ledgerPopulation)+`);
		ANALYZE bench_balances`); err != nil {
		b.Fatalf("create bench table: %v", err)
	}
	lb.bare = func(i int) error {
		_, err := db.Pool().Exec(context.Background(), `UPDATE bench_balances SET balance = balance + 1 WHERE id = $1`, i)
		return err
	}
	lb.barePosting = func(i int) error {
		key := fmt.Sprintf("bare-%d", ledgerKeySeq.Add(1))
		_, err := db.Pool().Exec(context.Background(), `WITH n AS (
				SELECT nextval('ledger_entries_id_seq') AS from_entry, nextval('ledger_entries_id_seq') AS to_entry
			), t AS (
				INSERT INTO ledger_transactions (id, idem_key, kind, created_at, from_account, to_account, transfer_amount, from_entry, to_entry)
				SELECT $1, $1, 'bench.bare', now(), $2, $3, 1, n.from_entry, n.to_entry FROM n RETURNING to_entry
			), b AS (
				UPDATE ledger_accounts SET balance = balance - 1 WHERE id = $2
			)
			INSERT INTO ledger_pending (entry_id, account_id, amount) SELECT to_entry, $3, 1 FROM t`,
			key, string(lb.from[i]), string(lb.to[i]))
		return err
	}
	return lb
}

// openLedgerBenchSQLite is the same on a fresh SQLite file; its baseline
// runs on the hub's writer connection, in process.
func openLedgerBenchSQLite(b testing.TB) *ledgerBench {
	b.Helper()
	ctx := context.Background()
	db := storetest.OpenSQLite(b)
	lb := fillLedgerBench(b, db)
	w := db.Writer()
	if _, err := w.ExecContext(ctx, `CREATE TABLE bench_balances (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL DEFAULT 0);
		WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < 63) INSERT INTO bench_balances (id) SELECT i FROM g`); err != nil {
		b.Fatalf("create bench table: %v", err)
	}
	lb.bare = func(i int) error {
		_, err := w.ExecContext(context.Background(), `UPDATE bench_balances SET balance = balance + 1 WHERE id = ?`, i)
		return err
	}
	return lb
}

// fillLedgerBench opens 64 funded citizens and 64 revenue accounts.
func fillLedgerBench(b testing.TB, db store.DB) *ledgerBench {
	b.Helper()
	ctx := context.Background()
	lb := &ledgerBench{svc: wallet.NewService(db.Wallet(), storetest.Logger(b))}
	clients := 64
	err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		for i := range clients {
			citizen := fmt.Sprintf("bench%02d", i)
			if err := wallet.OpenCitizen(ctx, tx, citizen); err != nil {
				return err
			}
			rev := wallet.AccountID(fmt.Sprintf("revenue:bench%02d", i))
			if err := tx.EnsureAccount(ctx, wallet.Account{ID: rev, Kind: wallet.KindRevenue}); err != nil {
				return err
			}
			lb.from = append(lb.from, wallet.CitizenAccount(citizen))
			lb.to = append(lb.to, rev)
		}
		return tx.EnsureAccount(ctx, wallet.Account{ID: wallet.CityFunding, Kind: wallet.KindCityFunding})
	})
	if err != nil {
		b.Fatalf("create accounts: %v", err)
	}
	for i, acct := range lb.from {
		// Enough credit that the floor check passes for every iteration.
		if _, err := lb.svc.Post(ctx, wallet.Transaction{Key: fmt.Sprintf("fund-%d", i), Kind: "bench.fund", Entries: []wallet.Entry{
			{Account: wallet.CityFunding, Amount: -wallet.MaxAmount}, {Account: acct, Amount: wallet.MaxAmount},
		}}); err != nil {
			b.Fatalf("fund: %v", err)
		}
	}
	return lb
}

var ledgerKeySeq atomic.Int64

type ledgerOp func(lb *ledgerBench, i int) error

// transfer posts one cent from client i's citizen to its revenue account.
func (lb *ledgerBench) transfer(i int) error {
	key := fmt.Sprintf("bench-%d", ledgerKeySeq.Add(1))
	_, err := lb.svc.Post(context.Background(), wallet.Transaction{Key: key, Kind: "bench.transfer", Entries: []wallet.Entry{
		{Account: lb.from[i], Amount: -1}, {Account: lb.to[i], Amount: 1},
	}})
	return err
}

// walMeter measures the log of a PostgreSQL run (wal_B/op: an operation's
// own log, its rows, index entries and commit record, which unlike its time
// does not move with what else the machine's CPUs do; a transfer's pending
// row is rolled up later, by no one here, so that part of its cost is not
// in it); the returned func reports it.
func (lb *ledgerBench) walMeter(b *testing.B) func() {
	if lb.pg == nil {
		return func() {}
	}
	report := walMeter(b, lb.pg)
	return func() { report(b.N) }
}

func (lb *ledgerBench) bareUpdate(i int) error { return lb.bare(i) }

func (lb *ledgerBench) barePost(i int) error { return lb.barePosting(i) }

// runSerial and runParallel are one benchmark body; parallel clients each
// use their own rows, so the figure is throughput, not lock waits.
func runSerial(b *testing.B, lb *ledgerBench, op ledgerOp) {
	defer lb.walMeter(b)()
	cpu := cpuMeter(b)
	defer func() { cpu(b.N) }()
	for b.Loop() {
		if err := op(lb, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func runParallel(b *testing.B, lb *ledgerBench, op ledgerOp) {
	defer lb.walMeter(b)()
	cpu := cpuMeter(b)
	defer func() {
		b.StopTimer() // RunParallel leaves it running; the meters are not the operations
		cpu(b.N)
	}()
	var client atomic.Int64
	b.SetParallelism(ledgerParallelism)
	b.RunParallel(func(pb *testing.PB) {
		i := int(client.Add(1)-1) % len(lb.from)
		for pb.Next() {
			if err := op(lb, i); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// runLedger runs op with durable commits, then with synchronous_commit off,
// which takes the disk's flush latency out and leaves round trips and
// server work.
func runLedger(b *testing.B, op ledgerOp) {
	lb := openLedgerBench(b, "")
	b.Run("serial", func(b *testing.B) { runSerial(b, lb, op) })
	b.Run("parallel", func(b *testing.B) { runParallel(b, lb, op) })
	async := openLedgerBench(b, "&synchronous_commit=off")
	b.Run("serial-async", func(b *testing.B) { runSerial(b, async, op) })
	b.Run("parallel-async", func(b *testing.B) { runParallel(b, async, op) })
}

// BenchmarkLedgerTransfer is wallet.Post of a two-entry transfer.
func BenchmarkLedgerTransfer(b *testing.B) {
	runLedger(b, (*ledgerBench).transfer)
}

// BenchmarkBareUpdate is the baseline: one autocommitted single-row UPDATE.
func BenchmarkBareUpdate(b *testing.B) {
	runLedger(b, (*ledgerBench).bareUpdate)
}

// BenchmarkBarePosting is the second baseline: a transfer's rows (its
// transaction with both legs, the citizen's balance, the revenue's pending
// row) written by one autocommitted statement with no read, lock, key
// look-up or check. A transfer can cost no less than this.
func BenchmarkBarePosting(b *testing.B) {
	runLedger(b, (*ledgerBench).barePost)
}

// BenchmarkLedgerTransferSQLite and BenchmarkBareUpdateSQLite are the same
// pair on the embedded engine (its durable commits are synchronous=NORMAL
// in WAL mode, as the hub runs it).
func BenchmarkLedgerTransferSQLite(b *testing.B) {
	runLedgerSQLite(b, (*ledgerBench).transfer)
}

func BenchmarkBareUpdateSQLite(b *testing.B) {
	runLedgerSQLite(b, (*ledgerBench).bareUpdate)
}

func runLedgerSQLite(b *testing.B, op ledgerOp) {
	lb := openLedgerBenchSQLite(b)
	b.Run("serial", func(b *testing.B) { runSerial(b, lb, op) })
	b.Run("parallel", func(b *testing.B) { runParallel(b, lb, op) })
}
