package ticketing_test

import (
	"testing"
	"time"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A performance's created_at is the hub's time, to the microsecond as
// every record's, and so are sales opened at its creation (none given);
// the schedule an administrator gives is kept to the second. Both read
// back as answered, where the creation and its default opening were cut
// to the second.
func TestPerformanceRecordTimes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Comunale", 2)
		now := start.Add(123456 * time.Microsecond)
		f.clock.Set(now)
		p, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Tosca",
			StartsAt: start.Add(72*time.Hour + 500*time.Millisecond), Prices: map[string]int64{"stalls": 2500}})
		if err != nil {
			t.Fatal(err)
		}
		if !p.CreatedAt.Equal(now) || !p.SalesOpen.Equal(now) || !p.StartsAt.Equal(start.Add(72*time.Hour)) {
			t.Fatalf("created %v, sales open %v, starts %v; want %v, %v and %v", p.CreatedAt, p.SalesOpen, p.StartsAt, now, now, start.Add(72*time.Hour))
		}
		read, err := f.svc.Performance(f.ctx, p.ID)
		if err != nil || !read.CreatedAt.Equal(p.CreatedAt) || !read.SalesOpen.Equal(p.SalesOpen) {
			t.Fatalf("read back: %+v, %v; answered %+v", read, err, p)
		}
		// A change that leaves the opening of sales out keeps it as it was.
		read.Title, read.SalesOpen = "Tosca (Puccini)", time.Time{}
		changed, err := f.svc.UpdatePerformance(f.ctx, admin, read)
		if err != nil || !changed.SalesOpen.Equal(now) || !changed.CreatedAt.Equal(now) {
			t.Fatalf("after a change: %+v, %v", changed, err)
		}
		if read, err = f.svc.Performance(f.ctx, p.ID); err != nil || !read.SalesOpen.Equal(now) {
			t.Fatalf("read back after a change: %+v, %v", read, err)
		}
	})
}
