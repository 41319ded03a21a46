package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// groupOf runs n grouped transactions of key, the first alone (held on its
// way until the others have queued) and the other n-1 together; fn(i)
// is the i-th transaction's work. It returns each one's error.
func groupOf(t *testing.T, db *postgres.DB, key string, n int, ctxOf func(i int) context.Context, fn func(i int, tx *postgres.Tx) error) []error {
	t.Helper()
	started := postgres.HoldTxGroup(db, key, n-1)
	errs := make([]error, n)
	var wg sync.WaitGroup
	run := func(i int) {
		errs[i] = db.InTxGrouped(ctxOf(i), key, func(tx *postgres.Tx) error { return fn(i, tx) })
	}
	wg.Go(func() { run(0) })
	<-started
	for i := 1; i < n; i++ {
		wg.Go(func() { run(i) })
	}
	wg.Wait()
	return errs
}

// Transactions queued behind a grouped transaction on its way commit
// together, in one transaction; one that fails sends each of its group
// back to a transaction of its own, where the others commit and it alone
// fails.
func TestGroupedTransactions(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	if _, err := db.Pool().Exec(ctx, `CREATE TABLE group_probe (id INTEGER PRIMARY KEY, tx BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	insert := func(i int, tx *postgres.Tx) error {
		return postgres.TxExec(ctx, tx, `INSERT INTO group_probe (id, tx) VALUES ($1, txid_current())`, i)
	}
	bg := func(int) context.Context { return ctx }
	for i, err := range groupOf(t, db, "together", 6, bg, insert) {
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	var txs int
	if err := db.Pool().QueryRow(ctx, `SELECT count(DISTINCT tx) FROM group_probe WHERE id BETWEEN 1 AND 5`).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	if txs != 1 {
		t.Fatalf("the five queued together committed in %d transactions, want 1", txs)
	}

	refused := errors.New("refused")
	errs := groupOf(t, db, "one fails", 6, bg, func(i int, tx *postgres.Tx) error {
		if err := insert(100+i, tx); err != nil {
			return err
		}
		if i == 3 {
			return refused
		}
		return nil
	})
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM group_probe WHERE id >= 100`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if (i == 3) != errors.Is(err, refused) || i != 3 && err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	if n != 5 {
		t.Fatalf("%d rows, want the 5 of the transactions that did not fail", n)
	}
	// The four grouped ones that did not fail committed together again.
	if err := db.Pool().QueryRow(ctx, `SELECT count(DISTINCT tx) FROM group_probe WHERE id IN (101, 102, 104, 105)`).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	if txs != 1 {
		t.Fatalf("the four that did not fail committed in %d transactions, want 1", txs)
	}
}

// A grouped transaction whose COMMIT is refused (postings at commit that
// together break a floor) is run again transaction by transaction: as many
// commit as the balance pays for, the others are refused alone.
func TestGroupedTransactionsRefusedAtCommit(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	svc := wallet.NewService(db.Wallet(), storetest.Logger(t))
	if err := svc.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.OpenCitizen(ctx, tx, "ada") }); err != nil {
		t.Fatal(err)
	}
	ada := wallet.CitizenAccount("ada")
	pay := func(key string, from, to wallet.AccountID, cents int64) wallet.Transaction {
		return wallet.Transaction{Key: key, Kind: "test.transfer", Entries: []wallet.Entry{{Account: from, Amount: -cents}, {Account: to, Amount: cents}}}
	}
	if _, err := svc.Post(ctx, pay("fund", wallet.TestPayments, ada, 250)); err != nil {
		t.Fatal(err)
	}
	errs := groupOf(t, db, "budget", 4, func(int) context.Context { return ctx }, func(i int, tx *postgres.Tx) error {
		return wallet.PostAtCommit(ctx, tx, pay(fmt.Sprint("spend-", i), ada, wallet.RevenueBikeshare, 100), time.Now())
	})
	var ok, short int
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case apperr.Has(err, apperr.InsufficientFunds):
			short++
		default:
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	// The first went alone (100); of the three grouped (300 > 150 left),
	// run again alone, one fits.
	if ok != 2 || short != 2 {
		t.Fatalf("%d committed and %d were refused, want 2 and 2", ok, short)
	}
	a, err := svc.Account(ctx, ada)
	if err != nil || a.Balance != 50 {
		t.Fatalf("ada has %d, want 50 (%v)", a.Balance, err)
	}
}

// A failed member of a grouped transaction has no key marked: here the one
// whose caller writes the group, which is the first to run in it, fails,
// alone too, and the others commit together without it.
func TestGroupedTransactionsMarkNoFailedKey(t *testing.T) {
	db := storetest.OpenPostgres(t)
	now := time.Now()
	const n = 4
	keyed := claimKeys(t, db, "api:x:POST /z", n, now)
	var failing atomic.Int32
	failing.Store(-1)
	refused := errors.New("refused")
	errs := groupOf(t, db, "failed writer", n, keyed, func(i int, _ *postgres.Tx) error {
		if i != 0 && (failing.CompareAndSwap(-1, int32(i)) || failing.Load() == int32(i)) {
			return refused
		}
		return nil
	})
	f := int(failing.Load())
	for i, m := range marked(t, db, "api:x:POST /z", n, now) {
		switch {
		case i == f && (!errors.Is(errs[i], refused) || m):
			t.Errorf("the failed key %d: %v, marked committed=%v", i, errs[i], m)
		case i != f && (errs[i] != nil || !m):
			t.Errorf("key %d: %v, marked committed=%v", i, errs[i], m)
		}
	}
}

// Every keyed request of a grouped transaction has its key marked
// committed in it, not only the one whose caller wrote the group.
func TestGroupedTransactionsMarkEveryKey(t *testing.T) {
	db := storetest.OpenPostgres(t)
	now := time.Now()
	const n = 4
	keyed := claimKeys(t, db, "api:x:POST /y", n, now)
	for i, err := range groupOf(t, db, "marks", n, keyed, func(int, *postgres.Tx) error { return nil }) {
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	for i, m := range marked(t, db, "api:x:POST /y", n, now) {
		if !m {
			t.Errorf("key %d: not marked committed", i)
		}
	}
}

// A member whose statement fails on the server (a duplicate key) is rolled
// back to its savepoint, alone: the others of its group commit together,
// and it then runs alone for its own answer.
func TestGroupedTransactionsRollBackAFailedStatement(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	if _, err := db.Pool().Exec(ctx, `CREATE TABLE group_probe (id INTEGER PRIMARY KEY, tx BIGINT NOT NULL); INSERT INTO group_probe VALUES (3, 0)`); err != nil {
		t.Fatal(err)
	}
	errs := groupOf(t, db, "duplicate", 6, func(int) context.Context { return ctx }, func(i int, tx *postgres.Tx) error {
		if err := postgres.TxExec(ctx, tx, `INSERT INTO group_probe (id, tx) VALUES ($1 + 10, txid_current())`, i); err != nil {
			return err
		}
		return postgres.TxExec(ctx, tx, `INSERT INTO group_probe (id, tx) VALUES ($1, txid_current())`, i)
	})
	for i, err := range errs {
		if (i == 3) != apperr.Has(err, apperr.Conflict) || i != 3 && err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	var txs, rows int
	if err := db.Pool().QueryRow(ctx, `SELECT count(DISTINCT tx), count(*) FROM group_probe WHERE id IN (1, 2, 4, 5, 11, 12, 14, 15)`).Scan(&txs, &rows); err != nil {
		t.Fatal(err)
	}
	if txs != 1 || rows != 8 {
		t.Fatalf("the four others wrote %d rows in %d transactions, want 8 in 1", rows, txs)
	}
	var failed int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM group_probe WHERE id = 13`).Scan(&failed); err != nil {
		t.Fatal(err)
	}
	if failed != 0 {
		t.Fatal("the failed member's first write was kept")
	}
}

// A claim whose claimant's lock another transaction holds does not stall
// its group: it leaves the group, the others commit and return, and it
// waits alone.
func TestGroupedClaimantLockDoesNotStallTheGroup(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	if _, err := db.Pool().Exec(ctx, `CREATE TABLE group_probe (id INTEGER PRIMARY KEY, tx BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	holder, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx) //nolint:errcheck
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('voucher-claim:' || 'camp'), hashtext('busy'))`); err != nil {
		t.Fatal(err)
	}
	const n, busy = 5, 2
	claim := func(i int, tx *postgres.Tx) error {
		who := fmt.Sprint("citizen-", i)
		if i == busy {
			who = "busy"
		}
		if err := tx.LockClaimant(ctx, "camp", who); err != nil {
			return err
		}
		return postgres.TxExec(ctx, tx, `INSERT INTO group_probe (id, tx) VALUES ($1, txid_current())`, i)
	}
	started := postgres.HoldTxGroup(db, "claimants", n-1)
	results := make(chan error, n)
	run := func(i int) {
		results <- db.InTxGrouped(ctx, "claimants", func(tx *postgres.Tx) error { return claim(i, tx) })
	}
	busyDone := make(chan error, 1)
	go run(0)
	<-started
	for i := 1; i < n; i++ {
		if i == busy {
			go func() {
				busyDone <- db.InTxGrouped(ctx, "claimants", func(tx *postgres.Tx) error { return claim(i, tx) })
			}()
			continue
		}
		go run(i)
	}
	// Every other claim returns while the busy claimant's lock is held.
	for range n - 1 {
		select {
		case err := <-results:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the group stalled behind the held claimant lock")
		}
	}
	select {
	case err := <-busyDone:
		t.Fatalf("the busy claim returned while its lock was held: %v", err)
	default:
	}
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-busyDone; err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM group_probe`).Scan(&rows); err != nil || rows != n {
		t.Fatalf("%d rows, want %d (%v)", rows, n, err)
	}
}

// claimKeys claims n keys k0..k(n-1) of scope at now, and returns the
// context of the i-th keyed request.
func claimKeys(t *testing.T, db *postgres.DB, scope string, n int, now time.Time) func(i int) context.Context {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		if claimed, _, _, _, _, err := db.Answers().ClaimAnswer(ctx, scope, fmt.Sprint("k", i), "h", now, now.Add(-time.Minute)); err != nil || !claimed {
			t.Fatalf("claim %d: %v %v", i, claimed, err)
		}
	}
	return func(i int) context.Context {
		return idem.WithPending(ctx, idem.Pending{Scope: scope, Key: fmt.Sprint("k", i)})
	}
}

// marked tells, for each key claimKeys claimed at now, whether a
// transaction of its request committed: once stale, a committed key is
// lost, never taken over, and one that is not is taken over.
func marked(t *testing.T, db *postgres.DB, scope string, n int, now time.Time) []bool {
	t.Helper()
	later := now.Add(2 * time.Minute)
	out := make([]bool, n)
	for i := range n {
		claimed, _, _, lost, _, err := db.Answers().ClaimAnswer(context.Background(), scope, fmt.Sprint("k", i), "h", later, later.Add(-time.Minute))
		if err != nil || claimed == lost {
			t.Fatalf("key %d: claimed=%v lost=%v %v", i, claimed, lost, err)
		}
		out[i] = lost
	}
	return out
}

// A member whose queued write fails its check (an update that matched no
// row) fails itself, not the member after it: its writes are undone with it
// and the others commit together.
func TestGroupedTransactionsCheckFailsItsOwnMember(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	if _, err := db.Pool().Exec(ctx, `CREATE TABLE group_probe (id INTEGER PRIMARY KEY, tx BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const n, bad = 5, 2
	errs := groupOf(t, db, "checked", n, func(int) context.Context { return ctx }, func(i int, tx *postgres.Tx) error {
		if err := postgres.TxExec(ctx, tx, `INSERT INTO group_probe (id, tx) VALUES ($1, txid_current())`, i); err != nil {
			return err
		}
		target := i
		if i == bad {
			target = -1 // no such row
		}
		// Queued, its row count checked; it is the member's last write.
		return postgres.TxLaterChecked(ctx, tx, `UPDATE group_probe SET tx = tx WHERE id = $1`, target)
	})
	for i, err := range errs {
		if (i == bad) != errors.Is(err, postgres.ErrNoRowUpdated) || i != bad && err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	var rows, txs int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT tx) FROM group_probe WHERE id <> 0`).Scan(&rows, &txs); err != nil {
		t.Fatal(err)
	}
	if rows != n-2 || txs != 1 {
		t.Fatalf("%d rows in %d transactions, want the %d grouped members that passed their checks, in 1", rows, txs, n-2)
	}
}
