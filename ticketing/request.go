package ticketing

import (
	"errors"
	"strings"
	"time"

	"cityhub/apperr"
)

// PerformanceRequest is a performance as an administrator writes it, in the
// JSON API's body or the theatre admin page's form: times are RFC 3339, or
// local times in the city's time zone written "2026-12-01T20:30". The end is
// ends_at or the start plus duration_minutes (not both); without either the
// defaults of CreatePerformance apply. DurationMinutes is a pointer so that
// an explicit 0, out of bounds, is told from absent (or null).
type PerformanceRequest struct {
	VenueID         string           `json:"venue_id"`
	Title           string           `json:"title"`
	StartsAt        string           `json:"starts_at"`
	DoorsOpen       string           `json:"doors_open"`
	EndsAt          string           `json:"ends_at"`
	DurationMinutes *int             `json:"duration_minutes"`
	Prices          map[string]int64 `json:"prices_cents"`
	SalesOpen       string           `json:"sales_open"`
	SalesClose      string           `json:"sales_close"`
	// SelfCancelHours lets buyers cancel their own orders until this many
	// hours before the start; absent, only an administrator refunds.
	SelfCancelHours *int `json:"self_cancel_hours"`
}

// cityTime reads an RFC 3339 time or a local time in zone, the city's;
// empty is the zero time. A local time the city's clocks skip (the spring
// change) or show twice (the autumn one) is refused (local_time_gap,
// local_time_ambiguous): time.Date would move the first by an hour and pick
// one of the second's two moments, and a performance would be scheduled at
// a time nobody wrote. The offset says which of the two is meant.
func cityTime(field, v string, zone *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		// Read as UTC, the wall clock as written, which zone may not have.
		if wall, err := time.Parse(layout, v); err == nil {
			return onCityClock(field, wall, zone)
		}
	}
	return time.Time{}, apperr.R(apperr.Invalid, "invalid_"+field, "%s must be an RFC 3339 time or a local time like 2026-12-01T20:30.", field)
}

// localTimeError is the cause of a local_time_gap or local_time_ambiguous
// refusal: the field it is about, which the message names in English and
// a page puts its own words next to.
type localTimeError struct{ Field string }

func (e localTimeError) Error() string { return e.Field + ": local time at a clock change" }

// TimeFieldOf is the request field ("starts_at", "doors_open", ...) a
// local_time_gap or local_time_ambiguous refusal is about; "" for any
// other error.
func TimeFieldOf(err error) string {
	var e localTimeError
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// onCityClock is the one moment at which zone's clocks show wall (a time
// read as UTC for its wall clock alone), or the refusal when they show it
// never or twice. The offsets a day either side are the zone's before and
// after any change near wall (zones change their clocks at most once in
// two days).
func onCityClock(field string, wall time.Time, zone *time.Location) (time.Time, error) {
	var found []time.Time
	for _, d := range []time.Duration{-24 * time.Hour, 24 * time.Hour} {
		_, off := wall.Add(d).In(zone).Zone()
		t := wall.Add(-time.Duration(off) * time.Second).In(zone)
		if sameWall(t, wall) && (len(found) == 0 || !found[0].Equal(t)) {
			found = append(found, t)
		}
	}
	day, clock := wall.Format(time.DateOnly), wall.Format("15:04")
	// The refusal's values for a page's words: the day (at noon in zone,
	// which every day has), the clock as written, and the change's clocks.
	y, m, d := wall.Date()
	noon := time.Date(y, m, d, 12, 0, 0, 0, zone)
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		// Read with the offset before the jump, wall is past it: the change
		// is the start of the zone's period that holds that moment.
		_, off := wall.Add(-24 * time.Hour).In(zone).Zone()
		change, _ := wall.Add(-time.Duration(off) * time.Second).In(zone).ZoneBounds()
		_, before := change.Add(-time.Second).Zone()
		from := change.In(time.FixedZone("", before)).Format("15:04")
		to := change.In(zone).Format("15:04")
		e := apperr.Wrap(localTimeError{field}, apperr.Invalid, "%s: %s at %s does not exist in the city's time zone: that night the clocks go from %s to %s. Give a time before %s or from %s on.",
			field, day, clock, from, to, from, to)
		e.Reason, e.Args = "local_time_gap", []any{noon, clock, from, to}
		return time.Time{}, e
	}
	first, second := found[0].Format("-07:00"), found[1].Format("-07:00")
	e := apperr.Wrap(localTimeError{field}, apperr.Invalid, "%s: %s at %s happens twice in the city's time zone, the clocks going back that night: give the offset, %sT%s%s for the first or %sT%s%s for the second.",
		field, day, clock, day, wall.Format("15:04:05"), first, day, wall.Format("15:04:05"), second)
	e.Reason, e.Args = "local_time_ambiguous", []any{noon, clock, first, second}
	return time.Time{}, e
}

// sameWall says whether t's clock in its zone reads wall's in UTC.
func sameWall(t, wall time.Time) bool {
	y, m, d := t.Date()
	wy, wm, wd := wall.Date()
	return y == wy && m == wm && d == wd && t.Hour() == wall.Hour() && t.Minute() == wall.Minute() && t.Second() == wall.Second()
}

// Performance is the performance the request describes, with id, its local
// times read in zone, the city's (Service.Zone).
func (in PerformanceRequest) Performance(id string, zone *time.Location) (Performance, error) {
	p, problems := in.read(id, zone)
	if len(problems) > 0 {
		return p, problems[0]
	}
	return p, nil
}

// read is Performance with every field's mistake, in the request's order:
// a time that does not read is left zero, and the others are still read,
// so that a form shows all its mistakes at once.
func (in PerformanceRequest) read(id string, zone *time.Location) (Performance, []error) {
	p := Performance{ID: id, VenueID: in.VenueID, Title: in.Title, Prices: in.Prices, SelfCancelHours: in.SelfCancelHours}
	var out []error
	for _, t := range []struct {
		field, v string
		dst      *time.Time
	}{{"starts_at", in.StartsAt, &p.StartsAt}, {"sales_open", in.SalesOpen, &p.SalesOpen}, {"doors_open", in.DoorsOpen, &p.DoorsOpen}, {"ends_at", in.EndsAt, &p.EndsAt}} {
		var err error
		if *t.dst, err = cityTime(t.field, t.v, zone); err != nil {
			out = append(out, err)
		}
	}
	if d := in.DurationMinutes; d != nil {
		switch {
		case !p.EndsAt.IsZero():
			out = append(out, apperr.R(apperr.Invalid, "invalid_ends_at", "Give the end or the duration, not both."))
		case *d < 1 || *d > int(MaxDuration/time.Minute):
			out = append(out, apperr.R(apperr.Invalid, "invalid_duration", "The duration must be 1 to %d minutes.", int(MaxDuration/time.Minute)))
		case !p.StartsAt.IsZero():
			p.EndsAt = p.StartsAt.Add(time.Duration(*d) * time.Minute)
		}
	}
	var err error
	if p.SalesClose, err = cityTime("sales_close", in.SalesClose, zone); err != nil {
		out = append(out, err)
	}
	return p, out
}
