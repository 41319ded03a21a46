package httpx

import (
	"net/http/httptest"
	"testing"
)

// CSV comes for an Accept that prefers it, however it is written, and JSON
// for one that does not (or none).
func TestWantsCSVReadsAccept(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                    false,
		"text/csv":                            true,
		"Text/CSV; charset=utf-8":             true,
		"text/csv, application/json;q=0.5":    true,
		"application/json;q=0.5, text/csv":    true,
		"text/*":                              true,
		"text/*, application/json":            false,
		"text/csv;q=0.4, application/json":    false,
		"application/json, text/csv":          false,
		"*/*":                                 false,
		"text/csv, */*":                       true,
		"text/csv;q=0":                        false,
		"text/csv;q=2":                        false,
		"application/json":                    false,
		"text/html,application/xhtml+xml,*/*": false,
	} {
		r := httptest.NewRequest("GET", "/api/v1/admin/settlements/x", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if got, err := WantsCSV(r); err != nil || got != want {
			t.Errorf("Accept %q: CSV %v (%v), want %v", accept, got, err, want)
		}
	}
}
