package ticketing_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A venue names its seat categories in Italian and English, and buyers
// read those names in the performance's seat map; a category it did not
// name reads by the hub's words for its code, as before.
func TestVenueNamesItsCategories(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Comunale", 2) // stalls, balcony
		p, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Medea",
			StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500, "balcony": 1500}, SalesOpen: start.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		// Sold seats do not keep a venue from naming their category.
		got, err := f.svc.SetCategoryNames(f.ctx, admin, v.ID, []ticketing.CategoryName{
			{Code: "stalls", NameIT: "  Poltronissima ", NameEN: "Front stalls"},
			{Code: "balcony"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []ticketing.Category{
			{Code: "stalls", NameIT: "Poltronissima", NameEN: "Front stalls", Named: true},
			{Code: "balcony", NameIT: "Balconata", NameEN: "Balcony"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("named %+v, want %+v", got, want)
		}
		if got, err := f.svc.VenueCategories(f.ctx, admin, v.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("venue's categories %+v (%v), want %+v", got, err, want)
		}
		av, err := f.svc.Availability(f.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[0].PriceCents, want[1].PriceCents = 2500, 1500
		if !reflect.DeepEqual(av.Categories, want) {
			t.Fatalf("seat map's categories %+v, want %+v", av.Categories, want)
		}

		// Left out, a category reads by the hub's words again.
		if _, err := f.svc.SetCategoryNames(f.ctx, admin, v.ID, []ticketing.CategoryName{{Code: "balcony", NameIT: "Galleria alta", NameEN: "Upper circle"}}); err != nil {
			t.Fatal(err)
		}
		want = []ticketing.Category{
			{Code: "stalls", NameIT: "Platea", NameEN: "Stalls"},
			{Code: "balcony", NameIT: "Galleria alta", NameEN: "Upper circle", Named: true},
		}
		if got, err := f.svc.VenueCategories(f.ctx, admin, v.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("after naming the balcony only: %+v (%v), want %+v", got, err, want)
		}
	})
}

// A name too long, with a line break, or in one language only, a code the
// seat map does not have or given twice, is refused with its reason and
// changes nothing; so is a caller who does not manage venues.
func TestCategoryNamesRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Comunale", 2)
		named := []ticketing.CategoryName{{Code: "stalls", NameIT: "Platea bassa", NameEN: "Lower stalls"}}
		if _, err := f.svc.SetCategoryNames(f.ctx, admin, v.ID, named); err != nil {
			t.Fatal(err)
		}
		before, err := f.svc.VenueCategories(f.ctx, admin, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("è", ticketing.MaxCategoryName+1)
		for _, tc := range []struct {
			name   string
			caller identity.Caller
			names  []ticketing.CategoryName
			code   apperr.Code
			reason string
		}{
			{"italian too long", admin, []ticketing.CategoryName{{Code: "balcony", NameIT: long, NameEN: "Balcony"}}, apperr.Invalid, "invalid_category_name_it"},
			{"english too long", admin, []ticketing.CategoryName{{Code: "balcony", NameIT: "Balconata", NameEN: long}}, apperr.Invalid, "invalid_category_name_en"},
			{"english on two lines", admin, []ticketing.CategoryName{{Code: "balcony", NameIT: "Balconata", NameEN: "Bal\ncony"}}, apperr.Invalid, "invalid_category_name_en"},
			{"english missing", admin, []ticketing.CategoryName{{Code: "balcony", NameIT: "Balconata", NameEN: "  "}}, apperr.Invalid, "category_name_missing"},
			{"italian missing", admin, []ticketing.CategoryName{{Code: "balcony", NameEN: "Balcony"}}, apperr.Invalid, "category_name_missing"},
			{"unknown code", admin, []ticketing.CategoryName{{Code: "loggione", NameIT: "Loggione", NameEN: "Gods"}}, apperr.Invalid, "unknown_category"},
			{"code twice", admin, []ticketing.CategoryName{{Code: "balcony", NameIT: "A", NameEN: "A"}, {Code: "balcony", NameIT: "B", NameEN: "B"}}, apperr.Invalid, "duplicate_category"},
			{"malformed code", admin, []ticketing.CategoryName{{Code: "bal cony", NameIT: "A", NameEN: "A"}}, apperr.Invalid, "invalid_category"},
			{"citizen", citizen(1), named[:0], apperr.Forbidden, "not_admin"},
			{"door staff", door(v.ID), named[:0], apperr.Forbidden, "not_admin"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.SetCategoryNames(f.ctx, tc.caller, v.ID, tc.names)
				if apperr.CodeOf(err) != tc.code || apperr.ReasonOf(err) != tc.reason {
					t.Fatalf("got %v, want %s %s", err, tc.code, tc.reason)
				}
				if after, err := f.svc.VenueCategories(f.ctx, admin, v.ID); err != nil || !reflect.DeepEqual(after, before) {
					t.Fatalf("changed: %+v (%v), was %+v", after, err, before)
				}
			})
		}
		// Only a city administrator reads a venue's list of its
		// categories, whether or not the venue exists.
		for _, who := range []identity.Caller{citizen(1), door(v.ID)} {
			for _, venue := range []string{v.ID, "ven_nope"} {
				if _, err := f.svc.VenueCategories(f.ctx, who, venue); apperr.CodeOf(err) != apperr.Forbidden || apperr.ReasonOf(err) != "not_admin" {
					t.Fatalf("%s reads the categories of %s: %v", who.AccountID, venue, err)
				}
			}
		}
		if _, err := f.svc.SetCategoryNames(f.ctx, admin, "ven_nope", []ticketing.CategoryName{}); apperr.ReasonOf(err) != "venue_not_found" {
			t.Fatalf("unknown venue: %v", err)
		}
		// No list at all is refused, once the caller is known to be an
		// administrator: anyone else hears only that they may not.
		if _, err := f.svc.SetCategoryNames(f.ctx, admin, v.ID, nil); apperr.ReasonOf(err) != "missing_field" {
			t.Fatalf("no list of names: %v", err)
		}
		if _, err := f.svc.SetCategoryNames(f.ctx, citizen(1), v.ID, nil); apperr.ReasonOf(err) != "not_admin" {
			t.Fatalf("no list of names from a citizen: %v", err)
		}
		if _, err := f.svc.VenueCategories(f.ctx, admin, "ven_nope"); apperr.ReasonOf(err) != "venue_not_found" {
			t.Fatalf("unknown venue's categories: %v", err)
		}
	})
}

// A seat map replaced forgets the names of the categories it no longer
// has, and keeps those of the codes it still has: a code that comes back
// later reads by the hub's words, not by a name given to other seats.
func TestSeatMapKeepsTheNamesOfItsCategories(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Comunale", 2)
		if _, err := f.svc.SetCategoryNames(f.ctx, admin, v.ID, []ticketing.CategoryName{
			{Code: "stalls", NameIT: "Platea bassa", NameEN: "Lower stalls"}, {Code: "balcony", NameIT: "Balconata", NameEN: "Dress circle"},
		}); err != nil {
			t.Fatal(err)
		}
		setMap := func(cats ...string) {
			t.Helper()
			var rows []ticketing.SeatRow
			for i, c := range cats {
				rows = append(rows, ticketing.SeatRow{Name: string(rune('A' + i)), From: 1, To: 2, Category: c})
			}
			if _, err := f.svc.SetSeatMap(f.ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: rows}}}); err != nil {
				t.Fatal(err)
			}
		}
		setMap("stalls", "gallery")
		setMap("stalls", "gallery", "balcony")
		want := []ticketing.Category{
			{Code: "stalls", NameIT: "Platea bassa", NameEN: "Lower stalls", Named: true},
			{Code: "gallery", NameIT: "Galleria", NameEN: "Gallery"},
			{Code: "balcony", NameIT: "Balconata", NameEN: "Balcony"},
		}
		if got, err := f.svc.VenueCategories(f.ctx, admin, v.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("categories %+v (%v), want %+v", got, err, want)
		}
	})
}

// CategoryNamesProblems gives every mistake of the names at once, in the
// order given, where SetCategoryNames answers the first: both languages of
// one name, a name in one language only, a code given twice, a code that
// cannot be one; names both empty, or right, are none.
func TestCategoryNamesProblemsAll(t *testing.T) {
	long := strings.Repeat("x", ticketing.MaxCategoryName+1)
	got := ticketing.CategoryNamesProblems([]ticketing.CategoryName{
		{Code: "stalls", NameIT: long, NameEN: "line\nbreak"},
		{Code: "box", NameIT: " Palco ", NameEN: "  "},
		{Code: "gallery", NameIT: "Galleria", NameEN: "Gallery"},
		{Code: "stalls", NameIT: "Platea", NameEN: "Stalls"},
		{Code: "pit"},
		{Code: "no spaces!", NameIT: "a", NameEN: "b"},
	})
	var reasons []string
	for _, err := range got {
		reasons = append(reasons, apperr.ReasonOf(err))
	}
	want := []string{"invalid_category_name_it", "invalid_category_name_en", "category_name_missing", "duplicate_category", "invalid_category"}
	if !slices.Equal(reasons, want) {
		t.Fatalf("problems %v, want %v", reasons, want)
	}
	if ticketing.CategoryNamesProblems([]ticketing.CategoryName{{Code: "stalls", NameIT: "Platea", NameEN: "Stalls"}}) != nil {
		t.Fatal("problems in right names")
	}
}
