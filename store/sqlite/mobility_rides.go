package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"cityhub/apperr"
	"cityhub/mobility"
)

func scanMobRide(row rowScanner) (mobility.Ride, error) {
	var r mobility.Ride
	var status, plan string
	var deadline, created, started, ended int64
	err := row.Scan(&r.ID, &r.CommandID, &r.RiderID, &r.BikeID, &r.StartStation, &r.StartDock, &status, &r.PricingPlanID, &plan,
		&deadline, &created, &started, &ended, &r.EndStation, &r.EndDock, &r.FareCents, &r.Unsettled, &r.LedgerTxID, &r.FailureReason)
	if err != nil {
		return r, err
	}
	r.Status = mobility.RideStatus(status)
	r.Deadline, r.CreatedAt, r.StartedAt, r.EndedAt = fromMicros(deadline), fromMicros(created), fromMicros(started), fromMicros(ended)
	if err := json.Unmarshal([]byte(plan), &r.Plan); err != nil {
		return r, wrap("decode plan of ride "+r.ID, err)
	}
	return r, nil
}

// InsertRide implements mobility.Tx.
func (tx *Tx) InsertRide(ctx context.Context, r mobility.Ride) error {
	plan, err := json.Marshal(r.Plan)
	if err != nil {
		return wrap("encode plan", err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO mobility_rides (id, command_id, rider_id, bike_id, start_station, start_dock, status,
			pricing_plan_id, plan, deadline, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.CommandID, r.RiderID, r.BikeID, r.StartStation, r.StartDock, string(r.Status), r.PricingPlanID, string(plan),
		toMicros(r.Deadline), toMicros(r.CreatedAt))
	return wrap("insert ride", err)
}

// UpdateRide implements mobility.Tx.
func (tx *Tx) UpdateRide(ctx context.Context, r mobility.Ride) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_rides SET status = ?, started_at = ?, ended_at = ?, end_station = ?, end_dock = ?,
			fare_cents = ?, unsettled = ?, ledger_tx_id = ?, failure_reason = ? WHERE id = ?`,
		string(r.Status), toMicros(r.StartedAt), toMicros(r.EndedAt), r.EndStation, r.EndDock, r.FareCents, boolInt(r.Unsettled),
		r.LedgerTxID, r.FailureReason, r.ID)
	if err != nil {
		return wrap("update ride", err)
	}
	return notDeleted(res, "no_ride", "ride", r.ID)
}

func (tx *Tx) mobRideWhere(ctx context.Context, where string, arg any) (mobility.Ride, error) {
	r, err := scanMobRide(tx.q.QueryRowContext(ctx, `SELECT `+mobRideCols+` FROM mobility_rides WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.R(apperr.NotFound, "no_ride", "No such ride.")
	}
	return r, wrap("read ride", err)
}

// LockRide implements mobility.Tx (the writer connection already serializes).
func (tx *Tx) LockRide(ctx context.Context, id string) (mobility.Ride, error) {
	return tx.mobRideWhere(ctx, `id = ?`, id)
}

// LockOpenRideOfBike implements mobility.Tx: OpenRideOfBike, since a write
// transaction here holds the only writer.
func (tx *Tx) LockOpenRideOfBike(ctx context.Context, bikeID string) (mobility.Ride, error) {
	return tx.OpenRideOfBike(ctx, bikeID)
}

// Ride implements mobility.Tx.
func (tx *Tx) Ride(ctx context.Context, id string) (mobility.Ride, error) {
	return tx.mobRideWhere(ctx, `id = ?`, id)
}

// RideByCommand implements mobility.Tx.
func (tx *Tx) RideByCommand(ctx context.Context, commandID string) (mobility.Ride, error) {
	return tx.mobRideWhere(ctx, `command_id = ?`, commandID)
}

// RiderGone implements mobility.Tx. Write transactions here run one at a
// time, so an erasure cannot commit between this read and the ride's
// insert.
func (tx *Tx) RiderGone(ctx context.Context, riderID string) (bool, error) {
	var deleted int64
	err := tx.q.QueryRowContext(ctx, `SELECT deleted_at FROM accounts WHERE id = ?`, riderID).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		// Accounts are erased, never deleted: one the hub does not know
		// was never erased either.
		return false, nil
	}
	return deleted != 0, wrap("read rider's account", err)
}

// OpenRideOfRider implements mobility.Tx.
func (tx *Tx) OpenRideOfRider(ctx context.Context, riderID string) (mobility.Ride, error) {
	return tx.mobRideWhere(ctx, `rider_id = ? AND status IN ('pending', 'active')`, riderID)
}

// OpenRideOfBike implements mobility.Tx.
func (tx *Tx) OpenRideOfBike(ctx context.Context, bikeID string) (mobility.Ride, error) {
	return tx.mobRideWhere(ctx, `bike_id = ? AND status IN ('pending', 'active')`, bikeID)
}

func (tx *Tx) mobRides(ctx context.Context, query string, args ...any) ([]mobility.Ride, error) {
	rows, err := tx.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("list rides", err)
	}
	defer rows.Close()
	out := []mobility.Ride{}
	for rows.Next() {
		r, err := scanMobRide(rows)
		if err != nil {
			return nil, wrap("list rides", err)
		}
		out = append(out, r)
	}
	return out, wrap("list rides", rows.Err())
}

// RidesOfRider implements mobility.Tx.
func (tx *Tx) RidesOfRider(ctx context.Context, riderID string, before time.Time, limit int) ([]mobility.Ride, error) {
	b := int64(1 << 62)
	if !before.IsZero() {
		b = toMicros(before)
	}
	return tx.mobRides(ctx, `SELECT `+mobRideCols+` FROM mobility_rides WHERE rider_id = ? AND created_at < ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, riderID, b, limit)
}

// OpenRides implements mobility.Tx.
func (tx *Tx) OpenRides(ctx context.Context) ([]mobility.Ride, error) {
	return tx.mobRides(ctx, `SELECT `+mobRideCols+` FROM mobility_rides WHERE status IN ('pending', 'active') ORDER BY created_at, id`)
}

// CountTrip implements mobility.Tx.
func (tx *Tx) CountTrip(ctx context.Context, bikeID string) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE mobility_bikes SET trips = trips + 1 WHERE id = ?`, bikeID)
	return wrap("count trip", err)
}

// TripsPerBike implements mobility.Tx.
func (tx *Tx) TripsPerBike(ctx context.Context) (map[string]int, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, trips FROM mobility_bikes WHERE trips > 0`)
	if err != nil {
		return nil, wrap("count trips", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var bike string
		var n int
		if err := rows.Scan(&bike, &n); err != nil {
			return nil, wrap("count trips", err)
		}
		out[bike] = n
	}
	return out, wrap("count trips", rows.Err())
}

// ExpirePendingRides implements mobility.Tx.
func (tx *Tx) ExpirePendingRides(ctx context.Context, now time.Time) (int, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_rides SET status = 'failed', failure_reason = 'pending_expired'
		WHERE status = 'pending' AND deadline < ?`, toMicros(now.Add(-mobility.PendingGrace)))
	if err != nil {
		return 0, wrap("expire pending rides", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// RideStarts implements mobility.Tx.
func (tx *Tx) RideStarts(ctx context.Context, since time.Time) ([]time.Time, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT started_at FROM mobility_rides WHERE started_at >= ? ORDER BY started_at`, toMicros(since))
	if err != nil {
		return nil, wrap("list ride starts", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var us int64
		if err := rows.Scan(&us); err != nil {
			return nil, wrap("list ride starts", err)
		}
		out = append(out, fromMicros(us))
	}
	return out, wrap("list ride starts", rows.Err())
}
