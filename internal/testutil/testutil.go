// Package testutil holds the one copy of the small helpers many packages'
// tests share: waiting for a condition, checking an error's code, a free
// port, a buffer goroutines write to. It is imported by tests and their
// helper packages (mqtttest, tlstest, ...) only; no package the hub runs
// may import it.
package testutil

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
)

// MinWait is the least time Eventually and Receive wait for their event.
// Their deadlines only decide how long a test that is failing anyway takes
// to say so; a deadline of a few seconds, chosen on a quiet machine, failed
// tests on a loaded one (the whole suite under the race detector on two
// cores) where the event came, late.
const MinWait = 30 * time.Second

// Eventually checks cond until it holds and fails tb if it still does not
// after within. It looks again after 5 ms, then backs off to every 100 ms, so
// a quick condition costs little and a slow one (an HTTP call, a query) is
// not hammered. Use it to wait for an event the test cannot be told about;
// to prove that something does not happen, wait for a later event instead.
// within is raised to MinWait: see there.
func Eventually(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	within = max(within, MinWait)
	deadline := time.Now().Add(within)
	pause := 5 * time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// Receive is the next value from ch, or fails tb when none comes within
// the time given: for a test told of an event on a channel, so that a lost
// event fails the test instead of hanging it.
// within is raised to MinWait, as Eventually's.
func Receive[T any](tb testing.TB, within time.Duration, what string, ch <-chan T) T {
	tb.Helper()
	within = max(within, MinWait)
	select {
	case v := <-ch:
		return v
	case <-time.After(within):
		tb.Fatalf("not within %s: %s", within, what)
		var zero T
		return zero
	}
}

// WantCode fails tb unless err carries code (a nil error carries none).
func WantCode(tb testing.TB, err error, code apperr.Code) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %s", code)
	}
	if got := apperr.CodeOf(err); got != code {
		tb.Fatalf("got %s (%v), want %s", got, err, code)
	}
}

// WantReason fails tb unless err carries code and reason.
func WantReason(tb testing.TB, err error, code apperr.Code, reason string) {
	tb.Helper()
	WantCode(tb, err, code)
	if got := apperr.ReasonOf(err); got != reason {
		tb.Fatalf("got %s/%q (%v), want %s/%q", code, got, err, code, reason)
	}
}

// FreeAddr is a 127.0.0.1 address whose port no one listened on a moment
// ago, for a server a test starts on a port it must know beforehand.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Buffer collects what goroutines write (a hub's logs, a child process's
// output) while the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
