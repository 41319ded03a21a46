// Performances and the seats held for their orders (ticket_claims).

package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/ticketing"
)

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

// ClaimsOf implements ticketing.Tx.
func (tx *Tx) ClaimsOf(ctx context.Context, ids []string) ([]ticketing.Claim, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+claimCols+` FROM ticket_claims WHERE performance_id = ANY($1)`, ids)
	if err != nil {
		return nil, wrap("list claims of performances", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ticketing.Claim, error) { return scanClaim(r) })
	return out, wrap("list claims of performances", err)
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
