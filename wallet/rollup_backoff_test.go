package wallet

import (
	"cityhub/internal/testutil"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The wait between failing roll-ups doubles up to its bound.
func TestRollUpWait(t *testing.T) {
	every := 250 * time.Millisecond
	for fails, want := range []time.Duration{every, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, rollUpMaxWait, rollUpMaxWait} {
		if got := rollUpWait(every, fails); got != want {
			t.Errorf("after %d failures: %s, want %s", fails, got, want)
		}
	}
	if got := rollUpWait(every, 1_000_000); got != rollUpMaxWait {
		t.Errorf("after many failures: %s", got)
	}
}

// downStore is a ledger store whose database is away until up is set.
type downStore struct {
	up    atomic.Bool
	calls chan struct{}
}

func (s *downStore) InTx(ctx context.Context, fn func(tx Tx) error) error {
	defer func() { s.calls <- struct{}{} }()
	if !s.up.Load() {
		return errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	}
	return nil
}

func (s *downStore) View(ctx context.Context, fn func(tx Tx) error) error { return s.InTx(ctx, fn) }

// While the database is away the roll-up is tried less and less often and
// logged once (not four times a second), and its return is logged.
func TestRollUpBacksOffWhileTheDatabaseIsAway(t *testing.T) {
	st := &downStore{calls: make(chan struct{}, 100)}
	var logs testutil.Buffer
	s := NewService(st, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.RunRollUp(ctx, time.Millisecond) }()
	defer func() { cancel(); <-done }()
	start := time.Now()
	for range 6 {
		<-st.calls
	}
	// Six tries at 1, 2, 4, 8 and 16 ms apart: at least 31 ms, where
	// tries every millisecond would have taken five.
	if took := time.Since(start); took < 31*time.Millisecond {
		t.Errorf("six failing roll-ups in %s: no backing off", took)
	}
	if n := strings.Count(logs.String(), "ledger roll-up failed"); n != 1 {
		t.Errorf("%d error lines for one outage, want 1:\n%s", n, logs.String())
	}
	st.up.Store(true)
	for !strings.Contains(logs.String(), "ledger roll-up works again") {
		<-st.calls
	}
}
