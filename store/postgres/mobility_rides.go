package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/apperr"
	"cityhub/mobility"
)

func scanRide(row pgx.Row) (mobility.Ride, error) {
	var r mobility.Ride
	var status string
	var plan []byte
	var started, ended *time.Time
	err := row.Scan(&r.ID, &r.CommandID, &r.RiderID, &r.BikeID, &r.StartStation, &r.StartDock, &status, &r.PricingPlanID, &plan,
		&r.Deadline, &r.CreatedAt, &started, &ended, &r.EndStation, &r.EndDock, &r.FareCents, &r.Unsettled, &r.LedgerTxID, &r.FailureReason)
	if err != nil {
		return r, err
	}
	r.Status = mobility.RideStatus(status)
	r.Deadline, r.CreatedAt, r.StartedAt, r.EndedAt = r.Deadline.UTC(), r.CreatedAt.UTC(), utc(started), utc(ended)
	if err := json.Unmarshal(plan, &r.Plan); err != nil {
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
	_, err = tx.q.Exec(ctx, `INSERT INTO mobility_rides (id, command_id, rider_id, bike_id, start_station, start_dock, status,
			pricing_plan_id, plan, deadline, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.CommandID, r.RiderID, r.BikeID, r.StartStation, r.StartDock, string(r.Status), r.PricingPlanID, string(plan), r.Deadline, r.CreatedAt)
	return wrap("insert ride", err)
}

// UpdateRide implements mobility.Tx.
func (tx *Tx) UpdateRide(ctx context.Context, r mobility.Ride) error {
	// Queued to ride with the next statement or the COMMIT; its row count
	// is judged by the server (counted).
	return tx.later(ctx, counted("update ride",
		`UPDATE mobility_rides SET status = $2, started_at = $3, ended_at = $4, end_station = $5, end_dock = $6,
			fare_cents = $7, unsettled = $8, ledger_tx_id = $9, failure_reason = $10 WHERE id = $1`,
		r.ID, string(r.Status), nullTime(r.StartedAt), nullTime(r.EndedAt), r.EndStation, r.EndDock, r.FareCents, r.Unsettled, r.LedgerTxID, r.FailureReason))
}

func (tx *Tx) rideWhere(ctx context.Context, where string, arg any) (mobility.Ride, error) {
	r, err := scanRide(tx.q.QueryRow(ctx, `SELECT `+rideCols+` FROM mobility_rides WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, apperr.R(apperr.NotFound, "no_ride", "No such ride.")
	}
	return r, wrap("read ride", err)
}

// LockRide implements mobility.Tx.
func (tx *Tx) LockRide(ctx context.Context, id string) (mobility.Ride, error) {
	return tx.rideWhere(ctx, `id = $1 FOR UPDATE`, id)
}

// LockOpenRideOfBike implements mobility.Tx in one statement. The ride is
// chosen by the subquery, once, and locked by its id, so a ride that ended
// while this waited for its lock comes back ended (READ COMMITTED reads the
// locked row as it is), as LockRide after OpenRideOfBike would give it.
func (tx *Tx) LockOpenRideOfBike(ctx context.Context, bikeID string) (mobility.Ride, error) {
	return tx.rideWhere(ctx, `id = (SELECT id FROM mobility_rides WHERE bike_id = $1 AND status IN ('pending', 'active')) FOR UPDATE`, bikeID)
}

// Ride implements mobility.Tx.
func (tx *Tx) Ride(ctx context.Context, id string) (mobility.Ride, error) {
	return tx.rideWhere(ctx, `id = $1`, id)
}

// RideByCommand implements mobility.Tx.
func (tx *Tx) RideByCommand(ctx context.Context, commandID string) (mobility.Ride, error) {
	return tx.rideWhere(ctx, `command_id = $1`, commandID)
}

// OpenRideOfRider implements mobility.Tx.
func (tx *Tx) OpenRideOfRider(ctx context.Context, riderID string) (mobility.Ride, error) {
	return tx.rideWhere(ctx, `rider_id = $1 AND status IN ('pending', 'active')`, riderID)
}

// OpenRideOfBike implements mobility.Tx.
func (tx *Tx) OpenRideOfBike(ctx context.Context, bikeID string) (mobility.Ride, error) {
	return tx.rideWhere(ctx, `bike_id = $1 AND status IN ('pending', 'active')`, bikeID)
}

func (tx *Tx) rides(ctx context.Context, sql string, args ...any) ([]mobility.Ride, error) {
	rows, err := tx.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap("list rides", err)
	}
	defer rows.Close()
	out := []mobility.Ride{}
	for rows.Next() {
		r, err := scanRide(rows)
		if err != nil {
			return nil, wrap("list rides", err)
		}
		out = append(out, r)
	}
	return out, wrap("list rides", rows.Err())
}

// RidesOfRider implements mobility.Tx.
func (tx *Tx) RidesOfRider(ctx context.Context, riderID string, before time.Time, limit int) ([]mobility.Ride, error) {
	if before.IsZero() {
		before = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return tx.rides(ctx, `SELECT `+rideCols+` FROM mobility_rides WHERE rider_id = $1 AND created_at < $2
		ORDER BY created_at DESC, id DESC LIMIT $3`, riderID, before, limit)
}

// OpenRides implements mobility.Tx.
func (tx *Tx) OpenRides(ctx context.Context) ([]mobility.Ride, error) {
	return tx.rides(ctx, `SELECT `+rideCols+` FROM mobility_rides WHERE status IN ('pending', 'active') ORDER BY created_at, id`)
}

// CountTrip implements mobility.Tx.
func (tx *Tx) CountTrip(ctx context.Context, bikeID string) error {
	return tx.later(ctx, deferred{what: "count trip", sql: `UPDATE mobility_bikes SET trips = trips + 1 WHERE id = $1`, args: []any{bikeID}})
}

// TripsPerBike implements mobility.Tx.
func (tx *Tx) TripsPerBike(ctx context.Context) (map[string]int, error) {
	rows, err := tx.q.Query(ctx, `SELECT id, trips FROM mobility_bikes WHERE trips > 0`)
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
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_rides SET status = 'failed', failure_reason = 'pending_expired'
		WHERE status = 'pending' AND deadline < $1`, now.Add(-mobility.PendingGrace))
	if err != nil {
		return 0, wrap("expire pending rides", err)
	}
	return int(tag.RowsAffected()), nil
}

// rideStartsSQL reads the rides started in a period by their index
// (mobility_rides_started).
const rideStartsSQL = `SELECT started_at FROM mobility_rides WHERE started_at >= $1 ORDER BY started_at`

// RideStarts implements mobility.Tx.
func (tx *Tx) RideStarts(ctx context.Context, since time.Time) ([]time.Time, error) {
	rows, err := tx.q.Query(ctx, rideStartsSQL, since)
	if err != nil {
		return nil, wrap("list ride starts", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, wrap("list ride starts", err)
		}
		out = append(out, at.UTC())
	}
	return out, wrap("list ride starts", rows.Err())
}
