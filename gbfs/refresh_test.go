package gbfs

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
)

// TestLastUpdatedAndETag: last_updated moves only when a feed's data
// changes; unchanged feeds keep their ETag; ttl is the refresh period.
func TestLastUpdatedAndETag(t *testing.T) {
	var mu sync.Mutex
	snap := sampleSnapshot()
	cfg := testConfig()
	cfg.Refresh = 30 * time.Second
	f, err := New(SourceFunc(func(context.Context) (Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		return snap, nil
	}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	first := map[string]*Body{}
	for _, name := range FeedNames {
		first[name], _ = f.Feed(ctx, name)
	}
	if env := decode[any](t, first[FeedStationStatus].JSON); env.TTL != 30 || env.LastUpdated != "2026-05-04T11:30:00+02:00" {
		t.Fatalf("ttl %d last_updated %s", env.TTL, env.LastUpdated)
	}
	if age := first[FeedStationStatus].MaxAge(t0.Add(20 * time.Second)); age != 10 {
		t.Errorf("max age 20 s after rendering = %d, want 10", age)
	}

	mu.Lock()
	snap.At = t0.Add(30 * time.Second)
	snap.Stations[0].LastReported = t0.Add(25 * time.Second)
	snap.Stations[0].Docks[2].BikeID = "b7" // b7's ride ends at piazza-roma dock 3
	snap.Vehicles[6].OnRide, snap.Vehicles[6].Trip = false, "1"
	mu.Unlock()
	if err := f.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range FeedNames {
		now, _ := f.Feed(ctx, name)
		changed := name == FeedStationStatus || name == FeedVehicleStatus
		if changed {
			if now.ETag == first[name].ETag || !now.LastUpdated.Equal(t0.Add(30*time.Second)) {
				t.Errorf("%s changed but kept etag %s / last_updated %s", name, now.ETag, now.LastUpdated)
			}
		} else if now.ETag != first[name].ETag || !now.LastUpdated.Equal(t0) {
			t.Errorf("%s did not change but got etag %s / last_updated %s", name, now.ETag, now.LastUpdated)
		}
	}
}

// A change that takes a row away (an unlock that failed, a station reset)
// can leave the newest change time of the rows left older than the one
// served: last_updated moves on all the same, a second past it, and stays
// there while the data does not change again.
func TestLastUpdatedNeverGoesBack(t *testing.T) {
	var mu sync.Mutex
	snap := sampleSnapshot()
	snap.ChangedAt = t0.Add(30 * time.Second)
	f, err := New(SourceFunc(func(context.Context) (Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		return snap, nil
	}), testConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	refresh := func() *Body {
		t.Helper()
		if err := f.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		b, err := f.Feed(ctx, FeedStationStatus)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := refresh()
	mu.Lock()
	snap.Stations[0].Docks[2].BikeID = "b7"
	snap.ChangedAt = t0.Add(10 * time.Second) // the newest row left
	mu.Unlock()
	second := refresh()
	if want := t0.Add(31 * time.Second); !second.LastUpdated.Equal(want) || second.ETag == first.ETag {
		t.Fatalf("after a change whose rows are older: last_updated %s (want %s), etag %s (was %s)", second.LastUpdated, want, second.ETag, first.ETag)
	}
	if third := refresh(); !third.LastUpdated.Equal(second.LastUpdated) || third.ETag != second.ETag {
		t.Fatalf("the same data again: last_updated %s, etag %s; want %s, %s", third.LastUpdated, third.ETag, second.LastUpdated, second.ETag)
	}
}

// TestSourceFailure: with nothing rendered a failing source makes Feed
// Unavailable; once rendered, a failure keeps the old bodies.
func TestSourceFailure(t *testing.T) {
	var mu sync.Mutex
	fail := true
	calls := 0
	now := t0
	cfg := testConfig()
	cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f, err := New(SourceFunc(func(context.Context) (Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if fail {
			return Snapshot{}, errors.New("database down")
		}
		return Snapshot{At: now}, nil
	}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := f.Feed(ctx, FeedStationStatus); !apperr.Has(err, apperr.Unavailable) {
			t.Fatalf("err = %v, want unavailable", err)
		}
	}
	if calls != 1 {
		t.Errorf("a failing source was asked %d times within a second", calls)
	}
	mu.Lock()
	fail, now = false, now.Add(2*time.Second)
	mu.Unlock()
	b, err := f.Feed(ctx, FeedStationStatus)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Feed(ctx, "free_bike_status"); !apperr.Has(err, apperr.NotFound) {
		t.Errorf("unknown feed: %v", err)
	}
	mu.Lock()
	fail, now = true, now.Add(time.Hour)
	mu.Unlock()
	old, err := f.Feed(ctx, FeedStationStatus)
	if err != nil || old != b {
		t.Errorf("after a failed refresh: %v, same body %v", err, old == b)
	}
}

// TestConcurrentReadsDuringRefresh races readers against refreshes.
func TestConcurrentReadsDuringRefresh(t *testing.T) {
	f, err := New(staticSource(sampleSnapshot()), testConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 4 {
		wg.Go(func() {
			for range 20 {
				if err := f.Refresh(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				b, err := f.Feed(ctx, FeedNames[i%len(FeedNames)])
				if err != nil {
					errs <- err
					return
				}
				if len(b.JSON) == 0 || b.ETag == "" {
					errs <- errors.New("empty body")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRunRefreshes: Run renders at once and then every ttl, not more often.
func TestRunRefreshes(t *testing.T) {
	const ttl = time.Second // the shortest: a feed's ttl is whole seconds
	reads := make(chan time.Time, 10)
	cfg := testConfig()
	cfg.Now = nil
	cfg.Refresh = ttl
	f, err := New(SourceFunc(func(context.Context) (Snapshot, error) {
		reads <- time.Now()
		return Snapshot{At: time.Now()}, nil
	}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	start := time.Now()
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}()
	read := func(what string) time.Time {
		t.Helper()
		return testutil.Receive(t, 10*time.Second, what+" read of the source", reads)
	}
	// The first read comes before the first tick could, the second a ttl
	// later (the loop allows half a tick of slack), not sooner.
	first := read("first")
	if d := first.Sub(start); d >= ttl {
		t.Errorf("the first read came %s after Run started, not at once", d)
	}
	if gap := read("second").Sub(first); gap < ttl/2 {
		t.Errorf("the second read came %s after the first, with a %s ttl", gap, ttl)
	}
}

type versionedSource struct {
	mu      sync.Mutex
	version int64
	calls   int
	looks   int // Version calls: the loop looking for a change
	snap    Snapshot
}

func (v *versionedSource) GBFSSnapshot(context.Context) (Snapshot, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls++
	return v.snap, nil
}

func (v *versionedSource) Version() int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.looks++
	return v.version
}

// TestRunRefreshesOnChange: with a Versioned source, a change is published
// within MinRefresh instead of the ttl, and nothing is read while nothing
// changes.
func TestRunRefreshesOnChange(t *testing.T) {
	src := &versionedSource{snap: sampleSnapshot()}
	cfg := testConfig()
	cfg.Now = nil
	cfg.Refresh = time.Hour
	cfg.MinRefresh = 20 * time.Millisecond
	f, err := New(src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	calls := func() int { src.mu.Lock(); defer src.mu.Unlock(); return src.calls }
	looks := func() int { src.mu.Lock(); defer src.mu.Unlock(); return src.looks }
	testutil.Eventually(t, 5*time.Second, "first rendering", func() bool { return calls() == 1 })
	// The loop asks for the version at every tick: five asks that found
	// no change must not have read the source.
	seen := looks()
	testutil.Eventually(t, 5*time.Second, "five looks for a change", func() bool { return looks() >= seen+5 })
	if n := calls(); n != 1 {
		t.Fatalf("read %d times without a change", n)
	}
	first, _ := f.Feed(ctx, FeedStationStatus)

	src.mu.Lock()
	src.snap.At = t0.Add(time.Minute)
	src.snap.Stations[0].Open = false
	src.version++
	src.mu.Unlock()
	testutil.Eventually(t, 5*time.Second, "the change", func() bool {
		b, _ := f.Feed(ctx, FeedStationStatus)
		return b.ETag != first.ETag
	})
	if n := calls(); n > 3 {
		t.Errorf("read %d times for one change", n)
	}
}

// Issue 9: replicas behind one load balancer rendered the same data with
// their own render times, so a client saw last_updated and the ETag jump
// back and forth. Both come from the data's change times now: two hubs
// rendering the same data at different moments serve the same bytes.
func TestReplicasServeTheSameETagAndLastUpdated(t *testing.T) {
	ctx := context.Background()
	render := func(at time.Time) map[string]*Body {
		snap := sampleSnapshot()
		snap.At = at
		snap.ChangedAt, snap.CatalogueChangedAt = t0.Add(-10*time.Second), t0.Add(-time.Hour)
		cfg := testConfig()
		cfg.Now = func() time.Time { return at }
		f, err := New(SourceFunc(func(context.Context) (Snapshot, error) { return snap, nil }), cfg)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*Body{}
		for _, name := range FeedNames {
			if out[name], err = f.Feed(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	a, b := render(t0), render(t0.Add(7*time.Second))
	for _, name := range FeedNames {
		if a[name].ETag != b[name].ETag || !a[name].LastUpdated.Equal(b[name].LastUpdated) || !bytes.Equal(a[name].JSON, b[name].JSON) {
			t.Errorf("%s: replica A etag %s last_updated %s, replica B etag %s last_updated %s", name,
				a[name].ETag, a[name].LastUpdated, b[name].ETag, b[name].LastUpdated)
		}
	}
	if want := t0.Add(-10 * time.Second); !a[FeedStationStatus].LastUpdated.Equal(want) {
		t.Errorf("station_status last_updated %s, want the data's change time %s", a[FeedStationStatus].LastUpdated, want)
	}
	if want := t0.Add(-time.Hour); !a[FeedSystemInformation].LastUpdated.Equal(want) {
		t.Errorf("system_information last_updated %s, want the catalogue's change time %s", a[FeedSystemInformation].LastUpdated, want)
	}
}
