package participation_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail"
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
	t.Parallel()
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
		status := 0
		for _, m := range f.outbox(t) {
			if m.Kind == mail.KindReportStatus {
				status++
			}
		}
		if len(v.Changes) != 2 || status != 1 {
			t.Fatalf("%d changes and %d e-mails of a status, want 2 and 1", len(v.Changes), status)
		}
	})
}

// Two reports merged into each other at once: the locks are taken in id
// order, so there is no deadlock, and exactly one merge wins (the other
// finds its target closed, or itself merged).
func TestCrossedMergesOnce(t *testing.T) {
	t.Parallel()
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
		q, err := f.svc.Queue(ctx, roads, "roads", "", 0)
		if err != nil || len(q) != 1 {
			t.Fatalf("queue after crossed merges %+v, %v", q, err)
		}
	})
}

// One citizen flagging a comment 32 times at once counts one flag.
func TestConcurrentFlagsOnce(t *testing.T) {
	t.Parallel()
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
		flagged, err := f.svc.FlaggedComments(ctx, admin, "", 0)
		if err != nil || len(flagged) != 1 || flagged[0].FlagCount != 1 {
			t.Fatalf("flagged %+v, %v", flagged, err)
		}
	})
}

// Supports racing the city's answer: once the answer commits, no support
// is added after it. Every support either counted before the answer (and
// the answer saw it) or was told the proposal is answered; the count the
// answer locked is the final count, and so is the number of support rows.
func TestSupportsStopAtTheAnswer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for round := range 4 {
			p := proposal(t, f, anna, 0)
			var answered participation.PublicProposal
			i := 0
			var mu sync.Mutex
			ok, errs := race(49, func() error {
				mu.Lock()
				n := i
				i++
				mu.Unlock()
				if n == 24 {
					a, err := f.svc.Answer(ctx, admin, p.ID, "We will add twenty benches.")
					answered = a
					return err
				}
				c := identity.Caller{AccountID: fmt.Sprintf("acc_supporter_%d_%d", round, n), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
				_, added, err := f.svc.Support(ctx, c, p.ID)
				if err == nil && !added {
					return fmt.Errorf("a first support was not added")
				}
				return err
			})
			for _, err := range errs {
				wantCode(t, "a support after the answer", err, apperr.Conflict, "proposal_answered")
			}
			got, err := f.svc.Proposal(ctx, p.ID)
			must(t, err)
			var rows int
			must(t, db.Participation().View(ctx, func(tx participation.Tx) error {
				rows, err = tx.CountSupports(ctx, p.ID)
				return err
			}))
			if answered.Answer == "" || ok-1 != answered.SupportCount || got.SupportCount != answered.SupportCount || rows != answered.SupportCount {
				t.Fatalf("round %d: the answer saw %d supports; %d supports succeeded, the proposal counts %d, %d rows",
					round, answered.SupportCount, ok-1, got.SupportCount, rows)
			}
		}
	})
}
