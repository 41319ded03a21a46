package main

import (
	"sync"
	"testing"
	"time"
)

// stuckWriter is a standard error whose reader stopped reading (a full
// pipe): every write waits until the test lets it go.
type stuckWriter struct {
	release chan struct{}
	once    sync.Once
}

func (s *stuckWriter) Write(p []byte) (int, error) {
	<-s.release
	return len(p), nil
}

func (s *stuckWriter) free() { s.once.Do(func() { close(s.release) }) }

// A command that fails exits with its status even when nobody reads the
// log any more: the exit waits for the log to be written out at most
// exitLogWait, then goes on without it.
func TestExitDoesNotWaitForAStuckLog(t *testing.T) {
	t.Parallel()
	stderr := &stuckWriter{release: make(chan struct{})}
	t.Cleanup(stderr.free)
	exited := make(chan int, 1)
	start := time.Now()
	go runMain([]string{"cityhub", "no-such-command"}, func(string) string { return "" }, discard{}, stderr, func(code int) { exited <- code })
	select {
	case code := <-exited:
		if code != 1 {
			t.Fatalf("exit status %d, want 1", code)
		}
		if waited := time.Since(start); waited < exitLogWait/2 {
			t.Fatalf("exited after %v: the log was not waited for", waited)
		}
	case <-time.After(exitLogWait + 20*time.Second):
		t.Fatal("the exit waits for a log nobody reads")
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
