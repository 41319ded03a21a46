package ticketing_test

import (
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A venue's seat map replaced while a performance is scheduled there: the
// two take turns on the venue, so either the performance is scheduled on
// the old map and the new one is refused (seat_map_in_use), or the map
// changes first and the performance's prices name a category it no longer
// has (unknown_category). Never both: a performance priced on seats that
// no longer exist. (PostgreSQL: the embedded engine writes one
// transaction at a time.)
func TestSeatMapAndSchedulingTakeTurns(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	boxes := ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Palchi", Rows: []ticketing.SeatRow{{Name: "P", From: 1, To: 4, Category: "boxes"}}}}}
	for round := range 20 {
		v := f.venue("Teatro Romano", 2)
		var mapErr, perfErr error
		var wg sync.WaitGroup
		release := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-release
			_, mapErr = f.svc.SetSeatMap(f.ctx, admin, v.ID, boxes)
		}()
		go func() {
			defer wg.Done()
			<-release
			_, perfErr = f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "La locandiera",
				StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}})
		}()
		close(release)
		wg.Wait()
		switch {
		case mapErr == nil && perfErr == nil:
			t.Fatalf("round %d: the seat map changed and a performance was priced on the old one", round)
		case mapErr == nil && apperr.ReasonOf(perfErr) != "unknown_category":
			t.Fatalf("round %d: the map changed; the performance: %v", round, perfErr)
		case perfErr == nil && apperr.ReasonOf(mapErr) != "seat_map_in_use":
			t.Fatalf("round %d: the performance was scheduled; the map: %v", round, mapErr)
		}
	}
}
