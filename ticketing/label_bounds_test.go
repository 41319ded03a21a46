package ticketing_test

import (
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A seat map's section, row and category names are bounded in characters,
// as the refusals say and as the venue's name and a title are: at the
// bound in accented letters (two bytes each) a map is kept as typed, and
// one more is refused. The bound once counted bytes, refusing half as
// many accented letters.
func TestSeatLabelsCountCharacters(t *testing.T) {
	t.Parallel()
	label := strings.Repeat("è", ticketing.MaxLabel)
	one := func(section, row, category string) ticketing.SeatMap {
		return ticketing.SeatMap{Sections: []ticketing.Section{{Name: section, Rows: []ticketing.SeatRow{{Name: row, From: 1, To: 2, Category: category}}}}}
	}
	for reason, m := range map[string]ticketing.SeatMap{
		"invalid_section":  one(label+"è", "A", "platea"),
		"invalid_row":      one("Platea", label+"è", "platea"),
		"invalid_category": one("Platea", "A", label+"è"),
	} {
		if _, err := m.Seats(); apperr.ReasonOf(err) != reason {
			t.Errorf("one character over the bound: %v, want %s", err, reason)
		}
	}
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v, err := f.svc.CreateVenue(f.ctx, admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetSeatMap(f.ctx, admin, v.ID, one(label, label, label)); err != nil {
			t.Fatalf("labels at the bound in accented letters: %v", err)
		}
		seats, err := f.svc.Seats(f.ctx, v.ID)
		if err != nil || len(seats) != 2 || seats[0].Section != label || seats[0].Row != label || seats[0].Category != label ||
			seats[0].ID != ticketing.SeatID(label, label, 1) {
			t.Fatalf("the seats read back: %+v, %v", seats, err)
		}
	})
}
