// Tickets: issued, checked in at the door, cancelled, and the sales
// figures and wrong codes counted from them.

package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/ticketing"
)

const ticketCols = `id, order_id, performance_id, venue_id, seat_id, account_id, price_cents, status, code, code_hash, issued_at, checked_in_at, checked_in_by`

func scanTicket(row pgx.Row) (ticketing.Ticket, error) {
	var t ticketing.Ticket
	var in *time.Time
	err := row.Scan(&t.ID, &t.OrderID, &t.PerformanceID, &t.VenueID, &t.SeatID, &t.AccountID, &t.PriceCents, &t.Status, &t.Code, &t.CodeHash,
		&t.IssuedAt, &in, &t.CheckedInBy)
	t.IssuedAt = t.IssuedAt.UTC()
	if in != nil {
		t.CheckedInAt = in.UTC()
	}
	return t, err
}

// InsertTicket implements ticketing.Tx.
func (tx *Tx) InsertTicket(ctx context.Context, t ticketing.Ticket) error {
	// Queued to ride with the next statement or the commit (pipeline.go).
	return tx.later(ctx, deferred{what: "insert ticket",
		sql: `INSERT INTO tickets (` + ticketCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		args: []any{t.ID, t.OrderID, t.PerformanceID, t.VenueID, t.SeatID, t.AccountID, t.PriceCents, t.Status, t.Code, t.CodeHash, t.IssuedAt,
			nullTime(t.CheckedInAt), t.CheckedInBy}})
}

// Ticket implements ticketing.Tx.
func (tx *Tx) Ticket(ctx context.Context, id string) (ticketing.Ticket, error) {
	t, err := scanTicket(tx.q.QueryRow(ctx, `SELECT `+ticketCols+` FROM tickets WHERE id = $1`, id))
	return t, wrap("read ticket", err)
}

// TicketByCodeHash implements ticketing.Tx.
func (tx *Tx) TicketByCodeHash(ctx context.Context, hash string) (ticketing.Ticket, error) {
	t, err := scanTicket(tx.q.QueryRow(ctx, `SELECT `+ticketCols+` FROM tickets WHERE code_hash = $1`, hash))
	return t, wrap("read ticket", err)
}

func (tx *Tx) listTickets(ctx context.Context, where string, arg string) ([]ticketing.Ticket, error) {
	return tx.queryTickets(ctx, `SELECT `+ticketCols+` FROM tickets WHERE `+where+` = $1 ORDER BY issued_at DESC, id`, arg)
}

func (tx *Tx) queryTickets(ctx context.Context, sql string, arg string) ([]ticketing.Ticket, error) {
	rows, err := tx.q.Query(ctx, sql, arg)
	if err != nil {
		return nil, wrap("list tickets", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Ticket, error) { return scanTicket(r) })
	return out, wrap("list tickets", err)
}

// ListTickets implements ticketing.Tx.
func (tx *Tx) ListTickets(ctx context.Context, accountID string) ([]ticketing.Ticket, error) {
	return tx.listTickets(ctx, "account_id", accountID)
}

// OrderTickets implements ticketing.Tx.
func (tx *Tx) OrderTickets(ctx context.Context, orderID string) ([]ticketing.Ticket, error) {
	return tx.listTickets(ctx, "order_id", orderID)
}

// LockOrderTickets implements ticketing.Tx. In the order of their ids, as
// every locker of several tickets takes them.
func (tx *Tx) LockOrderTickets(ctx context.Context, orderID string) ([]ticketing.Ticket, error) {
	return tx.queryTickets(ctx, `SELECT `+ticketCols+` FROM tickets WHERE order_id = $1 ORDER BY id FOR UPDATE`, orderID)
}

// CheckIn implements ticketing.Tx. The conditional UPDATE waits for a
// concurrent one on the same row and then re-checks the status, so only
// one succeeds.
func (tx *Tx) CheckIn(ctx context.Context, ticketID string, at time.Time, staffID string) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE tickets SET status = 'checked_in', checked_in_at = $2, checked_in_by = $3 WHERE id = $1 AND status = 'valid'`,
		ticketID, at, staffID)
	if err != nil {
		return false, wrap("check in", err)
	}
	return tag.RowsAffected() == 1, nil
}

// CancelOrderTickets implements ticketing.Tx.
func (tx *Tx) CancelOrderTickets(ctx context.Context, orderID string) error {
	_, err := tx.q.Exec(ctx, `UPDATE tickets SET status = 'cancelled' WHERE order_id = $1`, orderID)
	return wrap("cancel tickets", err)
}

// SalesStats implements ticketing.Tx. Every figure of the tickets is of the
// live ones, so the live tickets' index of the performance's seats
// (tickets_live_seat) finds them: with no such condition every ticket ever
// sold was read.
func (tx *Tx) SalesStats(ctx context.Context, performanceID string, now time.Time) (ticketing.SalesStats, error) {
	s := ticketing.SalesStats{PerformanceID: performanceID}
	err := tx.q.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'checked_in'), coalesce(sum(price_cents), 0)
		FROM tickets WHERE performance_id = $1 AND status <> 'cancelled'`, performanceID).Scan(&s.Sold, &s.CheckedIn, &s.RevenueCents)
	if err != nil {
		return s, wrap("count tickets", err)
	}
	err = tx.q.QueryRow(ctx, `SELECT count(*) FROM ticket_claims WHERE performance_id = $1 AND state = 'held' AND expires_at > $2`, performanceID, now).Scan(&s.Held)
	if err != nil {
		return s, wrap("count holds", err)
	}
	err = tx.q.QueryRow(ctx, `SELECT count(*) FROM ticket_orders WHERE performance_id = $1 AND status = 'refund_due'`, performanceID).Scan(&s.RefundsDue)
	if err != nil {
		return s, wrap("count refunds due", err)
	}
	err = tx.q.QueryRow(ctx, `SELECT count(*) FROM door_offline_entries WHERE performance_id = $1 AND outcome = 'double_entry'`, performanceID).Scan(&s.DoubleEntries)
	return s, wrap("count double entries", err)
}

var _ ticketing.Tx = (*Tx)(nil)

// RecordTicketCodeFailures implements ticketing.Tx.
func (tx *Tx) RecordTicketCodeFailures(ctx context.Context, keys []string, at, pruneBefore time.Time) error {
	_, err := tx.q.Exec(ctx, `WITH pruned AS (DELETE FROM ticket_code_failures WHERE key = ANY($1) AND at < $3)
		INSERT INTO ticket_code_failures (key, at) SELECT k, $2 FROM unnest($1::text[]) AS k`, keys, at, pruneBefore)
	return wrap("record code failures", err)
}

// TicketCodeFailures implements ticketing.Tx.
func (tx *Tx) TicketCodeFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error) {
	rows, err := tx.q.Query(ctx, `SELECT key, count(*) FROM ticket_code_failures WHERE key = ANY($1) AND at >= $2 GROUP BY key`, keys, since)
	if err != nil {
		return nil, wrap("count code failures", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return nil, wrap("count code failures", err)
		}
		out[key] = n
	}
	return out, wrap("count code failures", rows.Err())
}
