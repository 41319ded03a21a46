package ticketing_test

import (
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/ticketing"
)

// A performance's local times are read in the zone the city configured,
// RFC 3339 times as written.
func TestPerformanceRequestZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	in := ticketing.PerformanceRequest{Title: "Tosca", StartsAt: "2026-12-01T20:30", SalesOpen: "2026-11-01T09:00:00+01:00"}
	p, err := in.Performance("perf_1", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 1, 11, 30, 0, 0, time.UTC); !p.StartsAt.Equal(want) {
		t.Errorf("starts_at in Tokyo = %v, want %v", p.StartsAt.UTC(), want)
	}
	if want := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC); !p.SalesOpen.Equal(want) {
		t.Errorf("sales_open = %v, want %v", p.SalesOpen.UTC(), want)
	}
	if _, err := (ticketing.PerformanceRequest{StartsAt: "1/12/2026 20:30"}).Performance("", tokyo); apperr.ReasonOf(err) != "invalid_starts_at" {
		t.Errorf("a time in another layout: %v", err)
	}
}
