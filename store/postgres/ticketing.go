package postgres

import (
	"context"
	"encoding/json"
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
