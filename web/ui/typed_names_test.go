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
// back, nor one that is no name.
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
	for _, tt := range csrfTyped(form) {
		got = append(got, tt.Text)
	}
	want := []string{"Santa Sofia Square station", "Central stalls, rows A to M", "Stazione di Piazza Santa Sofia", "Platea centrale, file A-M"}
	if !slices.Equal(got, want) {
		t.Fatalf("given back %q, want %q", got, want)
	}
}
