package ui

import (
	"net/url"
	"slices"
	"testing"
)

// An expired form gives back the names typed into it in either language:
// a station's, a vehicle type's or a plan's (name_it, name_en) and a seat
// category's (name_it.<category>, name_en.<category>), as it gives back a
// campaign's or a shop's name; a field only named like one does not come
// back, nor one that is no name. They come in the form's order, each
// named by its field.
func TestExpiredFormGivesBackNamesInEachLanguage(t *testing.T) {
	t.Parallel()
	form := url.Values{
		"name_it":         {"Stazione di Piazza Santa Sofia"},
		"name_en":         {"Santa Sofia Square station"},
		"name_it.platea":  {"Platea centrale, file A-M"},
		"name_en.platea":  {"Central stalls, rows A to M"},
		"name_items":      {"not a name in a language of the hub"},
		"pricing_plan_id": {"a-plan-chosen-from-a-list"},
	}
	var got []string
	for _, tt := range csrfTyped(New(Deps{}).site.pages.locales["en"], form) {
		got = append(got, tt.Label+": "+tt.Text)
	}
	want := []string{"Name in Italian: Stazione di Piazza Santa Sofia", "Name in English: Santa Sofia Square station",
		"Name in Italian (category platea): Platea centrale, file A-M", "Name in English (category platea): Central stalls, rows A to M"}
	if !slices.Equal(got, want) {
		t.Fatalf("given back %q, want %q", got, want)
	}
}
