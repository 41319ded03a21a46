package ticketing_test

import (
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// SeatCounts counts each performance's free and held seats from its own
// claims, all read at once: a hold on one performance and a sale on
// another, in two venues, each counted where it belongs; a performance
// with none is all free, and no performance is no read.
func TestSeatCountsOfSeveralPerformances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		small, big := f.venue("Teatro Piccolo", 2), f.venue("Teatro Grande", 3)
		held, sold, empty := f.performance(small.ID), f.performance(big.ID), f.performance(big.ID)
		if _, err := f.svc.Hold(f.ctx, citizen(1), held.ID, []string{"Platea/A/1"}); err != nil {
			t.Fatal(err)
		}
		f.credit(10000, citizen(2))
		o, err := f.svc.Hold(f.ctx, citizen(2), sold.ID, []string{"Platea/A/1", "Platea/B/2"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.PayWithWallet(f.ctx, citizen(2), o.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.SeatCounts(f.ctx, []ticketing.Performance{held, sold, empty})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]ticketing.SeatCount{held.ID: {Free: 3, Held: 1}, sold.ID: {Free: 4}, empty.ID: {Free: 6}}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("performance %s: %+v, want %+v", id, got[id], w)
			}
		}
		if none, err := f.svc.SeatCounts(f.ctx, nil); err != nil || len(none) != 0 {
			t.Fatalf("no performance: %v, %v", none, err)
		}
	})
}
