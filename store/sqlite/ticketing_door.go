package sqlite

import (
	"context"
	"time"

	"cityhub/ticketing"
)

// VenuePerformances implements ticketing.Tx.
func (tx *Tx) VenuePerformances(ctx context.Context, venueIDs []string, endsAfter time.Time, limit int) ([]ticketing.Performance, error) {
	venues, err := tkJSON(venueIDs)
	if err != nil {
		return nil, wrap("encode venue ids", err)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT `+perfCols+` FROM ticket_performances
		WHERE venue_id IN (SELECT value FROM json_each(?1)) AND ends_at > ?2 AND status = 'scheduled' ORDER BY starts_at, id LIMIT ?3`,
		venues, toMicros(endsAfter), limit)
	out, err := collect(rows, err, scanPerformance)
	return out, wrap("list venue performances", err)
}

// PerformanceTicketIDs implements ticketing.Tx.
func (tx *Tx) PerformanceTicketIDs(ctx context.Context, performanceID string) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id FROM tickets WHERE performance_id = ? AND status <> 'cancelled' ORDER BY id`, performanceID)
	out, err := collect(rows, err, func(r rowScanner) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
	return out, wrap("list performance tickets", err)
}
