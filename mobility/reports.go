package mobility

import (
	"context"
	"time"

	"cityhub/identity"
)

// DayCount is a number of rides that started on one day.
type DayCount struct {
	Day   time.Time `json:"day"` // midnight of the day in the zone asked for
	Count int       `json:"count"`
}

// RidesPerDay counts the rides started on each of the days from the day of
// since to the day of until in zone, days without rides included (a chart
// must show the quiet days too). MayOperate.
func (s *Service) RidesPerDay(ctx context.Context, c identity.Caller, since, until time.Time, zone *time.Location) ([]DayCount, error) {
	if err := MayOperate(c); err != nil {
		return nil, err
	}
	if zone == nil {
		zone = time.UTC
	}
	start := midnight(since, zone)
	var starts []time.Time
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		starts, err = tx.RideStarts(ctx, start)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []DayCount
	index := map[int64]int{}
	for d := start; !d.After(until); d = d.AddDate(0, 0, 1) {
		index[d.Unix()] = len(out)
		out = append(out, DayCount{Day: d})
	}
	for _, at := range starts {
		if i, ok := index[midnight(at, zone).Unix()]; ok {
			out[i].Count++
		}
	}
	return out, nil
}

// midnight is the start of t's day in zone.
func midnight(t time.Time, zone *time.Location) time.Time {
	l := t.In(zone)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
}
