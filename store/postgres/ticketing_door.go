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

const doorEntryCols = `device, entry_id, performance_id, ticket_id, staff_id, entered_at, recorded_at, outcome, reason, first_checked_in_at`

// scanDoorEntry reads doorEntryCols, and into more the columns a query
// selects after them.
func scanDoorEntry(row pgx.Row, more ...any) (ticketing.DoorEntry, error) {
	var e ticketing.DoorEntry
	var first *time.Time
	err := row.Scan(append([]any{&e.Device, &e.EntryID, &e.PerformanceID, &e.TicketID, &e.StaffID, &e.EnteredAt, &e.RecordedAt, &e.Outcome, &e.Reason, &first}, more...)...)
	e.EnteredAt, e.RecordedAt = e.EnteredAt.UTC(), e.RecordedAt.UTC()
	if first != nil {
		e.FirstCheckedInAt = first.UTC()
	}
	return e, err
}

// DoorEntry implements ticketing.Tx.
func (tx *Tx) DoorEntry(ctx context.Context, device, entryID string) (ticketing.DoorEntry, error) {
	e, err := scanDoorEntry(tx.q.QueryRow(ctx, `SELECT `+doorEntryCols+` FROM door_offline_entries WHERE device = $1 AND entry_id = $2`, device, entryID))
	return e, wrap("read door entry", err)
}

// InsertDoorEntry implements ticketing.Tx. An insert of ids another
// transaction has just inserted waits on the primary key until that one
// ends, then inserts nothing if it committed.
func (tx *Tx) InsertDoorEntry(ctx context.Context, e ticketing.DoorEntry) (bool, error) {
	tag, err := tx.q.Exec(ctx, `INSERT INTO door_offline_entries (`+doorEntryCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (device, entry_id) DO NOTHING`,
		e.Device, e.EntryID, e.PerformanceID, e.TicketID, e.StaffID, e.EnteredAt, e.RecordedAt, e.Outcome, e.Reason, nullTime(e.FirstCheckedInAt))
	if err != nil {
		return false, wrap("insert door entry", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DoubleEntries implements ticketing.Tx.
func (tx *Tx) DoubleEntries(ctx context.Context, performanceID string, limit int) ([]ticketing.DoubleEntryRow, error) {
	// doorEntryCols, of e (tickets has columns of the same names).
	rows, err := tx.q.Query(ctx, `SELECT e.device, e.entry_id, e.performance_id, e.ticket_id, e.staff_id, e.entered_at, e.recorded_at,
			e.outcome, e.reason, e.first_checked_in_at, t.seat_id, COALESCE(NULLIF(a.name, ''), a.email, '')
		FROM door_offline_entries e JOIN tickets t ON t.id = e.ticket_id LEFT JOIN accounts a ON a.id = e.staff_id
		WHERE e.performance_id = $1 AND e.outcome = 'double_entry' ORDER BY e.entered_at, e.device, e.entry_id LIMIT $2`, performanceID, limit)
	if err != nil {
		return nil, wrap("list double entries", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.DoubleEntryRow, error) {
		var d ticketing.DoubleEntryRow
		var err error
		d.DoorEntry, err = scanDoorEntry(r, &d.SeatID, &d.StaffName)
		return d, err
	})
	if out == nil {
		out = []ticketing.DoubleEntryRow{}
	}
	return out, wrap("list double entries", err)
}
