package ticketing_test

import (
	"reflect"
	"testing"
	"time"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A category code reads as the words people use for it, in Italian and
// English, whatever case it was typed in; a code without words reads as
// itself made readable, the venue's own word, in both languages.
func TestCategoryOfNamesTheCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code, it, en string
	}{
		{"platea", "Platea", "Stalls"},
		{"stalls", "Platea", "Stalls"},
		{"Galleria", "Galleria", "Gallery"},
		{"loggione", "Loggione", "Upper gallery"},
		{"BOX", "Palco", "Box"},
		{"prima_fila", "Prima fila", "Prima fila"},
		{"vip-lounge", "Vip lounge", "Vip lounge"},
		{"A", "A", "A"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			k := ticketing.CategoryOf(tc.code)
			want := ticketing.Category{Code: tc.code, NameIT: tc.it, NameEN: tc.en}
			if k != want {
				t.Fatalf("CategoryOf(%q) = %+v, want %+v", tc.code, k, want)
			}
			if k.Name("it") != tc.it || k.Name("en") != tc.en || k.Name("fr") != tc.it {
				t.Fatalf("names of %q: it %q, en %q, fr %q", tc.code, k.Name("it"), k.Name("en"), k.Name("fr"))
			}
		})
	}
}

// A performance's seat map names every category of the hall, in the order
// of its seat map, with its price there; a category the performance does
// not price is named too, without a price, since its seats still carry
// its code.
func TestAvailabilityNamesTheHallsCategories(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v, err := f.svc.CreateVenue(f.ctx, admin, ticketing.Venue{Name: "Teatro Romano", Address: "Via del Teatro Romano, Benevento"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetSeatMap(f.ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{
			{Name: "Cavea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 2, Category: "platea"}, {Name: "B", From: 1, To: 2, Category: "prima_fila"}}},
			{Name: "Summa", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 2, Category: "loggione"}, {Name: "B", From: 1, To: 2, Category: "platea"}}},
		}}); err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Medea",
			StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"platea": 2500, "loggione": 1000}, SalesOpen: start.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		av, err := f.svc.Availability(f.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []ticketing.Category{
			{Code: "platea", NameIT: "Platea", NameEN: "Stalls", PriceCents: 2500},
			{Code: "prima_fila", NameIT: "Prima fila", NameEN: "Prima fila"},
			{Code: "loggione", NameIT: "Loggione", NameEN: "Upper gallery", PriceCents: 1000},
		}
		if !reflect.DeepEqual(av.Categories, want) {
			t.Fatalf("categories %+v, want %+v", av.Categories, want)
		}
	})
}
