package sqlite

import (
	"context"
	"database/sql"
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

const doorEntryCols = `device, entry_id, performance_id, ticket_id, staff_id, entered_at, recorded_at, outcome, reason, first_checked_in_at`

// scanDoorEntry reads doorEntryCols, and into more the columns a query
// selects after them.
func scanDoorEntry(row rowScanner, more ...any) (ticketing.DoorEntry, error) {
	var e ticketing.DoorEntry
	var entered, recorded int64
	var first sql.NullInt64
	err := row.Scan(append([]any{&e.Device, &e.EntryID, &e.PerformanceID, &e.TicketID, &e.StaffID, &entered, &recorded, &e.Outcome, &e.Reason, &first}, more...)...)
	e.EnteredAt, e.RecordedAt, e.FirstCheckedInAt = fromMicros(entered), fromMicros(recorded), fromMicros(first.Int64)
	return e, err
}

// DoorEntry implements ticketing.Tx.
func (tx *Tx) DoorEntry(ctx context.Context, device, entryID string) (ticketing.DoorEntry, error) {
	e, err := scanDoorEntry(tx.q.QueryRowContext(ctx, `SELECT `+doorEntryCols+` FROM door_offline_entries WHERE device = ? AND entry_id = ?`, device, entryID))
	return e, wrap("read door entry", err)
}

// InsertDoorEntry implements ticketing.Tx (the one writer connection
// orders concurrent uploads whole).
func (tx *Tx) InsertDoorEntry(ctx context.Context, e ticketing.DoorEntry) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO door_offline_entries (`+doorEntryCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (device, entry_id) DO NOTHING`,
		e.Device, e.EntryID, e.PerformanceID, e.TicketID, e.StaffID, toMicros(e.EnteredAt), toMicros(e.RecordedAt), e.Outcome, e.Reason, nullMicros(e.FirstCheckedInAt))
	if err != nil {
		return false, wrap("insert door entry", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("insert door entry", err)
}

// DoubleEntries implements ticketing.Tx.
func (tx *Tx) DoubleEntries(ctx context.Context, performanceID string, limit int) ([]ticketing.DoubleEntryRow, error) {
	// doorEntryCols, of e (tickets has columns of the same names).
	rows, err := tx.q.QueryContext(ctx, `SELECT e.device, e.entry_id, e.performance_id, e.ticket_id, e.staff_id, e.entered_at, e.recorded_at,
			e.outcome, e.reason, e.first_checked_in_at, t.seat_id, COALESCE(NULLIF(a.name, ''), a.email, '')
		FROM door_offline_entries e JOIN tickets t ON t.id = e.ticket_id LEFT JOIN accounts a ON a.id = e.staff_id
		WHERE e.performance_id = ? AND e.outcome = 'double_entry' ORDER BY e.entered_at, e.device, e.entry_id LIMIT ?`, performanceID, limit)
	out, err := collect(rows, err, func(r rowScanner) (ticketing.DoubleEntryRow, error) {
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
