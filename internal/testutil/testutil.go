// Package testutil holds the one copy of the small helpers many packages'
// tests share: waiting for a condition, and checking an error's code. It is
// imported by _test.go files only; no package the hub runs may import it.
package testutil

import (
	"testing"
	"time"

	"cityhub/apperr"
)

// Eventually checks cond until it holds and fails tb if it still does not
// after within. It looks again after 5 ms, then backs off to every 100 ms, so
// a quick condition costs little and a slow one (an HTTP call, a query) is
// not hammered. Use it to wait for an event the test cannot be told about;
// to prove that something does not happen, wait for a later event instead.
func Eventually(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
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
