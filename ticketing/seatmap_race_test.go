package ticketing_test

import (
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store/postgres"
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

	scheduling, mapped := mapReplacedOnSeatsRead(t, f, db, v.ID, boxes)
	p, err := scheduling.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "La locandiera",
		StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}})
	mapEarly, mapErr := mapped()
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

// mapReplacedOnSeatsRead is a service on db whose transaction, once it
// has read venueID's seats, has the venue's seat map replaced by m from
// another (f's service), and goes on once that one has ended or waits for
// a lock on the venue's row. mapped, called when the service's call has
// returned, waits for the replacement to end and says whether it had
// ended before the service's transaction went on (early: it did not wait
// for the venue), and its error.
func mapReplacedOnSeatsRead(t *testing.T, f *fixture, db *postgres.DB, venueID string, m ticketing.SeatMap) (svc *ticketing.Service, mapped func() (early bool, err error)) {
	t.Helper()
	var mapErr error
	mapDone := make(chan struct{}) // closed when the replacement ended
	early := false
	var once sync.Once
	store := hookedStore{Store: db.Ticketing(), seatsRead: func(id string) {
		if id != venueID {
			return
		}
		// Once: a transaction tried again reads again.
		once.Do(func() {
			go func() {
				_, mapErr = f.svc.SetSeatMap(f.ctx, admin, venueID, m)
				close(mapDone)
			}()
			t.Cleanup(func() { <-mapDone }) // the replacement ends before the test does
			early = endsOrWaitsForARow(t, f, db, "ticket_venues", mapDone)
		})
	}}
	svc = ticketing.NewService(store, f.keys, storetest.Logger(t))
	svc.SetClock(f.clock.Now)
	return svc, func() (bool, error) {
		<-mapDone
		return early, mapErr
	}
}
