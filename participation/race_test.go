package participation_test

import (
	"context"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// race runs fn n times at once and returns how many succeeded and the
// errors of the others.
func race(n int, fn func() error) (int, []error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	ok, errs := 0, []error{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := fn()
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else {
				errs = append(errs, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return ok, errs
}

// Staff acknowledging one report at once: exactly one change is made,
// recorded and e-mailed; the others are told the status moved on.
func TestConcurrentStatusChangeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		r := f.report(t, anna, pothole(archLat, archLon))
		ok, errs := race(16, func() error {
			_, err := f.svc.ChangeStatus(ctx, roads, r.ID, participation.StatusAcknowledged, "Seen.")
			return err
		})
		if ok != 1 {
			t.Fatalf("%d acknowledgements succeeded, want 1 (errors %v)", ok, errs)
		}
		for _, err := range errs {
			wantCode(t, "a racing acknowledgement", err, apperr.Conflict, "bad_transition")
		}
		v, err := f.svc.Report(ctx, anna, r.ID)
		must(t, err)
		if len(v.Changes) != 2 || len(f.outbox(t)) != 1 {
			t.Fatalf("%d changes and %d e-mails, want 2 and 1", len(v.Changes), len(f.outbox(t)))
		}
	})
}

// Two reports merged into each other at once: the locks are taken in id
// order, so there is no deadlock, and exactly one merge wins (the other
// finds its target closed, or itself merged).
func TestCrossedMergesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := f.report(t, anna, pothole(archLat, archLon))
		b := f.report(t, bruno, pothole(nearArchLat, nearArchLon))
		var turn sync.Mutex
		i := 0
		ok, errs := race(16, func() error {
			turn.Lock()
			from, into := a.ID, b.ID
			if i%2 == 1 {
				from, into = into, from
			}
			i++
			turn.Unlock()
			_, err := f.svc.Merge(ctx, roads, from, into, "")
			return err
		})
		if ok != 1 {
			t.Fatalf("%d merges succeeded, want 1 (errors %v)", ok, errs)
		}
		for _, err := range errs {
			if !apperr.Has(err, apperr.Conflict) {
				t.Fatalf("a crossed merge failed with %v, want Conflict", err)
			}
		}
		q, err := f.svc.Queue(ctx, roads, "roads", 0)
		if err != nil || len(q) != 1 {
			t.Fatalf("queue after crossed merges %+v, %v", q, err)
		}
	})
}

// One citizen flagging a comment 32 times at once counts one flag.
func TestConcurrentFlagsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := proposal(t, f, anna, 0)
		c, err := f.svc.AddComment(ctx, bruno, p.ID, "Rude words")
		must(t, err)
		ok, errs := race(32, func() error { return f.svc.FlagComment(ctx, carla, c.ID, "rude") })
		if ok != 32 {
			t.Fatalf("flags failed: %v", errs)
		}
		flagged, err := f.svc.FlaggedComments(ctx, admin)
		if err != nil || len(flagged) != 1 || flagged[0].FlagCount != 1 {
			t.Fatalf("flagged %+v, %v", flagged, err)
		}
	})
}
