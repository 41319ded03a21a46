package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/ticketing"
)

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
	_, err := tx.q.Exec(ctx, `INSERT INTO ticket_venues (id, name, address, created_at) VALUES ($1, $2, $3, $4)`, v.ID, v.Name, v.Address, v.CreatedAt)
	return wrap("insert venue", err)
}

func scanVenue(row pgx.Row) (ticketing.Venue, error) {
	var v ticketing.Venue
	err := row.Scan(&v.ID, &v.Name, &v.Address, &v.CreatedAt)
	v.CreatedAt = v.CreatedAt.UTC()
	return v, err
}

// Venue implements ticketing.Tx.
func (tx *Tx) Venue(ctx context.Context, id string) (ticketing.Venue, error) {
	v, err := scanVenue(tx.q.QueryRow(ctx, `SELECT id, name, address, created_at FROM ticket_venues WHERE id = $1`, id))
	return v, wrap("read venue", err)
}

// LockVenue implements ticketing.Tx.
func (tx *Tx) LockVenue(ctx context.Context, id string) (ticketing.Venue, error) {
	v, err := scanVenue(tx.q.QueryRow(ctx, `SELECT id, name, address, created_at FROM ticket_venues WHERE id = $1 FOR UPDATE`, id))
	return v, wrap("lock venue", err)
}

// ListVenues implements ticketing.Tx.
func (tx *Tx) ListVenues(ctx context.Context) ([]ticketing.Venue, error) {
	rows, err := tx.q.Query(ctx, `SELECT id, name, address, created_at FROM ticket_venues ORDER BY name, id`)
	if err != nil {
		return nil, wrap("list venues", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Venue, error) { return scanVenue(r) })
	if out == nil {
		out = []ticketing.Venue{}
	}
	return out, wrap("list venues", err)
}

// ReplaceSeats implements ticketing.Tx.
func (tx *Tx) ReplaceSeats(ctx context.Context, venueID string, seats []ticketing.Seat) error {
	if _, err := tx.q.Exec(ctx, `DELETE FROM ticket_seats WHERE venue_id = $1`, venueID); err != nil {
		return wrap("delete seats", err)
	}
	rows := make([][]any, len(seats))
	for i, s := range seats {
		rows[i] = []any{venueID, s.ID, s.Section, s.Row, s.Number, s.Category, i}
	}
	if tx.pipe == nil {
		return fmt.Errorf("replace seats outside a transaction")
	}
	// COPY does not ride in a batch: send what is queued first.
	if err := tx.pipe.flush(ctx); err != nil {
		return wrap("insert seats", err)
	}
	if _, err := tx.pipe.tx.CopyFrom(ctx, pgx.Identifier{"ticket_seats"}, []string{"venue_id", "id", "section", "row_name", "number", "category", "ord"}, pgx.CopyFromRows(rows)); err != nil {
		return wrap("insert seats", err)
	}
	_, err := tx.q.Exec(ctx, `DELETE FROM ticket_category_names n WHERE n.venue_id = $1
		AND NOT EXISTS (SELECT 1 FROM ticket_seats s WHERE s.venue_id = n.venue_id AND s.category = n.code)`, venueID)
	return wrap("forget category names", err)
}

// CategoryNames implements ticketing.Tx.
func (tx *Tx) CategoryNames(ctx context.Context, venueID string) ([]ticketing.CategoryName, error) {
	rows, err := tx.q.Query(ctx, `SELECT code, name_it, name_en FROM ticket_category_names WHERE venue_id = $1 ORDER BY code`, venueID)
	if err != nil {
		return nil, wrap("list category names", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.CategoryName, error) {
		var n ticketing.CategoryName
		err := r.Scan(&n.Code, &n.NameIT, &n.NameEN)
		return n, err
	})
	return out, wrap("list category names", err)
}

// ReplaceCategoryNames implements ticketing.Tx.
func (tx *Tx) ReplaceCategoryNames(ctx context.Context, venueID string, names []ticketing.CategoryName) error {
	codes, its, ens := make([]string, len(names)), make([]string, len(names)), make([]string, len(names))
	for i, n := range names {
		codes[i], its[i], ens[i] = n.Code, n.NameIT, n.NameEN
	}
	if _, err := tx.q.Exec(ctx, `DELETE FROM ticket_category_names WHERE venue_id = $1`, venueID); err != nil {
		return wrap("delete category names", err)
	}
	_, err := tx.q.Exec(ctx, `INSERT INTO ticket_category_names (venue_id, code, name_it, name_en)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])`, venueID, codes, its, ens)
	return wrap("insert category names", err)
}

// Seats implements ticketing.Tx.
func (tx *Tx) Seats(ctx context.Context, venueID string) ([]ticketing.Seat, error) {
	rows, err := tx.q.Query(ctx, `SELECT id, section, row_name, number, category FROM ticket_seats WHERE venue_id = $1 ORDER BY ord`, venueID)
	if err != nil {
		return nil, wrap("list seats", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Seat, error) {
		var s ticketing.Seat
		err := r.Scan(&s.ID, &s.Section, &s.Row, &s.Number, &s.Category)
		return s, err
	})
	return out, wrap("list seats", err)
}

// SeatsIn implements ticketing.Tx.
func (tx *Tx) SeatsIn(ctx context.Context, venueID string, ids []string) ([]ticketing.Seat, error) {
	rows, err := tx.q.Query(ctx, `SELECT id, section, row_name, number, category FROM ticket_seats WHERE venue_id = $1 AND id = ANY($2) ORDER BY ord`, venueID, ids)
	if err != nil {
		return nil, wrap("read seats", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Seat, error) {
		var s ticketing.Seat
		err := r.Scan(&s.ID, &s.Section, &s.Row, &s.Number, &s.Category)
		return s, err
	})
	return out, wrap("read seats", err)
}

// MaySeize implements ticketing.Tx in one statement: a transaction-scoped
// advisory lock per seat (two 32-bit keys: the performance and the seat)
// marks it as tried for; a lock another hold has means it is trying now.
func (tx *Tx) MaySeize(ctx context.Context, performanceID string, seatIDs []string, now time.Time) (bool, error) {
	var free bool
	err := tx.q.QueryRow(ctx, `SELECT bool_and(pg_try_advisory_xact_lock(hashtext($1), hashtext(s)))
			AND NOT EXISTS (SELECT 1 FROM ticket_claims WHERE performance_id = $1 AND seat_id = ANY($2) AND (state = 'sold' OR expires_at > $3))
		FROM unnest($2::text[]) AS s`, performanceID, seatIDs, now).Scan(&free)
	return free, wrap("check seats", err)
}

// HoldTarget implements ticketing.Tx: the performance, whether the seats
// may be tried for, and the seats, in one batch.
func (tx *Tx) HoldTarget(ctx context.Context, performanceID string, seatIDs []string, now time.Time) (ticketing.Performance, bool, []ticketing.Seat, error) {
	var t holdReads
	err := tx.readBatch(ctx, t.reads(performanceID, seatIDs, now)...)
	return t.p, t.free != nil && *t.free, t.seats, err
}

var _ ticketing.BuyerHoldReader = (*Tx)(nil)

// HoldTargetOf implements ticketing.BuyerHoldReader: HoldTarget's batch,
// followed by the buyer's lock and the count of their held seats (as
// LiveHeldSeats), the count a statement of its own, so that its snapshot
// is taken once the lock is held. Both are skipped when the seats are not
// free: in a rush most buyers lose, and are told without them.
func (tx *Tx) HoldTargetOf(ctx context.Context, accountID, performanceID string, seatIDs []string, now time.Time) (ticketing.Performance, bool, []ticketing.Seat, int, error) {
	var t holdReads
	var held int
	err := tx.readBatch(ctx, append(t.reads(performanceID, seatIDs, now), batchRead{
		sql: lockBuyerHoldsSQL + ` WHERE current_setting('cityhub.hold_free', true) = 'true'`, args: []any{accountID, performanceID},
		read: func(br pgx.BatchResults) error {
			_, err := br.Exec()
			return wrap("lock buyer's holds", err)
		},
	}, batchRead{
		sql: countHeldSQL + ` AND current_setting('cityhub.hold_free', true) = 'true'`, args: []any{performanceID, now, accountID},
		read: func(br pgx.BatchResults) error { return wrap("count held seats", br.QueryRow().Scan(&held)) },
	})...)
	return t.p, t.free != nil && *t.free, t.seats, held, err
}

// holdReads is what a hold's batch reads.
type holdReads struct {
	p     ticketing.Performance
	free  *bool
	seats []ticketing.Seat
}

// reads are the statements of a hold's batch: the performance, whether
// the seats may be tried for (their try-locks taken, none claimed live),
// and those of seatIDs that are seats of its venue.
func (t *holdReads) reads(performanceID string, seatIDs []string, now time.Time) []batchRead {
	return []batchRead{{
		sql:  `SELECT ` + perfCols + ` FROM ticket_performances WHERE id = $1`,
		args: []any{performanceID},
		read: rowInto(&t.p, "read performance", scanPerformance),
	}, {
		// The answer is also kept in the transaction (cityhub.hold_free)
		// for what follows in the batch to skip when the seats are not free.
		sql: `SELECT set_config('cityhub.hold_free', coalesce(bool_and(pg_try_advisory_xact_lock(hashtext($1), hashtext(s)))
			AND NOT EXISTS (SELECT 1 FROM ticket_claims WHERE performance_id = $1 AND seat_id = ANY($2) AND (state = 'sold' OR expires_at > $3)), false)::text, true)::boolean
		FROM unnest($2::text[]) AS s`,
		args: []any{performanceID, seatIDs, now},
		read: func(br pgx.BatchResults) error { return wrap("check seats", br.QueryRow().Scan(&t.free)) },
	}, {
		sql: `SELECT id, section, row_name, number, category FROM ticket_seats
			WHERE venue_id = (SELECT venue_id FROM ticket_performances WHERE id = $1) AND id = ANY($2) ORDER BY ord`,
		args: []any{performanceID, seatIDs},
		read: func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err != nil {
				return wrap("read seats", err)
			}
			t.seats, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Seat, error) {
				var s ticketing.Seat
				err := r.Scan(&s.ID, &s.Section, &s.Row, &s.Number, &s.Category)
				return s, err
			})
			return wrap("read seats", err)
		},
	}}
}

// CountPerformances implements ticketing.Tx.
func (tx *Tx) CountPerformances(ctx context.Context, venueID string) (int, error) {
	var n int
	err := tx.q.QueryRow(ctx, `SELECT count(*) FROM ticket_performances WHERE venue_id = $1`, venueID).Scan(&n)
	return n, wrap("count performances", err)
}

const perfCols = `id, venue_id, title, starts_at, prices, sales_open, sales_close, status, created_at, doors_open, ends_at, self_cancel_hours`

func scanPerformance(row pgx.Row) (ticketing.Performance, error) {
	var p ticketing.Performance
	var prices []byte
	err := row.Scan(&p.ID, &p.VenueID, &p.Title, &p.StartsAt, &prices, &p.SalesOpen, &p.SalesClose, &p.Status, &p.CreatedAt, &p.DoorsOpen, &p.EndsAt, &p.SelfCancelHours)
	if err != nil {
		return p, err
	}
	p.StartsAt, p.SalesOpen, p.SalesClose, p.CreatedAt = p.StartsAt.UTC(), p.SalesOpen.UTC(), p.SalesClose.UTC(), p.CreatedAt.UTC()
	p.DoorsOpen, p.EndsAt = p.DoorsOpen.UTC(), p.EndsAt.UTC()
	err = json.Unmarshal(prices, &p.Prices)
	return p, err
}

// InsertPerformance implements ticketing.Tx.
func (tx *Tx) InsertPerformance(ctx context.Context, p ticketing.Performance) error {
	prices, err := tkJSON(p.Prices)
	if err != nil {
		return wrap("encode prices", err)
	}
	_, err = tx.q.Exec(ctx, `INSERT INTO ticket_performances (`+perfCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		p.ID, p.VenueID, p.Title, p.StartsAt, prices, p.SalesOpen, p.SalesClose, p.Status, p.CreatedAt, p.DoorsOpen, p.EndsAt, p.SelfCancelHours)
	return wrap("insert performance", err)
}

// UpdatePerformance implements ticketing.Tx.
func (tx *Tx) UpdatePerformance(ctx context.Context, p ticketing.Performance) error {
	prices, err := tkJSON(p.Prices)
	if err != nil {
		return wrap("encode prices", err)
	}
	tag, err := tx.q.Exec(ctx, `UPDATE ticket_performances SET title = $2, starts_at = $3, prices = $4, sales_open = $5, sales_close = $6, status = $7,
		doors_open = $8, ends_at = $9, self_cancel_hours = $10 WHERE id = $1`,
		p.ID, p.Title, p.StartsAt, prices, p.SalesOpen, p.SalesClose, p.Status, p.DoorsOpen, p.EndsAt, p.SelfCancelHours)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("update performance", err)
}

// Performance implements ticketing.Tx.
func (tx *Tx) Performance(ctx context.Context, id string) (ticketing.Performance, error) {
	p, err := scanPerformance(tx.q.QueryRow(ctx, `SELECT `+perfCols+` FROM ticket_performances WHERE id = $1`, id))
	return p, wrap("read performance", err)
}

// LockPerformance implements ticketing.Tx.
func (tx *Tx) LockPerformance(ctx context.Context, id string) (ticketing.Performance, error) {
	p, err := scanPerformance(tx.q.QueryRow(ctx, `SELECT `+perfCols+` FROM ticket_performances WHERE id = $1 FOR UPDATE`, id))
	return p, wrap("lock performance", err)
}

// ListPerformances implements ticketing.Tx.
func (tx *Tx) ListPerformances(ctx context.Context, from time.Time, all bool) ([]ticketing.Performance, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+perfCols+` FROM ticket_performances WHERE starts_at >= $1 AND ($2 OR status = 'scheduled') ORDER BY starts_at, id`, from, all)
	if err != nil {
		return nil, wrap("list performances", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Performance, error) { return scanPerformance(r) })
	if out == nil {
		out = []ticketing.Performance{}
	}
	return out, wrap("list performances", err)
}

// ReleaseExpiredClaims implements ticketing.Tx. Nothing waits for its
// result: it rides with the next statement (pipeline.go), which sees it.
func (tx *Tx) ReleaseExpiredClaims(ctx context.Context, performanceID string, seatIDs []string, now time.Time) error {
	return tx.later(ctx, deferred{what: "release expired holds",
		sql:  `DELETE FROM ticket_claims WHERE performance_id = $1 AND seat_id = ANY($2) AND state = 'held' AND expires_at <= $3`,
		args: []any{performanceID, seatIDs, now}})
}

// TryClaim implements ticketing.Tx. ON CONFLICT DO NOTHING waits for a
// concurrent insert of the same key and then does nothing if it committed.
func (tx *Tx) TryClaim(ctx context.Context, c ticketing.Claim) (bool, error) {
	tag, err := tx.q.Exec(ctx, `INSERT INTO ticket_claims (performance_id, seat_id, order_id, state, expires_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (performance_id, seat_id) DO NOTHING`, c.PerformanceID, c.SeatID, c.OrderID, c.State, c.ExpiresAt)
	if err != nil {
		return false, wrap("claim seat", err)
	}
	return tag.RowsAffected() == 1, nil
}

var _ ticketing.CommitClaimer = (*Tx)(nil)

// ClaimAtCommit implements ticketing.CommitClaimer: one statement inserts
// the claims in the order given and judges, with seats_claimed (migration
// 1012), that it made them all; it is queued to ride with the COMMIT.
// ON CONFLICT DO NOTHING waits for a concurrent insert of the same seat
// and then finds it claimed if it committed.
func (tx *Tx) ClaimAtCommit(ctx context.Context, claims []ticketing.Claim) error {
	if len(claims) == 0 {
		return nil
	}
	c := claims[0]
	seats := make([]string, len(claims))
	for i, o := range claims {
		if o.PerformanceID != c.PerformanceID || o.OrderID != c.OrderID || o.State != c.State || !o.ExpiresAt.Equal(c.ExpiresAt) {
			return fmt.Errorf("claim seats: the claims are not one order's")
		}
		seats[i] = o.SeatID
	}
	return tx.later(ctx, deferred{what: "claim seats",
		sql: `WITH ins AS (
				INSERT INTO ticket_claims (performance_id, seat_id, order_id, state, expires_at)
				SELECT $1, s, $3, $4, $5 FROM unnest($2::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n
				ON CONFLICT (performance_id, seat_id) DO NOTHING RETURNING 1)
			SELECT seats_claimed($3, (SELECT count(*) FROM ins), cardinality($2::text[]))`,
		args: []any{c.PerformanceID, seats, c.OrderID, c.State, c.ExpiresAt}})
}

const claimCols = `performance_id, seat_id, order_id, state, expires_at`

func scanClaim(row pgx.Row) (ticketing.Claim, error) {
	var c ticketing.Claim
	err := row.Scan(&c.PerformanceID, &c.SeatID, &c.OrderID, &c.State, &c.ExpiresAt)
	c.ExpiresAt = c.ExpiresAt.UTC()
	return c, err
}

// Claims implements ticketing.Tx.
func (tx *Tx) Claims(ctx context.Context, performanceID string) ([]ticketing.Claim, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+claimCols+` FROM ticket_claims WHERE performance_id = $1`, performanceID)
	if err != nil {
		return nil, wrap("list claims", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Claim, error) { return scanClaim(r) })
	return out, wrap("list claims", err)
}

// Claim implements ticketing.Tx. A hold released meanwhile (a DELETE of an
// expired claim) waits for the lock and then finds the claim sold; one
// released first leaves no claim here, and the order then claims the seat
// again or finds it taken.
func (tx *Tx) Claim(ctx context.Context, performanceID, seatID string) (ticketing.Claim, error) {
	c, err := scanClaim(tx.q.QueryRow(ctx, `SELECT `+claimCols+` FROM ticket_claims WHERE performance_id = $1 AND seat_id = $2 FOR UPDATE`, performanceID, seatID))
	return c, wrap("read claim", err)
}

// SellClaims implements ticketing.Tx. Queued to ride with the next
// statement or the commit (pipeline.go); the server judges the count
// (rows_written, migration 1011).
func (tx *Tx) SellClaims(ctx context.Context, orderID string, seats int) error {
	return tx.later(ctx, countedN("sell claims", seats, `UPDATE ticket_claims SET state = 'sold' WHERE order_id = $1`, orderID))
}

// DeleteClaims implements ticketing.Tx.
func (tx *Tx) DeleteClaims(ctx context.Context, orderID string) error {
	_, err := tx.q.Exec(ctx, `DELETE FROM ticket_claims WHERE order_id = $1`, orderID)
	return wrap("delete claims", err)
}

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
