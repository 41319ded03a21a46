// Ticket orders: written, locked, paid, and listed.

package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/ticketing"
)

const orderCols = `id, account_id, performance_id, seats, total_cents, status, method, payment_intent_id, hold_expires_at, created_at, paid_at, transaction_id, note, dispute, card_refunded_cents, card_attempt`

func scanOrder(row pgx.Row) (ticketing.Order, error) {
	var o ticketing.Order
	var seats []byte
	var paid *time.Time
	err := row.Scan(&o.ID, &o.AccountID, &o.PerformanceID, &seats, &o.TotalCents, &o.Status, &o.Method, &o.PaymentIntentID,
		&o.HoldExpiresAt, &o.CreatedAt, &paid, &o.TransactionID, &o.Note, &o.Dispute, &o.CardRefundedCents, &o.CardAttempt)
	if err != nil {
		return o, err
	}
	o.HoldExpiresAt, o.CreatedAt = o.HoldExpiresAt.UTC(), o.CreatedAt.UTC()
	if paid != nil {
		o.PaidAt = paid.UTC()
	}
	err = json.Unmarshal(seats, &o.Seats)
	return o, err
}

// InsertOrder implements ticketing.Tx.
func (tx *Tx) InsertOrder(ctx context.Context, o ticketing.Order) error {
	seats, err := tkJSON(o.Seats)
	if err != nil {
		return wrap("encode seats", err)
	}
	// Queued to ride with the next statement (the seats' claims, which
	// refer to it) or the commit (pipeline.go).
	return tx.later(ctx, deferred{what: "insert order",
		sql: `INSERT INTO ticket_orders (` + orderCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		args: []any{o.ID, o.AccountID, o.PerformanceID, seats, o.TotalCents, o.Status, o.Method, o.PaymentIntentID, o.HoldExpiresAt, o.CreatedAt,
			nullTime(o.PaidAt), o.TransactionID, o.Note, o.Dispute, o.CardRefundedCents, o.CardAttempt}})
}

// UpdateOrder implements ticketing.Tx.
func (tx *Tx) UpdateOrder(ctx context.Context, o ticketing.Order) error {
	// Queued to ride with the next statement or the COMMIT; its row count
	// is judged by the server (counted).
	return tx.later(ctx, counted("update order",
		`UPDATE ticket_orders SET status = $2, method = $3, payment_intent_id = $4, paid_at = $5, transaction_id = $6, note = $7,
		dispute = $8, card_refunded_cents = $9, card_attempt = $10 WHERE id = $1`,
		o.ID, o.Status, o.Method, o.PaymentIntentID, nullTime(o.PaidAt), o.TransactionID, o.Note, o.Dispute, o.CardRefundedCents, o.CardAttempt))
}

// Order implements ticketing.Tx.
func (tx *Tx) Order(ctx context.Context, id string) (ticketing.Order, error) {
	o, err := scanOrder(tx.q.QueryRow(ctx, `SELECT `+orderCols+` FROM ticket_orders WHERE id = $1`, id))
	return o, wrap("read order", err)
}

// OrderByPaymentIntent implements ticketing.Tx.
func (tx *Tx) OrderByPaymentIntent(ctx context.Context, paymentIntentID string) (ticketing.Order, error) {
	o, err := scanOrder(tx.q.QueryRow(ctx, `SELECT `+orderCols+` FROM ticket_orders
		WHERE payment_intent_id = $1 AND payment_intent_id <> '' ORDER BY created_at LIMIT 1`, paymentIntentID))
	return o, wrap("read order by payment", err)
}

const lockOrderSQL = `SELECT ` + orderCols + ` FROM ticket_orders WHERE id = $1 FOR UPDATE`

// LockOrder implements ticketing.Tx.
func (tx *Tx) LockOrder(ctx context.Context, id string) (ticketing.Order, error) {
	o, err := scanOrder(tx.q.QueryRow(ctx, lockOrderSQL, id))
	return o, wrap("lock order", err)
}

var _ ticketing.PaymentReader = (*Tx)(nil)

// ReadOrderToPay implements ticketing.PaymentReader: the order's lock and
// the reads of its performance, the performance's venue, the claims on its
// seats (locked) and its buyer's account are statements of one batch, the
// reads taken once the lock is held.
func (tx *Tx) ReadOrderToPay(ctx context.Context, orderID string) (ticketing.PaymentReads, error) {
	var r ticketing.PaymentReads
	err := tx.readBatch(ctx, batchRead{
		sql:  lockOrderSQL,
		args: []any{orderID},
		read: rowInto(&r.Order, "lock order", scanOrder),
	}, batchRead{
		sql:  `SELECT ` + perfCols + ` FROM ticket_performances WHERE id = (SELECT performance_id FROM ticket_orders WHERE id = $1)`,
		args: []any{orderID},
		read: rowInto(&r.Performance, "read performance", scanPerformance),
	}, batchRead{
		sql: `SELECT id, name, address, created_at FROM ticket_venues
			WHERE id = (SELECT p.venue_id FROM ticket_performances p JOIN ticket_orders o ON o.performance_id = p.id WHERE o.id = $1)`,
		args: []any{orderID},
		read: rowInto(&r.Venue, "read venue", scanVenue),
	}, batchRead{
		sql: `SELECT ` + claimCols + ` FROM ticket_claims
			WHERE (performance_id, seat_id) IN (SELECT o.performance_id, s->>'seat_id' FROM ticket_orders o, jsonb_array_elements(o.seats) s WHERE o.id = $1)
			ORDER BY seat_id FOR UPDATE`,
		args: []any{orderID},
		read: func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err != nil {
				return wrap("read the order's claims", err)
			}
			r.Claims, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ticketing.Claim, error) { return scanClaim(row) })
			return wrap("read the order's claims", err)
		},
	}, batchRead{
		sql:  `SELECT ` + accountColumns + ` FROM accounts a WHERE a.id = (SELECT account_id FROM ticket_orders WHERE id = $1)`,
		args: []any{orderID},
		read: func(br pgx.BatchResults) error {
			a, err := scanAccount(br.QueryRow())
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			r.Buyer, r.BuyerFound = a, err == nil
			return wrap("read the buyer's account", err)
		},
	})
	return r, err
}

// ordersOfSQL is a buyer's orders newest first: the first page, and the
// page after the order $2 names. The buyer's index on (account_id,
// created_at, id) (migration 1037), read backwards, gives them in that
// order and starts a page after a cursor at the cursor, where the index on
// the time alone left ties to a sort.
var ordersOfSQL = struct{ first, after string }{
	first: `SELECT ` + orderCols + ` FROM ticket_orders WHERE account_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`,
	after: `SELECT ` + orderCols + ` FROM ticket_orders WHERE account_id = $1
		AND (created_at, id) < (SELECT created_at, id FROM ticket_orders WHERE id = $2)
		ORDER BY created_at DESC, id DESC LIMIT $3`,
}

// ListOrders implements ticketing.Tx.
func (tx *Tx) ListOrders(ctx context.Context, accountID, after string, limit int) ([]ticketing.Order, error) {
	sql, args := ordersOfSQL.first, []any{accountID, limit}
	if after != "" {
		sql, args = ordersOfSQL.after, []any{accountID, after, limit}
	}
	rows, err := tx.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap("list orders", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Order, error) { return scanOrder(r) })
	if out == nil {
		out = []ticketing.Order{}
	}
	return out, wrap("list orders", err)
}

// PerformanceOrders implements ticketing.Tx.
func (tx *Tx) PerformanceOrders(ctx context.Context, performanceID string, statuses []string) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT id FROM ticket_orders WHERE performance_id = $1 AND status = ANY($2) ORDER BY id`, performanceID, statuses)
	if err != nil {
		return nil, wrap("list performance orders", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrap("list performance orders", err)
}

// lockBuyerHoldsSQL serializes one buyer's holds for one performance;
// other buyers are not held up (a hash collision only makes two of them
// wait in turn).
const lockBuyerHoldsSQL = `SELECT pg_advisory_xact_lock(hashtext('ticket-holds:' || $1 || ':' || $2))`

// countHeldSQL counts a buyer's live held seats of a performance, from
// the buyer's orders (ticket_orders_account) to their claims
// (ticket_claims_order): in a rush every buyer counts, and a count from the
// performance's claims read all of them, hundreds, each time.
const countHeldSQL = `SELECT count(*) FROM ticket_orders o JOIN ticket_claims c ON c.order_id = o.id
		WHERE o.account_id = $3 AND o.performance_id = $1 AND c.performance_id = $1 AND c.state = 'held' AND c.expires_at > $2`

// LiveHeldSeats implements ticketing.Tx. The lock rides in one batch with
// the count (pipeline.go): the count is a statement of its own, so its
// snapshot is taken once the lock is held and sees every hold committed
// before.
func (tx *Tx) LiveHeldSeats(ctx context.Context, accountID, performanceID string, now time.Time) (int, error) {
	if err := tx.later(ctx, deferred{what: "lock buyer's holds", sql: lockBuyerHoldsSQL, args: []any{accountID, performanceID}}); err != nil {
		return 0, err
	}
	var n int
	err := tx.q.QueryRow(ctx, countHeldSQL, performanceID, now, accountID).Scan(&n)
	return n, wrap("count held seats", err)
}
