package ticketing_test

import (
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// The sales report of a period lists the performances that start in it or
// later, soonest first, each with its live tickets and its venue's seats;
// the ones before it are left out. Only an administrator sees it.
func TestSalesFrom(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		first := f.performance(v.ID)
		later, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Filumena Marturano",
			StartsAt: first.StartsAt.Add(10 * 24 * time.Hour), Prices: map[string]int64{"stalls": 2500, "balcony": 1500},
			SalesOpen: start.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		f.credit(100_00, citizen(1), citizen(2))
		f.buy(citizen(1), first.ID, "Platea/A/1", "Platea/B/1")
		f.buy(citizen(2), later.ID, "Platea/B/2")
		all, err := f.svc.SalesFrom(f.ctx, admin, start)
		if err != nil || len(all) != 2 {
			t.Fatalf("sales from the start: %+v %v", all, err)
		}
		if p, s := all[0].Performance, all[0].Sales; p.ID != first.ID || s.Sold != 2 || s.RevenueCents != 4000 || s.Seats != 4 || s.PerformanceID != first.ID {
			t.Errorf("the first performance's sales: %+v %+v", p, s)
		}
		if p, s := all[1].Performance, all[1].Sales; p.ID != later.ID || s.Sold != 1 || s.RevenueCents != 1500 || s.Seats != 4 {
			t.Errorf("the later performance's sales: %+v %+v", p, s)
		}
		if st, err := f.svc.Stats(f.ctx, admin, later.ID); err != nil || st != all[1].Sales {
			t.Errorf("the later performance's own stats %+v %v, want those of the report %+v", st, err, all[1].Sales)
		}
		since, err := f.svc.SalesFrom(f.ctx, admin, first.StartsAt.Add(time.Hour))
		if err != nil || len(since) != 1 || since[0].Performance.ID != later.ID {
			t.Fatalf("sales from after the first performance: %+v %v", since, err)
		}
		if _, err := f.svc.SalesFrom(f.ctx, citizen(1), start); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen's sales report: %v", err)
		}
	})
}
