package ticketing_test

import (
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// An administrator's edit of a performance that is being cancelled: the
// edit waits for the cancellation and is refused (performance_cancelled).
// It used to read the performance before the cancellation committed and
// then write its status back, putting a cancelled performance, its orders
// refunded and its buyers told, on sale again.
func TestEditWhileCancellingPerformance(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t) // SQLite's one writer orders the two whole
	f := newFixture(t, db)
	v := f.venue("Teatro Romano", 2)
	p := f.performance(v.ID)
	ps := &pausingStore{Store: db.Ticketing(), read: make(chan struct{}), proceed: make(chan struct{}), atPerformance: true}
	canceller := ticketing.NewService(ps, f.keys, storetest.Logger(t))
	canceller.SetClock(f.clock.Now)
	cancelled := make(chan error, 1)
	go func() {
		_, err := canceller.CancelPerformance(f.ctx, admin, p.ID)
		cancelled <- err
	}()
	select {
	case <-ps.read:
	case err := <-cancelled:
		t.Fatalf("the cancellation ended before it locked the performance: %v", err)
	}
	edited := make(chan error, 1)
	go func() {
		edit := p
		edit.Title = "La locandiera (nuova data)"
		edit.StartsAt = p.StartsAt.Add(time.Hour)
		edit.DoorsOpen, edit.EndsAt, edit.SalesClose = time.Time{}, time.Time{}, time.Time{}
		_, err := f.svc.UpdatePerformance(f.ctx, admin, edit)
		edited <- err
	}()
	editErr, done := waitBlocked(t, db, "%ticket_performances%", edited)
	close(ps.proceed)
	if err := <-cancelled; err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if !done {
		editErr = <-edited
	}
	if apperr.ReasonOf(editErr) != "performance_cancelled" {
		t.Fatalf("edit during the cancellation: %v, want performance_cancelled", editErr)
	}
	got, err := f.svc.Performance(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ticketing.PerformanceCancelled {
		t.Fatalf("the performance is %s after the edit, want cancelled", got.Status)
	}
}
