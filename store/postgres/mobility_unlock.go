package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"cityhub/apperr"
	"cityhub/mobility"
	"cityhub/wallet"
)

// UnlockPlace implements mobility.UnlockReader: the station, its state and
// dock settings, the rider's open ride and credit account in one batch, a
// round trip where they were five. The station is held FOR KEY SHARE,
// which only its deletion (LockStation) waits for; the rider's account
// FOR SHARE, which an erasure (HoldRider) waits for.
func (tx *Tx) UnlockPlace(ctx context.Context, stationID, riderID string) (mobility.UnlockPlace, error) {
	var p mobility.UnlockPlace
	var missing bool
	err := tx.readBatch(ctx, batchRead{
		// First, so that the reads after it, credit included, see an
		// erasure it waited for.
		sql: riderGoneSQL, args: []any{riderID},
		read: func(br pgx.BatchResults) (err error) {
			p.RiderGone, err = scanRiderGone(br.QueryRow())
			return err
		},
	}, batchRead{
		sql: shareStationSQL, args: []any{stationID},
		read: func(br pgx.BatchResults) error {
			var err error
			p.Station, err = scanStation(br.QueryRow())
			if errors.Is(err, pgx.ErrNoRows) {
				missing = true
				return nil
			}
			return wrap("read station", err)
		},
	}, batchRead{
		sql: `SELECT ` + stateCols + ` FROM mobility_station_state WHERE station_id = $1`, args: []any{stationID},
		read: func(br pgx.BatchResults) (err error) {
			p.State, err = maybeRow(scanState(br.QueryRow()))
			return wrap("read station state", err)
		},
	}, batchRead{
		sql: docksSQL, args: []any{stationID},
		read: func(br pgx.BatchResults) (err error) {
			p.Docks, err = scanDocks(br.Query())
			return err
		},
	}, batchRead{
		sql: `SELECT ` + rideCols + ` FROM mobility_rides WHERE rider_id = $1 AND status IN ('pending', 'active')`, args: []any{riderID},
		read: func(br pgx.BatchResults) (err error) {
			p.RiderRide, err = maybeRow(scanRide(br.QueryRow()))
			return wrap("read ride", err)
		},
	}, batchRead{
		sql: `SELECT ` + ledgerExactColumns + ` FROM ledger_accounts a WHERE a.id = $1`, args: []any{string(wallet.CitizenAccount(riderID))},
		read: func(br pgx.BatchResults) (err error) {
			p.Credit, err = maybeRow(scanLedgerAccount(br.QueryRow()))
			return wrap("read ledger account", err)
		},
	})
	if err == nil && missing {
		err = apperr.R(apperr.NotFound, "no_station", "There is no station %q.", stationID)
	}
	return p, err
}

// UnlockBike implements mobility.UnlockReader: the bike, its vehicle type,
// that type's pricing plan and the bike's open ride in one batch, a round
// trip where they were four. The type and the plan are looked up through
// the bike's row, so each statement needs only the bike's id. The bike is
// held FOR KEY SHARE, which only its deletion (LockBike) waits for: edits
// and the trip count (CountTrip) leave its key alone.
func (tx *Tx) UnlockBike(ctx context.Context, bikeID string) (mobility.UnlockBike, error) {
	var b mobility.UnlockBike
	err := tx.readBatch(ctx, batchRead{
		sql: `SELECT id, vehicle_type_id, active, updated_at FROM mobility_bikes WHERE id = $1 FOR KEY SHARE`, args: []any{bikeID},
		read: func(br pgx.BatchResults) error {
			var bike mobility.Bike
			err := br.QueryRow().Scan(&bike.ID, &bike.VehicleTypeID, &bike.Active, &bike.UpdatedAt)
			bike.UpdatedAt = bike.UpdatedAt.UTC()
			b.Bike, err = maybeRow(bike, err)
			return wrap("read bike", err)
		},
	}, batchRead{
		sql: `SELECT ` + vehicleTypeCols + ` FROM mobility_vehicle_types
			WHERE id = (SELECT vehicle_type_id FROM mobility_bikes WHERE id = $1)`, args: []any{bikeID},
		read: func(br pgx.BatchResults) (err error) {
			b.VehicleType, err = maybeRow(scanVehicleType(br.QueryRow()))
			return wrap("read vehicle type", err)
		},
	}, batchRead{
		sql: `SELECT ` + planCols + ` FROM mobility_pricing_plans WHERE id = (SELECT v.pricing_plan_id
			FROM mobility_bikes b JOIN mobility_vehicle_types v ON v.id = b.vehicle_type_id WHERE b.id = $1)`, args: []any{bikeID},
		read: func(br pgx.BatchResults) (err error) {
			b.Plan, err = maybeRow(scanPlan(br.QueryRow()))
			return wrap("read pricing plan", err)
		},
	}, batchRead{
		sql: `SELECT ` + rideCols + ` FROM mobility_rides WHERE bike_id = $1 AND status IN ('pending', 'active')`, args: []any{bikeID},
		read: func(br pgx.BatchResults) (err error) {
			b.BikeRide, err = maybeRow(scanRide(br.QueryRow()))
			return wrap("read ride", err)
		},
	})
	return b, err
}

// maybeRow is v, nil when the row was not there.
func maybeRow[T any](v T, err error) (*T, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &v, nil
}

var _ mobility.UnlockReader = (*Tx)(nil)

// riderGoneSQL holds the rider's account FOR SHARE: an erasure's FOR NO
// KEY UPDATE (HoldRider) waits for the unlock's pending ride, or the
// unlock for the erasure. Inserts referring to the account (FOR KEY
// SHARE) wait for neither.
const riderGoneSQL = `SELECT deleted_at IS NOT NULL FROM accounts WHERE id = $1 FOR SHARE`

func scanRiderGone(row pgx.Row) (bool, error) {
	var gone bool
	err := row.Scan(&gone)
	if errors.Is(err, pgx.ErrNoRows) {
		// Accounts are erased, never deleted: one the hub does not know
		// was never erased either.
		return false, nil
	}
	return gone, wrap("read rider's account", err)
}

// RiderGone implements mobility.Tx.
func (tx *Tx) RiderGone(ctx context.Context, riderID string) (bool, error) {
	return scanRiderGone(tx.q.QueryRow(ctx, riderGoneSQL, riderID))
}
