package feeds

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a time the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestSnapshotSharesOneComputation: readers who arrive while the value is
// being computed wait for that computation instead of each starting one,
// and a reader who gives up does not stop it for the others.
func TestSnapshotSharesOneComputation(t *testing.T) {
	var computed atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	s := newSnapshot(time.Minute, func(ctx context.Context) (int, error) {
		if computed.Add(1) == 1 {
			close(started)
		}
		<-release
		return 42, ctx.Err()
	})
	const readers = 16
	var wg sync.WaitGroup
	got := make([]int, readers)
	errs := make([]error, readers)
	wg.Go(func() { got[0], _, errs[0] = s.get(context.Background()) })
	<-started
	for i := 1; i < readers; i++ {
		wg.Go(func() { got[i], _, errs[i] = s.get(context.Background()) })
	}
	// One more reader gives up while it waits.
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	go func() { _, _, err := s.get(ctx); gaveUp <- err }()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("a reader that gave up: %v", err)
	}
	// The computation ends once every reader waits on it.
	waitFor(t, func() bool { return s.waiting() == readers })
	close(release)
	wg.Wait()
	for i := range readers {
		if errs[i] != nil || got[i] != 42 {
			t.Fatalf("reader %d: %d, %v", i, got[i], errs[i])
		}
	}
	if n := computed.Load(); n != 1 {
		t.Fatalf("%d readers computed the value %d times, want once", readers, n)
	}
}

// TestSnapshotIsKeptForItsMaxAge: within maxAge the kept value is given
// without computing; after it, a new one is computed; a failure is not
// kept.
func TestSnapshotIsKeptForItsMaxAge(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	var computed atomic.Int32
	fail := errors.New("database down")
	var failNext atomic.Bool
	s := newSnapshot(time.Minute, func(context.Context) (int32, error) {
		if failNext.Swap(false) {
			return 0, fail
		}
		return computed.Add(1), nil
	})
	s.now = c.now
	ctx := context.Background()
	read := func(want int32, wantAt time.Time) {
		t.Helper()
		v, at, err := s.get(ctx)
		if err != nil || v != want || !at.Equal(wantAt) {
			t.Fatalf("got %d computed at %v (%v), want %d computed at %v", v, at, err, want, wantAt)
		}
	}
	first := c.now()
	read(1, first)
	c.add(59 * time.Second)
	read(1, first)
	c.add(time.Second)
	second := c.now()
	read(2, second)

	c.add(time.Minute)
	failNext.Store(true)
	if _, _, err := s.get(ctx); !errors.Is(err, fail) {
		t.Fatalf("a failed computation: %v", err)
	}
	read(3, c.now())
}

func TestCacheHeadersGiveTheTimeLeft(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		after time.Duration
		want  string
	}{{0, "public, max-age=60"}, {45 * time.Second, "public, max-age=15"}, {2 * time.Minute, "public, max-age=0"}} {
		s := newSnapshot(time.Minute, func(context.Context) (int, error) { return 0, nil })
		s.now = func() time.Time { return at.Add(tc.after) }
		h := http.Header{}
		s.setCacheHeaders(h, at)
		if got := h.Get("Cache-Control"); got != tc.want {
			t.Errorf("%v after: Cache-Control %q, want %q", tc.after, got, tc.want)
		}
		if got := h.Get("Last-Modified"); got != "Tue, 01 Dec 2026 10:00:00 GMT" {
			t.Errorf("Last-Modified %q", got)
		}
	}
}

// waitFor polls cond until it holds, or fails the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
