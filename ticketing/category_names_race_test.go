package ticketing_test

import (
	"testing"

	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A venue's categories named while its seat map is replaced by one without
// a category named: the two take turns on the venue. Here the naming has
// read the seat map, with the balcony, when the map is replaced by one of
// stalls alone; the replacement must wait for the venue until the names
// are written, and then forgets the balcony's. Without the lock the map
// was replaced between the naming's read and its write, and the balcony
// kept a name the venue's seats no longer have, which a balcony added to
// the map later would read. (PostgreSQL: the embedded engine writes one
// transaction at a time.)
func TestCategoryNamesAndSeatMapTakeTurns(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	v := f.venue("Teatro Romano", 2) // stalls, balcony
	stalls := ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 4, Category: "stalls"}}}}}

	naming, mapped := mapReplacedOnSeatsRead(t, f, db, v.ID, stalls)
	_, err := naming.SetCategoryNames(f.ctx, admin, v.ID, []ticketing.CategoryName{
		{Code: "stalls", NameIT: "Platea bassa", NameEN: "Lower stalls"}, {Code: "balcony", NameIT: "Balconata", NameEN: "Dress circle"},
	})
	mapEarly, mapErr := mapped()
	if mapEarly {
		t.Fatalf("the seat map was replaced while the naming held the venue (map: %v; names: %v)", mapErr, err)
	}
	if err != nil || mapErr != nil {
		t.Fatalf("naming on the map it read: %v; the map replaced after: %v", err, mapErr)
	}
	var names []ticketing.CategoryName
	if err := db.Ticketing().View(f.ctx, func(tx ticketing.Tx) error {
		var err error
		names, err = tx.CategoryNames(f.ctx, v.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if want := []ticketing.CategoryName{{Code: "stalls", NameIT: "Platea bassa", NameEN: "Lower stalls"}}; len(names) != 1 || names[0] != want[0] {
		t.Fatalf("the venue's names after its map lost the balcony: %+v, want %+v", names, want)
	}
}
