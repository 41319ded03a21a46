package wallet_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// The latest check is given again while it is young enough, and a new one
// runs when it is not, or when asked for with no age at all.
func TestLatestCheck(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, bob, 500))
		first, err := l.svc.LatestCheck(ctx, time.Hour)
		if err != nil || !first.OK() || first.At.IsZero() || first.Transactions != 1 {
			t.Fatalf("first check: %+v %v", first, err)
		}
		storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob'`)
		again, err := l.svc.LatestCheck(ctx, time.Hour)
		if err != nil || !again.OK() || !again.At.Equal(first.At) {
			t.Fatalf("a check asked for within the hour: %+v %v, want the first one (%v)", again, err, first.At)
		}
		for _, age := range []time.Duration{0, time.Nanosecond} {
			fresh, err := l.svc.LatestCheck(ctx, age)
			if err != nil || fresh.OK() || !fresh.At.After(first.At) || len(fresh.Mismatches) != 1 || fresh.Mismatches[0].Account != bob {
				t.Fatalf("a check asked for with age %v after a balance moved: %+v %v", age, fresh, err)
			}
		}
		if latest, err := l.svc.LatestCheck(ctx, time.Hour); err != nil || latest.OK() {
			t.Fatalf("the latest check once the damage was found: %+v %v", latest, err)
		}
		storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:bob'`)
	})
}

// gatedStore holds every ledger check until release is closed, and counts
// them.
type gatedStore struct {
	wallet.Store
	started chan struct{}
	release chan struct{}
	checks  atomic.Int32
}

type gatedTx struct {
	wallet.Tx
	s *gatedStore
}

func (s *gatedStore) View(ctx context.Context, fn func(tx wallet.Tx) error) error {
	return s.Store.View(ctx, func(tx wallet.Tx) error { return fn(gatedTx{Tx: tx, s: s}) })
}

func (tx gatedTx) CheckLedger(ctx context.Context) (wallet.LedgerCheck, error) {
	if tx.s.checks.Add(1) == 1 {
		close(tx.s.started)
	}
	<-tx.s.release
	return tx.Tx.CheckLedger(ctx)
}

// A caller that stops waiting for a check (its request ended) does not stop
// it: the check finishes, is kept, and is the one the next caller gets,
// without a second run.
func TestLatestCheckOutlivesItsCaller(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	newLedger(t, db)
	gs := &gatedStore{Store: db.Wallet(), started: make(chan struct{}), release: make(chan struct{})}
	svc := wallet.NewService(gs, storetest.Logger(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := svc.LatestCheck(ctx, 0)
		done <- err
	}()
	<-gs.started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v, want context.Canceled", err)
	}
	close(gs.release)
	c, err := svc.LatestCheck(context.Background(), time.Hour)
	if err != nil || !c.OK() || c.At.IsZero() {
		t.Fatalf("the check after its caller left: %+v %v", c, err)
	}
	if n := gs.checks.Load(); n != 1 {
		t.Fatalf("the ledger was checked %d times, want once", n)
	}
}

// recordHandler sends every log record's message to a channel.
type recordHandler struct{ msgs chan string }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

// The background checks start at once, and a failed one reaches the log
// without anyone asking.
func TestRunChecksLogsAFailedCheck(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	l := newLedger(t, db)
	l.mustPost(t, transfer("fund", wallet.TestPayments, bob, 500))
	storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob'`)
	msgs := make(chan string, 16)
	svc := wallet.NewService(db.Wallet(), slog.New(recordHandler{msgs: msgs}))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); svc.RunChecks(ctx, time.Hour) }()
	defer func() { cancel(); <-stopped }()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case m := <-msgs:
			if m == "ledger check failed" {
				return
			}
		case <-deadline:
			t.Fatal("no failed ledger check was logged")
		}
	}
}

// countingStore counts the ledger checks run through it; its first read
// takes firstDelay longer.
type countingStore struct {
	wallet.Store
	checks     atomic.Int32
	firstDelay time.Duration
	reads      atomic.Int32
}

type countingTx struct {
	wallet.Tx
	s *countingStore
}

func (s *countingStore) View(ctx context.Context, fn func(tx wallet.Tx) error) error {
	if s.reads.Add(1) == 1 {
		time.Sleep(s.firstDelay)
	}
	return s.Store.View(ctx, func(tx wallet.Tx) error { return fn(countingTx{Tx: tx, s: s}) })
}

func (tx countingTx) CheckLedger(ctx context.Context) (wallet.LedgerCheck, error) {
	tx.s.checks.Add(1)
	return tx.Tx.CheckLedger(ctx)
}

// Hubs that share a database share their checks: a hub (or one that just
// started) gives the check another hub ran while it is young enough,
// without running its own, and the newer of its own and the kept one, with
// every finding.
func TestLatestCheckIsSharedByHubs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		a := newLedger(t, db)
		a.mustPost(t, transfer("fund", wallet.TestPayments, bob, 500))
		first, err := a.svc.LatestCheck(ctx, 0)
		if err != nil || !first.OK() {
			t.Fatalf("hub A's check: %+v %v", first, err)
		}
		storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob'`)
		defer storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:bob'`)
		bs := &countingStore{Store: db.Wallet()}
		b := wallet.NewService(bs, storetest.Logger(t))
		kept, err := b.LatestCheck(ctx, time.Hour)
		if err != nil || !kept.OK() || !kept.At.Equal(first.At) || kept.Transactions != first.Transactions {
			t.Fatalf("hub B asked for a check within the hour: %+v %v, want hub A's (%v)", kept, err, first.At)
		}
		if n := bs.checks.Load(); n != 0 {
			t.Fatalf("hub B ran %d checks, want none: hub A's was young enough", n)
		}
		found, err := b.LatestCheck(ctx, 0)
		if err != nil || found.OK() || len(found.Mismatches) != 1 || bs.checks.Load() != 1 {
			t.Fatalf("hub B's own check: %+v %v (%d run)", found, err, bs.checks.Load())
		}
		latest, err := a.svc.LatestCheck(ctx, time.Hour)
		if err != nil || !latest.At.Equal(found.At) || latest.OK() || len(latest.Mismatches) != 1 ||
			latest.Mismatches[0] != found.Mismatches[0] {
			t.Fatalf("hub A asked for a check within the hour after hub B's: %+v %v, want hub B's %+v", latest, err, found)
		}
	})
}

// A hub's background check is not run when another hub sharing the
// database ran one within the interval.
func TestRunChecksLeavesACheckAnotherHubRan(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	a := newLedger(t, db)
	a.mustPost(t, transfer("fund", wallet.TestPayments, bob, 500))
	first, err := a.svc.LatestCheck(context.Background(), 0)
	if err != nil || !first.OK() {
		t.Fatalf("hub A's check: %+v %v", first, err)
	}
	storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob'`)
	msgs := make(chan string, 16)
	bs := &countingStore{Store: db.Wallet()}
	b := wallet.NewService(bs, slog.New(recordHandler{msgs: msgs}))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); b.RunChecks(ctx, time.Hour) }()
	defer func() { cancel(); <-stopped }()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case m := <-msgs:
			switch m {
			case "ledger check recent enough":
				if n := bs.checks.Load(); n != 0 {
					t.Fatalf("hub B ran %d checks, want none", n)
				}
				return
			case "ledger check failed", "ledger check did not run":
				t.Fatalf("hub B logged %q: it ran a check where hub A's was young enough", m)
			}
		case <-deadline:
			t.Fatal("hub B logged nothing about its first background check")
		}
	}
}

// A hub alone runs its background check at every tick: its own last check
// never stands for the next one, even when it started long after its tick
// (here 150 ms of a 200 ms interval: its first read is slow, as on a busy
// machine), so it never logs a check as recent enough.
func TestRunChecksRunsAtEveryTick(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	newLedger(t, db)
	msgs := make(chan string, 64)
	s := &countingStore{Store: db.Wallet(), firstDelay: 150 * time.Millisecond}
	svc := wallet.NewService(s, slog.New(recordHandler{msgs: msgs}))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); svc.RunChecks(ctx, 200*time.Millisecond) }()
	defer func() { cancel(); <-stopped }()
	tookOwn := 0
	testutil.Eventually(t, 30*time.Second, "4 background checks at a 200 ms interval", func() bool {
		for {
			select {
			case m := <-msgs:
				if m == "ledger check recent enough" {
					tookOwn++
				}
			default:
				return tookOwn > 0 || s.checks.Load() >= 4
			}
		}
	})
	if tookOwn > 0 {
		t.Fatalf("a lone hub took its own check as recent enough (%d times in %d checks)", tookOwn, s.checks.Load())
	}
}

// refusingStore refuses to keep a check.
type refusingStore struct{ wallet.Store }

type refusingTx struct{ wallet.Tx }

func (s refusingStore) InTx(ctx context.Context, fn func(tx wallet.Tx) error) error {
	return s.Store.InTx(ctx, func(tx wallet.Tx) error { return fn(refusingTx{Tx: tx}) })
}

func (refusingTx) SaveCheck(context.Context, wallet.CheckedAt) error {
	return errors.New("disk full")
}

// A check that cannot be kept is still its caller's answer and the hub's
// latest, and the failure reaches the log.
func TestACheckThatCannotBeKeptIsStillGiven(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	newLedger(t, db)
	msgs := make(chan string, 16)
	svc := wallet.NewService(refusingStore{Store: db.Wallet()}, slog.New(recordHandler{msgs: msgs}))
	c, err := svc.LatestCheck(context.Background(), 0)
	if err != nil || !c.OK() || c.At.IsZero() {
		t.Fatalf("a check that could not be kept: %+v %v", c, err)
	}
	if again, err := svc.LatestCheck(context.Background(), time.Hour); err != nil || !again.At.Equal(c.At) {
		t.Fatalf("the hub's latest check after one that could not be kept: %+v %v, want the one it ran (%v)", again, err, c.At)
	}
	for {
		select {
		case m := <-msgs:
			if m == "ledger check not kept" {
				return
			}
		default:
			t.Fatal("no log line says the check was not kept")
		}
	}
}

// finds is a reconciliation that reports what it is given.
type finds []wallet.Discrepancy

func (f finds) Reconcile(context.Context) ([]wallet.Discrepancy, error) { return f, nil }

// A check kept by a hub that ran fewer reconciliations (an older release,
// during a rolling upgrade) does not stand for the check of a hub that
// registers more: asked for the latest, that hub runs its own, and a
// discrepancy its reconciliation finds fails the check.
func TestLatestCheckRunsTheReconciliationsAKeptOneLacked(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		older := newLedger(t, db)
		kept, err := older.svc.LatestCheck(ctx, 0)
		if err != nil || !kept.OK() || len(kept.Reconciled) != 0 {
			t.Fatalf("the older hub's check: %+v %v", kept, err)
		}
		newer := wallet.NewService(db.Wallet(), storetest.Logger(t))
		newer.RegisterReconciler("vouchers", finds{{Source: "vouchers", Account: "campaign:c:held", Balance: 1, Expected: 0, Basis: "claimed_less_spent"}})
		got, err := newer.LatestCheck(ctx, time.Hour)
		if err != nil || got.At.Equal(kept.At) || got.OK() || len(got.Discrepancies) != 1 || !slices.Equal(got.Reconciled, []string{"vouchers"}) {
			t.Fatalf("the newer hub's latest check: %+v %v (the kept one at %v)", got, err, kept.At)
		}
		// Its own check, kept, now stands for both.
		if again, err := older.svc.LatestCheck(ctx, time.Hour); err != nil || !again.At.Equal(got.At) {
			t.Fatalf("the older hub's latest: %+v %v", again, err)
		}
	})
}

// fails is a reconciliation whose database read fails.
type fails struct{}

func (fails) Reconcile(context.Context) ([]wallet.Discrepancy, error) {
	return nil, errors.New("statement timeout")
}

// A reconciliation that cannot run fails the check, which still reports
// the ledger's own findings and the other reconciliations'.
func TestCheckReportsAReconciliationThatCouldNotRun(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, bob, 500))
		l.svc.RegisterReconciler("broken", fails{})
		l.svc.RegisterReconciler("vouchers", finds{{Source: "vouchers", Account: "campaign:c:held", Balance: 1, Basis: "claimed_less_spent"}})
		storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob'`)
		defer storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:bob'`)
		c, err := l.svc.Check(ctx)
		if err != nil || c.OK() || len(c.Mismatches) != 1 || len(c.Discrepancies) != 1 ||
			!slices.Equal(c.Reconciled, []string{"vouchers"}) || !slices.Equal(c.Unreconciled, []string{"broken"}) {
			t.Fatalf("check: %+v %v", c, err)
		}
	})
}
