package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/ticketing"
)

// VenuePerformances implements ticketing.Tx.
func (tx *Tx) VenuePerformances(ctx context.Context, venueIDs []string, endsAfter time.Time, limit int) ([]ticketing.Performance, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+perfCols+` FROM ticket_performances
		WHERE venue_id = ANY($1) AND ends_at > $2 AND status = 'scheduled' ORDER BY starts_at, id LIMIT $3`, venueIDs, endsAfter, limit)
	if err != nil {
		return nil, wrap("list venue performances", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Performance, error) { return scanPerformance(r) })
	if out == nil {
		out = []ticketing.Performance{}
	}
	return out, wrap("list venue performances", err)
}

// PerformanceTicketIDs implements ticketing.Tx.
func (tx *Tx) PerformanceTicketIDs(ctx context.Context, performanceID string) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT id FROM tickets WHERE performance_id = $1 AND status <> 'cancelled' ORDER BY id`, performanceID)
	if err != nil {
		return nil, wrap("list performance tickets", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if out == nil {
		out = []string{}
	}
	return out, wrap("list performance tickets", err)
}
