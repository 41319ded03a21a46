package ticketing

import (
	"strings"
	"time"

	"cityhub/apperr"
)

// PerformanceRequest is a performance as an administrator writes it, in the
// JSON API's body or the theatre admin page's form: times are RFC 3339, or
// local times in the city's time zone written "2026-12-01T20:30". The end is
// ends_at or the start plus duration_minutes (not both); without either the
// defaults of CreatePerformance apply.
type PerformanceRequest struct {
	VenueID         string           `json:"venue_id"`
	Title           string           `json:"title"`
	StartsAt        string           `json:"starts_at"`
	DoorsOpen       string           `json:"doors_open"`
	EndsAt          string           `json:"ends_at"`
	DurationMinutes int              `json:"duration_minutes"`
	Prices          map[string]int64 `json:"prices_cents"`
	SalesOpen       string           `json:"sales_open"`
	SalesClose      string           `json:"sales_close"`
	// SelfCancelHours lets buyers cancel their own orders until this many
	// hours before the start; absent, only an administrator refunds.
	SelfCancelHours *int `json:"self_cancel_hours"`
}

// cityTime reads an RFC 3339 time or a local time in zone, the city's;
// empty is the zero time.
func cityTime(field, v string, zone *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.R(apperr.Invalid, "invalid_"+field, "%s must be an RFC 3339 time or a local time like 2026-12-01T20:30.", field)
}

// Performance is the performance the request describes, with id, its local
// times read in zone, the city's (Service.Zone).
func (in PerformanceRequest) Performance(id string, zone *time.Location) (Performance, error) {
	p := Performance{ID: id, VenueID: in.VenueID, Title: in.Title, Prices: in.Prices, SelfCancelHours: in.SelfCancelHours}
	var err error
	if p.StartsAt, err = cityTime("starts_at", in.StartsAt, zone); err != nil {
		return p, err
	}
	if p.SalesOpen, err = cityTime("sales_open", in.SalesOpen, zone); err != nil {
		return p, err
	}
	if p.DoorsOpen, err = cityTime("doors_open", in.DoorsOpen, zone); err != nil {
		return p, err
	}
	if p.EndsAt, err = cityTime("ends_at", in.EndsAt, zone); err != nil {
		return p, err
	}
	switch {
	case in.DurationMinutes != 0 && !p.EndsAt.IsZero():
		return p, apperr.R(apperr.Invalid, "invalid_ends_at", "Give the end or the duration, not both.")
	case in.DurationMinutes < 0 || in.DurationMinutes > int(MaxDuration/time.Minute):
		return p, apperr.R(apperr.Invalid, "invalid_duration", "The duration must be 1 to %d minutes.", int(MaxDuration/time.Minute))
	case in.DurationMinutes > 0 && !p.StartsAt.IsZero():
		p.EndsAt = p.StartsAt.Add(time.Duration(in.DurationMinutes) * time.Minute)
	}
	p.SalesClose, err = cityTime("sales_close", in.SalesClose, zone)
	return p, err
}
