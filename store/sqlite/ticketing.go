package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/ticketing"
)

// SQLite has one writer, so LockOrder is a plain read: the write
// transaction that calls it already excludes every other writer, and the
// claims' primary key still refuses a second claim of a seat.

type ticketingStore struct{ db *DB }

// Ticketing is ticketing's view of the database.
func (db *DB) Ticketing() ticketing.Store { return ticketingStore{db} }

func (s ticketingStore) InTx(ctx context.Context, fn func(ticketing.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s ticketingStore) View(ctx context.Context, fn func(ticketing.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

func tkJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// InsertVenue implements ticketing.Tx.
func (tx *Tx) InsertVenue(ctx context.Context, v ticketing.Venue) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO ticket_venues (id, name, address, created_at) VALUES (?, ?, ?, ?)`, v.ID, v.Name, v.Address, toMicros(v.CreatedAt))
	return wrap("insert venue", err)
}

func scanVenue(row rowScanner) (ticketing.Venue, error) {
	var v ticketing.Venue
	var at int64
	err := row.Scan(&v.ID, &v.Name, &v.Address, &at)
	v.CreatedAt = fromMicros(at)
	return v, err
}

// Venue implements ticketing.Tx.
func (tx *Tx) Venue(ctx context.Context, id string) (ticketing.Venue, error) {
	v, err := scanVenue(tx.q.QueryRowContext(ctx, `SELECT id, name, address, created_at FROM ticket_venues WHERE id = ?`, id))
	return v, wrap("read venue", err)
}

// LockVenue implements ticketing.Tx: the write transaction already
// excludes every other writer.
func (tx *Tx) LockVenue(ctx context.Context, id string) (ticketing.Venue, error) {
	return tx.Venue(ctx, id)
}

// ListVenues implements ticketing.Tx.
func (tx *Tx) ListVenues(ctx context.Context) ([]ticketing.Venue, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, name, address, created_at FROM ticket_venues ORDER BY name, id`)
	out, err := collect(rows, err, scanVenue)
	return out, wrap("list venues", err)
}

// ReplaceSeats implements ticketing.Tx.
func (tx *Tx) ReplaceSeats(ctx context.Context, venueID string, seats []ticketing.Seat) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM ticket_seats WHERE venue_id = ?`, venueID); err != nil {
		return wrap("delete seats", err)
	}
	for i, s := range seats {
		_, err := tx.q.ExecContext(ctx, `INSERT INTO ticket_seats (venue_id, id, section, row_name, number, category, ord) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			venueID, s.ID, s.Section, s.Row, s.Number, s.Category, i)
		if err != nil {
			return wrap("insert seat", err)
		}
	}
	_, err := tx.q.ExecContext(ctx, `DELETE FROM ticket_category_names WHERE venue_id = ?
		AND NOT EXISTS (SELECT 1 FROM ticket_seats s WHERE s.venue_id = ticket_category_names.venue_id AND s.category = ticket_category_names.code)`, venueID)
	return wrap("forget category names", err)
}

// CategoryNames implements ticketing.Tx.
func (tx *Tx) CategoryNames(ctx context.Context, venueID string) ([]ticketing.CategoryName, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT code, name_it, name_en FROM ticket_category_names WHERE venue_id = ? ORDER BY code`, venueID)
	out, err := collect(rows, err, func(r rowScanner) (ticketing.CategoryName, error) {
		var n ticketing.CategoryName
		err := r.Scan(&n.Code, &n.NameIT, &n.NameEN)
		return n, err
	})
	return out, wrap("list category names", err)
}

// ReplaceCategoryNames implements ticketing.Tx.
func (tx *Tx) ReplaceCategoryNames(ctx context.Context, venueID string, names []ticketing.CategoryName) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM ticket_category_names WHERE venue_id = ?`, venueID); err != nil {
		return wrap("delete category names", err)
	}
	for _, n := range names {
		_, err := tx.q.ExecContext(ctx, `INSERT INTO ticket_category_names (venue_id, code, name_it, name_en) VALUES (?, ?, ?, ?)`, venueID, n.Code, n.NameIT, n.NameEN)
		if err != nil {
			return wrap("insert category name", err)
		}
	}
	return nil
}

// Seats implements ticketing.Tx.
func (tx *Tx) Seats(ctx context.Context, venueID string) ([]ticketing.Seat, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, section, row_name, number, category FROM ticket_seats WHERE venue_id = ? ORDER BY ord`, venueID)
	out, err := collect(rows, err, func(r rowScanner) (ticketing.Seat, error) {
		var s ticketing.Seat
		err := r.Scan(&s.ID, &s.Section, &s.Row, &s.Number, &s.Category)
		return s, err
	})
	return out, wrap("list seats", err)
}

// SeatsIn implements ticketing.Tx.
func (tx *Tx) SeatsIn(ctx context.Context, venueID string, ids []string) ([]ticketing.Seat, error) {
	args := []any{venueID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT id, section, row_name, number, category FROM ticket_seats
		WHERE venue_id = ? AND id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`) ORDER BY ord`, args...)
	out, err := collect(rows, err, func(r rowScanner) (ticketing.Seat, error) {
		var s ticketing.Seat
		err := r.Scan(&s.ID, &s.Section, &s.Row, &s.Number, &s.Category)
		return s, err
	})
	return out, wrap("read seats", err)
}

// MaySeize implements ticketing.Tx. Holds are serial on the single
// writer, so no other one can be trying for a seat at this moment.
func (tx *Tx) MaySeize(ctx context.Context, performanceID string, seatIDs []string, now time.Time) (bool, error) {
	args := []any{performanceID, toMicros(now)}
	for _, id := range seatIDs {
		args = append(args, id)
	}
	var taken bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM ticket_claims WHERE performance_id = ? AND (state = 'sold' OR expires_at > ?)
		AND seat_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(seatIDs)), ", ")+`))`, args...).Scan(&taken)
	return !taken, wrap("check seats", err)
}

// HoldTarget implements ticketing.Tx.
func (tx *Tx) HoldTarget(ctx context.Context, performanceID string, seatIDs []string, now time.Time) (ticketing.Performance, bool, []ticketing.Seat, error) {
	p, err := tx.Performance(ctx, performanceID)
	if err != nil {
		return p, false, nil, err
	}
	free, err := tx.MaySeize(ctx, p.ID, seatIDs, now)
	if err != nil {
		return p, false, nil, err
	}
	seats, err := tx.SeatsIn(ctx, p.VenueID, seatIDs)
	return p, free, seats, err
}

// CountPerformances implements ticketing.Tx.
func (tx *Tx) CountPerformances(ctx context.Context, venueID string) (int, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM ticket_performances WHERE venue_id = ?`, venueID).Scan(&n)
	return n, wrap("count performances", err)
}

const perfCols = `id, venue_id, title, starts_at, prices, sales_open, sales_close, status, created_at, doors_open, ends_at, self_cancel_hours`

func scanPerformance(row rowScanner) (ticketing.Performance, error) {
	var p ticketing.Performance
	var prices string
	var starts, open, closes, created, doors, ends int64
	err := row.Scan(&p.ID, &p.VenueID, &p.Title, &starts, &prices, &open, &closes, &p.Status, &created, &doors, &ends, &p.SelfCancelHours)
	if err != nil {
		return p, err
	}
	p.StartsAt, p.SalesOpen, p.SalesClose, p.CreatedAt = fromMicros(starts), fromMicros(open), fromMicros(closes), fromMicros(created)
	p.DoorsOpen, p.EndsAt = fromMicros(doors), fromMicros(ends)
	err = json.Unmarshal([]byte(prices), &p.Prices)
	return p, err
}

// InsertPerformance implements ticketing.Tx.
func (tx *Tx) InsertPerformance(ctx context.Context, p ticketing.Performance) error {
	prices, err := tkJSON(p.Prices)
	if err != nil {
		return wrap("encode prices", err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO ticket_performances (`+perfCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.VenueID, p.Title, toMicros(p.StartsAt), prices, toMicros(p.SalesOpen), toMicros(p.SalesClose), p.Status, toMicros(p.CreatedAt),
		toMicros(p.DoorsOpen), toMicros(p.EndsAt), p.SelfCancelHours)
	return wrap("insert performance", err)
}

// UpdatePerformance implements ticketing.Tx.
func (tx *Tx) UpdatePerformance(ctx context.Context, p ticketing.Performance) error {
	prices, err := tkJSON(p.Prices)
	if err != nil {
		return wrap("encode prices", err)
	}
	res, err := tx.q.ExecContext(ctx, `UPDATE ticket_performances SET title = ?2, starts_at = ?3, prices = ?4, sales_open = ?5, sales_close = ?6, status = ?7,
		doors_open = ?8, ends_at = ?9, self_cancel_hours = ?10 WHERE id = ?1`,
		p.ID, p.Title, toMicros(p.StartsAt), prices, toMicros(p.SalesOpen), toMicros(p.SalesClose), p.Status, toMicros(p.DoorsOpen), toMicros(p.EndsAt), p.SelfCancelHours)
	return wrap("update performance", oneRow(res, err))
}

// Performance implements ticketing.Tx.
func (tx *Tx) Performance(ctx context.Context, id string) (ticketing.Performance, error) {
	p, err := scanPerformance(tx.q.QueryRowContext(ctx, `SELECT `+perfCols+` FROM ticket_performances WHERE id = ?`, id))
	return p, wrap("read performance", err)
}

// LockPerformance implements ticketing.Tx: Performance, since a SQLite
// write transaction (BEGIN IMMEDIATE) already excludes every other writer.
func (tx *Tx) LockPerformance(ctx context.Context, id string) (ticketing.Performance, error) {
	return tx.Performance(ctx, id)
}

// ListPerformances implements ticketing.Tx.
func (tx *Tx) ListPerformances(ctx context.Context, from time.Time, all bool) ([]ticketing.Performance, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+perfCols+` FROM ticket_performances WHERE starts_at >= ?1 AND (?2 OR status = 'scheduled') ORDER BY starts_at, id`,
		toMicros(from), boolInt(all))
	out, err := collect(rows, err, scanPerformance)
	return out, wrap("list performances", err)
}

// ReleaseExpiredClaims implements ticketing.Tx.
func (tx *Tx) ReleaseExpiredClaims(ctx context.Context, performanceID string, seatIDs []string, now time.Time) error {
	ids, err := tkJSON(seatIDs)
	if err != nil {
		return wrap("encode seat ids", err)
	}
	_, err = tx.q.ExecContext(ctx, `DELETE FROM ticket_claims WHERE performance_id = ?1 AND seat_id IN (SELECT value FROM json_each(?2))
		AND state = 'held' AND expires_at <= ?3`, performanceID, ids, toMicros(now))
	return wrap("release expired holds", err)
}

// TryClaim implements ticketing.Tx.
func (tx *Tx) TryClaim(ctx context.Context, c ticketing.Claim) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO ticket_claims (performance_id, seat_id, order_id, state, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (performance_id, seat_id) DO NOTHING`, c.PerformanceID, c.SeatID, c.OrderID, c.State, toMicros(c.ExpiresAt))
	if err != nil {
		return false, wrap("claim seat", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("claim seat", err)
}

const claimCols = `performance_id, seat_id, order_id, state, expires_at`

func scanClaim(row rowScanner) (ticketing.Claim, error) {
	var c ticketing.Claim
	var exp int64
	err := row.Scan(&c.PerformanceID, &c.SeatID, &c.OrderID, &c.State, &exp)
	c.ExpiresAt = fromMicros(exp)
	return c, err
}

// Claims implements ticketing.Tx.
func (tx *Tx) Claims(ctx context.Context, performanceID string) ([]ticketing.Claim, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+claimCols+` FROM ticket_claims WHERE performance_id = ?`, performanceID)
	out, err := collect(rows, err, scanClaim)
	return out, wrap("list claims", err)
}

// ClaimsOf implements ticketing.Tx.
func (tx *Tx) ClaimsOf(ctx context.Context, ids []string) ([]ticketing.Claim, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, wrap("encode performance ids", err)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT `+claimCols+` FROM ticket_claims WHERE performance_id IN (SELECT value FROM json_each(?1))`, string(list))
	out, err := collect(rows, err, scanClaim)
	return out, wrap("list claims of performances", err)
}

// Claim implements ticketing.Tx.
func (tx *Tx) Claim(ctx context.Context, performanceID, seatID string) (ticketing.Claim, error) {
	c, err := scanClaim(tx.q.QueryRowContext(ctx, `SELECT `+claimCols+` FROM ticket_claims WHERE performance_id = ? AND seat_id = ?`, performanceID, seatID))
	return c, wrap("read claim", err)
}

// SellClaims implements ticketing.Tx.
func (tx *Tx) SellClaims(ctx context.Context, orderID string, seats int) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE ticket_claims SET state = 'sold' WHERE order_id = ?`, orderID)
	if err != nil {
		return wrap("sell claims", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(seats) {
		return apperr.E(apperr.NotFound, "Order %s: %d of its %d seats sold.", orderID, n, seats)
	}
	return nil
}

// DeleteClaims implements ticketing.Tx.
func (tx *Tx) DeleteClaims(ctx context.Context, orderID string) error {
	_, err := tx.q.ExecContext(ctx, `DELETE FROM ticket_claims WHERE order_id = ?`, orderID)
	return wrap("delete claims", err)
}

const orderCols = `id, account_id, performance_id, seats, total_cents, status, method, payment_intent_id, hold_expires_at, created_at, paid_at, transaction_id, note, dispute, card_refunded_cents, card_attempt`

func scanOrder(row rowScanner) (ticketing.Order, error) {
	var o ticketing.Order
	var seats string
	var exp, created int64
	var paid sql.NullInt64
	err := row.Scan(&o.ID, &o.AccountID, &o.PerformanceID, &seats, &o.TotalCents, &o.Status, &o.Method, &o.PaymentIntentID,
		&exp, &created, &paid, &o.TransactionID, &o.Note, &o.Dispute, &o.CardRefundedCents, &o.CardAttempt)
	if err != nil {
		return o, err
	}
	o.HoldExpiresAt, o.CreatedAt, o.PaidAt = fromMicros(exp), fromMicros(created), fromMicros(paid.Int64)
	err = json.Unmarshal([]byte(seats), &o.Seats)
	return o, err
}

// InsertOrder implements ticketing.Tx.
func (tx *Tx) InsertOrder(ctx context.Context, o ticketing.Order) error {
	seats, err := tkJSON(o.Seats)
	if err != nil {
		return wrap("encode seats", err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO ticket_orders (`+orderCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.AccountID, o.PerformanceID, seats, o.TotalCents, o.Status, o.Method, o.PaymentIntentID, toMicros(o.HoldExpiresAt), toMicros(o.CreatedAt),
		nullMicros(o.PaidAt), o.TransactionID, o.Note, o.Dispute, o.CardRefundedCents, o.CardAttempt)
	return wrap("insert order", err)
}

// UpdateOrder implements ticketing.Tx.
func (tx *Tx) UpdateOrder(ctx context.Context, o ticketing.Order) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE ticket_orders SET status = ?2, method = ?3, payment_intent_id = ?4, paid_at = ?5, transaction_id = ?6, note = ?7,
		dispute = ?8, card_refunded_cents = ?9, card_attempt = ?10 WHERE id = ?1`,
		o.ID, o.Status, o.Method, o.PaymentIntentID, nullMicros(o.PaidAt), o.TransactionID, o.Note, o.Dispute, o.CardRefundedCents, o.CardAttempt)
	return wrap("update order", oneRow(res, err))
}

// OrderByPaymentIntent implements ticketing.Tx.
func (tx *Tx) OrderByPaymentIntent(ctx context.Context, paymentIntentID string) (ticketing.Order, error) {
	o, err := scanOrder(tx.q.QueryRowContext(ctx, `SELECT `+orderCols+` FROM ticket_orders
		WHERE payment_intent_id = ? AND payment_intent_id <> '' ORDER BY created_at LIMIT 1`, paymentIntentID))
	return o, wrap("read order by payment", err)
}

// Order implements ticketing.Tx.
func (tx *Tx) Order(ctx context.Context, id string) (ticketing.Order, error) {
	o, err := scanOrder(tx.q.QueryRowContext(ctx, `SELECT `+orderCols+` FROM ticket_orders WHERE id = ?`, id))
	return o, wrap("read order", err)
}

// LockOrder implements ticketing.Tx.
func (tx *Tx) LockOrder(ctx context.Context, id string) (ticketing.Order, error) {
	return tx.Order(ctx, id)
}

// ordersOfSQL is a buyer's orders newest first: the first page, and the
// page after the order ?2 names. The buyer's index on (account_id,
// created_at, id) (migration 1037), read backwards, gives them in that
// order and starts a page after a cursor at the cursor, where the index on
// the time alone left ties to a sort. The cursor is a statement of its own
// rather than a condition an empty cursor passes, which SQLite, planning
// before the values are bound, would keep as a filter.
var ordersOfSQL = struct{ first, after string }{
	first: `SELECT ` + orderCols + ` FROM ticket_orders WHERE account_id = ?1
		ORDER BY created_at DESC, id DESC LIMIT ?2`,
	after: `SELECT ` + orderCols + ` FROM ticket_orders WHERE account_id = ?1
		AND (created_at, id) < (SELECT created_at, id FROM ticket_orders WHERE id = ?2)
		ORDER BY created_at DESC, id DESC LIMIT ?3`,
}

// ListOrders implements ticketing.Tx.
func (tx *Tx) ListOrders(ctx context.Context, accountID, after string, limit int) ([]ticketing.Order, error) {
	sql, args := ordersOfSQL.first, []any{accountID, limit}
	if after != "" {
		sql, args = ordersOfSQL.after, []any{accountID, after, limit}
	}
	rows, err := tx.q.QueryContext(ctx, sql, args...)
	out, err := collect(rows, err, scanOrder)
	return out, wrap("list orders", err)
}

const ticketCols = `id, order_id, performance_id, venue_id, seat_id, account_id, price_cents, status, code, code_hash, issued_at, checked_in_at, checked_in_by`

func scanTicket(row rowScanner) (ticketing.Ticket, error) {
	var t ticketing.Ticket
	var issued int64
	var in sql.NullInt64
	err := row.Scan(&t.ID, &t.OrderID, &t.PerformanceID, &t.VenueID, &t.SeatID, &t.AccountID, &t.PriceCents, &t.Status, &t.Code, &t.CodeHash,
		&issued, &in, &t.CheckedInBy)
	t.IssuedAt, t.CheckedInAt = fromMicros(issued), fromMicros(in.Int64)
	return t, err
}

// InsertTicket implements ticketing.Tx.
func (tx *Tx) InsertTicket(ctx context.Context, t ticketing.Ticket) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO tickets (`+ticketCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrderID, t.PerformanceID, t.VenueID, t.SeatID, t.AccountID, t.PriceCents, t.Status, t.Code, t.CodeHash, toMicros(t.IssuedAt),
		nullMicros(t.CheckedInAt), t.CheckedInBy)
	return wrap("insert ticket", err)
}

// Ticket implements ticketing.Tx.
func (tx *Tx) Ticket(ctx context.Context, id string) (ticketing.Ticket, error) {
	t, err := scanTicket(tx.q.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE id = ?`, id))
	return t, wrap("read ticket", err)
}

// TicketByCodeHash implements ticketing.Tx.
func (tx *Tx) TicketByCodeHash(ctx context.Context, hash string) (ticketing.Ticket, error) {
	t, err := scanTicket(tx.q.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE code_hash = ?`, hash))
	return t, wrap("read ticket", err)
}

// ListTickets implements ticketing.Tx.
func (tx *Tx) ListTickets(ctx context.Context, accountID string) ([]ticketing.Ticket, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE account_id = ? ORDER BY issued_at DESC, id`, accountID)
	out, err := collect(rows, err, scanTicket)
	return out, wrap("list tickets", err)
}

// OrderTickets implements ticketing.Tx.
func (tx *Tx) OrderTickets(ctx context.Context, orderID string) ([]ticketing.Ticket, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE order_id = ? ORDER BY seat_id`, orderID)
	out, err := collect(rows, err, scanTicket)
	return out, wrap("list tickets", err)
}

// LockOrderTickets implements ticketing.Tx: the hub's one writer
// connection already keeps every other write out until this one ends.
func (tx *Tx) LockOrderTickets(ctx context.Context, orderID string) ([]ticketing.Ticket, error) {
	return tx.OrderTickets(ctx, orderID)
}

// CheckIn implements ticketing.Tx.
func (tx *Tx) CheckIn(ctx context.Context, ticketID string, at time.Time, staffID string) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE tickets SET status = 'checked_in', checked_in_at = ?2, checked_in_by = ?3 WHERE id = ?1 AND status = 'valid'`,
		ticketID, toMicros(at), staffID)
	if err != nil {
		return false, wrap("check in", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("check in", err)
}

// CancelOrderTickets implements ticketing.Tx.
func (tx *Tx) CancelOrderTickets(ctx context.Context, orderID string) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE tickets SET status = 'cancelled' WHERE order_id = ?`, orderID)
	return wrap("cancel tickets", err)
}

// SalesStats implements ticketing.Tx. Every figure of the tickets is of the
// live ones, so the live tickets' index of the performance's seats
// (tickets_live_seat) finds them: with no such condition every ticket ever
// sold was read.
func (tx *Tx) SalesStats(ctx context.Context, performanceID string, now time.Time) (ticketing.SalesStats, error) {
	s := ticketing.SalesStats{PerformanceID: performanceID}
	err := tx.q.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'checked_in'), coalesce(sum(price_cents), 0)
		FROM tickets WHERE performance_id = ? AND status <> 'cancelled'`, performanceID).Scan(&s.Sold, &s.CheckedIn, &s.RevenueCents)
	if err != nil {
		return s, wrap("count tickets", err)
	}
	err = tx.q.QueryRowContext(ctx, `SELECT count(*) FROM ticket_claims WHERE performance_id = ? AND state = 'held' AND expires_at > ?`, performanceID, toMicros(now)).Scan(&s.Held)
	if err != nil {
		return s, wrap("count holds", err)
	}
	err = tx.q.QueryRowContext(ctx, `SELECT count(*) FROM ticket_orders WHERE performance_id = ? AND status = 'refund_due'`, performanceID).Scan(&s.RefundsDue)
	if err != nil {
		return s, wrap("count refunds due", err)
	}
	err = tx.q.QueryRowContext(ctx, `SELECT count(*) FROM door_offline_entries WHERE performance_id = ? AND outcome = 'double_entry'`, performanceID).Scan(&s.DoubleEntries)
	return s, wrap("count double entries", err)
}

var _ ticketing.Tx = (*Tx)(nil)

// RecordTicketCodeFailures implements ticketing.Tx.
func (tx *Tx) RecordTicketCodeFailures(ctx context.Context, keys []string, at, pruneBefore time.Time) error {
	for _, key := range keys {
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM ticket_code_failures WHERE key = ? AND at < ?`, key, toMicros(pruneBefore)); err != nil {
			return wrap("prune code failures", err)
		}
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO ticket_code_failures (key, at) VALUES (?, ?)`, key, toMicros(at)); err != nil {
			return wrap("record code failure", err)
		}
	}
	return nil
}

// TicketCodeFailures implements ticketing.Tx.
func (tx *Tx) TicketCodeFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error) {
	ids, err := tkJSON(keys)
	if err != nil {
		return nil, wrap("encode keys", err)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT key, count(*) FROM ticket_code_failures
		WHERE key IN (SELECT value FROM json_each(?1)) AND at >= ?2 GROUP BY key`, ids, toMicros(since))
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

// PerformanceOrders implements ticketing.Tx.
func (tx *Tx) PerformanceOrders(ctx context.Context, performanceID string, statuses []string) ([]string, error) {
	st, err := tkJSON(statuses)
	if err != nil {
		return nil, wrap("encode statuses", err)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT id FROM ticket_orders WHERE performance_id = ?1 AND status IN (SELECT value FROM json_each(?2)) ORDER BY id`, performanceID, st)
	out, err := collect(rows, err, func(r rowScanner) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
	return out, wrap("list performance orders", err)
}

// LiveHeldSeats implements ticketing.Tx; the single writer already
// serializes every hold.
func (tx *Tx) LiveHeldSeats(ctx context.Context, accountID, performanceID string, now time.Time) (int, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM ticket_claims c JOIN ticket_orders o ON o.id = c.order_id
		WHERE c.performance_id = ?1 AND c.state = 'held' AND c.expires_at > ?2 AND o.account_id = ?3`, performanceID, toMicros(now), accountID).Scan(&n)
	return n, wrap("count held seats", err)
}
