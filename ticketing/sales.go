package ticketing

import (
	"context"
	"time"

	"cityhub/identity"
)

// PerformanceSales is a performance with its sales.
type PerformanceSales struct {
	Performance Performance `json:"performance"`
	Sales       SalesStats  `json:"sales"`
}

// SalesFrom lists the performances that start at from or later, cancelled
// ones too, soonest first, each with its sales: the sales report of a
// period, in one call rather than one per performance, each venue's seats
// counted once. A theatre's past seasons are left out (a report of every
// performance ever grew with each season). Forbidden unless admin.
func (s *Service) SalesFrom(ctx context.Context, c identity.Caller, from time.Time) ([]PerformanceSales, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	var out []PerformanceSales
	err := s.store.View(ctx, func(tx Tx) error {
		ps, err := tx.ListPerformances(ctx, from, true)
		if err != nil {
			return err
		}
		now := s.now()
		seats := map[string]int{}
		out = make([]PerformanceSales, 0, len(ps))
		for _, p := range ps {
			st, err := salesOf(ctx, tx, p, now, seats)
			if err != nil {
				return err
			}
			out = append(out, PerformanceSales{Performance: p, Sales: st})
		}
		return nil
	})
	return out, err
}

// salesOf is p's sales with its venue's seats, which seats holds by venue:
// a venue's performances share its seat map, so a report counts it once.
func salesOf(ctx context.Context, tx Tx, p Performance, now time.Time, seats map[string]int) (SalesStats, error) {
	st, err := tx.SalesStats(ctx, p.ID, now)
	if err != nil {
		return st, err
	}
	n, ok := seats[p.VenueID]
	if !ok {
		vs, err := tx.Seats(ctx, p.VenueID)
		if err != nil {
			return st, err
		}
		n = len(vs)
		seats[p.VenueID] = n
	}
	st.Seats = n
	return st, nil
}
