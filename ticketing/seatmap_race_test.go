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
// two take turns on the venue. Here the scheduling has read the venue's
// seats when the map is replaced; the replacement must wait for the venue
// until the performance is scheduled, and is then refused
// (seat_map_in_use). Without the lock the map changed between the
// scheduling's read and its write, and the performance was priced on
// seats that no longer exist. (PostgreSQL: the embedded engine writes one
// transaction at a time.)
func TestSeatMapAndSchedulingTakeTurns(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	v := f.venue("Teatro Romano", 2)
	boxes := ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Palchi", Rows: []ticketing.SeatRow{{Name: "P", From: 1, To: 4, Category: "boxes"}}}}}

	var mapErr error
	mapDone := make(chan struct{}) // closed when the replacement ended
	mapEarly := false
	var once sync.Once
	store := hookedStore{Store: db.Ticketing(), seatsRead: func(venueID string) {
		if venueID != v.ID {
			return
		}
		// Once: a scheduling tried again reads again.
		once.Do(func() {
			go func() {
				_, mapErr = f.svc.SetSeatMap(f.ctx, admin, v.ID, boxes)
				close(mapDone)
			}()
			t.Cleanup(func() { <-mapDone }) // the replacement ends before the test does
			mapEarly = endsOrWaitsForARow(t, f, db, "ticket_venues", mapDone)
		})
	}}
	scheduling := ticketing.NewService(store, f.keys, storetest.Logger(t))
	scheduling.SetClock(f.clock.Now)
	p, err := scheduling.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "La locandiera",
		StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}})
	<-mapDone
	if mapEarly {
		t.Fatalf("the seat map was replaced while the scheduling held the venue (map: %v; performance: %v)", mapErr, err)
	}
	if err != nil {
		t.Fatalf("scheduling on the map it read: %v", err)
	}
	if apperr.ReasonOf(mapErr) != "seat_map_in_use" {
		t.Fatalf("the seat map replaced once %s was scheduled: %v", p.ID, mapErr)
	}
	seats, err := f.svc.Seats(f.ctx, v.ID)
	if err != nil || len(seats) == 0 {
		t.Fatalf("the venue's seats after it: %+v, %v", seats, err)
	}
	for _, st := range seats {
		if st.Category == "boxes" {
			t.Fatalf("the venue's seats after it are the refused map's: %+v", seats)
		}
	}
}
