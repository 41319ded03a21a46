package ticketing_test

import (
	"strings"
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

// A local time the city's clocks skip is refused, naming the jump, and one
// they show twice is refused unless the offset says which: neither is moved
// silently by an hour.
func TestPerformanceRequestLocalTimeAtClockChange(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"starts_at", "doors_open", "ends_at", "sales_open", "sales_close"} {
		for _, c := range []struct{ value, reason, words string }{
			{"2027-03-28T02:30", "local_time_gap", "from 02:00 to 03:00"},
			{"2027-03-28T02:00:00", "local_time_gap", "from 02:00 to 03:00"},
			{"2027-10-31T02:30", "local_time_ambiguous", "+02:00"},
			{"2027-10-31T02:59:59", "local_time_ambiguous", "+01:00"},
		} {
			in := ticketing.PerformanceRequest{Title: "Tosca", StartsAt: "2027-12-01T20:30"}
			switch field {
			case "starts_at":
				in.StartsAt = c.value
			case "doors_open":
				in.DoorsOpen = c.value
			case "ends_at":
				in.EndsAt = c.value
			case "sales_open":
				in.SalesOpen = c.value
			case "sales_close":
				in.SalesClose = c.value
			}
			_, err := in.Performance("", rome)
			if apperr.ReasonOf(err) != c.reason || apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s %s: %v, want %s", field, c.value, err, c.reason)
				continue
			}
			if msg := apperr.MessageOf(err); !strings.Contains(msg, c.words) || !strings.Contains(msg, field) {
				t.Errorf("%s %s: %q names neither the field nor %q", field, c.value, msg, c.words)
			}
			if got := ticketing.TimeFieldOf(err); got != field {
				t.Errorf("%s %s: field of the refusal %q", field, c.value, got)
			}
		}
	}
	// Around the changes, and with the offset given, times are as written.
	for value, want := range map[string]time.Time{
		"2027-03-28T01:59":       time.Date(2027, 3, 28, 0, 59, 0, 0, time.UTC),
		"2027-03-28T03:00":       time.Date(2027, 3, 28, 1, 0, 0, 0, time.UTC),
		"2027-10-31T01:59":       time.Date(2027, 10, 30, 23, 59, 0, 0, time.UTC),
		"2027-10-31T03:00":       time.Date(2027, 10, 31, 2, 0, 0, 0, time.UTC),
		"2027-10-31T02:30+02:00": time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC),
		"2027-10-31T02:30+01:00": time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC),
	} {
		if len(value) == len("2027-10-31T02:30+02:00") {
			value = value[:16] + ":00" + value[16:]
		}
		p, err := (ticketing.PerformanceRequest{StartsAt: value}).Performance("", rome)
		if err != nil || !p.StartsAt.Equal(want) {
			t.Errorf("%s = %v, %v; want %v", value, p.StartsAt.UTC(), err, want)
		}
	}
}
