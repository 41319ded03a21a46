package wallet_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

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
		mustRawSQL(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob'`)
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
		mustRawSQL(t, db, `UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:bob'`)
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
	mustRawSQL(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob'`)
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
