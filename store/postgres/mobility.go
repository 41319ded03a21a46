package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/apperr"
	"cityhub/mobility"
)

type mobilityStore struct{ db *DB }

// Mobility is the mobility domain's view of the database.
func (db *DB) Mobility() mobility.Store { return mobilityStore{db} }

func (s mobilityStore) InTx(ctx context.Context, fn func(mobility.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s mobilityStore) View(ctx context.Context, fn func(mobility.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

var _ mobility.Tx = (*Tx)(nil)

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func notDeleted(tag interface{ RowsAffected() int64 }, what, id string) error {
	if tag.RowsAffected() == 0 {
		return apperr.E(apperr.NotFound, "There is no %s %q.", what, id)
	}
	return nil
}

// inserted reports whether an INSERT ... ON CONFLICT DO NOTHING (or an UPDATE)
// wrote its row: the unique index, not an earlier read, decides who created an
// id first, and an update of a deleted id writes nothing rather than
// bringing it back.
func inserted(tag interface{ RowsAffected() int64 }, err error, what string) (bool, error) {
	if err != nil {
		return false, translate(wrapErr(what, err))
	}
	return tag.RowsAffected() == 1, nil
}

// InsertStation implements mobility.Tx.
func (tx *Tx) InsertStation(ctx context.Context, s mobility.Station) (bool, error) {
	tag, err := tx.q.Exec(ctx, `INSERT INTO mobility_stations (id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
		s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, s.Open, s.CreatedAt, s.UpdatedAt)
	return inserted(tag, err, "create station")
}

// InsertBike implements mobility.Tx.
func (tx *Tx) InsertBike(ctx context.Context, b mobility.Bike) (bool, error) {
	tag, err := tx.q.Exec(ctx, `INSERT INTO mobility_bikes (id, vehicle_type_id, active, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, b.ID, b.VehicleTypeID, b.Active, b.UpdatedAt)
	return inserted(tag, err, "create bike")
}

// InsertVehicleType implements mobility.Tx.
func (tx *Tx) InsertVehicleType(ctx context.Context, v mobility.VehicleType) (bool, error) {
	tag, err := tx.q.Exec(ctx, `INSERT INTO mobility_vehicle_types (id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, v.UpdatedAt)
	return inserted(tag, err, "create vehicle type")
}

// InsertPricingPlan implements mobility.Tx.
func (tx *Tx) InsertPricingPlan(ctx context.Context, p mobility.PricingPlan) (bool, error) {
	segs, err := json.Marshal(segmentsOrEmpty(p.PerMin))
	if err != nil {
		return false, fmt.Errorf("encode segments: %w", err)
	}
	tag, err := tx.q.Exec(ctx, `INSERT INTO mobility_pricing_plans (id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(segs), p.UpdatedAt)
	return inserted(tag, err, "create pricing plan")
}

// UpdateStation implements mobility.Tx.
func (tx *Tx) UpdateStation(ctx context.Context, s mobility.Station) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_stations SET name_it = $2, name_en = $3, address = $4, lat = $5, lon = $6, capacity = $7, open = $8,
		updated_at = $9 WHERE id = $1`, s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, s.Open, s.UpdatedAt)
	return inserted(tag, err, "update station")
}

// SetStationOpen implements mobility.Tx.
func (tx *Tx) SetStationOpen(ctx context.Context, id string, open bool, at time.Time) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_stations SET open = $2, updated_at = $3 WHERE id = $1`, id, open, at)
	return inserted(tag, err, "set station open")
}

// UpdateBike implements mobility.Tx.
func (tx *Tx) UpdateBike(ctx context.Context, b mobility.Bike) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_bikes SET vehicle_type_id = $2, active = $3, updated_at = $4 WHERE id = $1`,
		b.ID, b.VehicleTypeID, b.Active, b.UpdatedAt)
	return inserted(tag, err, "update bike")
}

// UpdateVehicleType implements mobility.Tx.
func (tx *Tx) UpdateVehicleType(ctx context.Context, v mobility.VehicleType) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_vehicle_types SET name_it = $2, name_en = $3, propulsion = $4, max_range_meters = $5,
		pricing_plan_id = $6, updated_at = $7 WHERE id = $1`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, v.UpdatedAt)
	return inserted(tag, err, "update vehicle type")
}

// UpdatePricingPlan implements mobility.Tx.
func (tx *Tx) UpdatePricingPlan(ctx context.Context, p mobility.PricingPlan) (bool, error) {
	segs, err := json.Marshal(segmentsOrEmpty(p.PerMin))
	if err != nil {
		return false, fmt.Errorf("encode segments: %w", err)
	}
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_pricing_plans SET name_it = $2, name_en = $3, description_it = $4, description_en = $5,
		unlock_cents = $6, per_min = $7, updated_at = $8 WHERE id = $1`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(segs), p.UpdatedAt)
	return inserted(tag, err, "update pricing plan")
}

// PutStation implements mobility.Tx.
func (tx *Tx) PutStation(ctx context.Context, s mobility.Station) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO mobility_stations (id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET name_it = EXCLUDED.name_it, name_en = EXCLUDED.name_en, address = EXCLUDED.address,
			lat = EXCLUDED.lat, lon = EXCLUDED.lon, capacity = EXCLUDED.capacity, open = EXCLUDED.open, updated_at = EXCLUDED.updated_at`,
		s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, s.Open, s.CreatedAt, s.UpdatedAt)
	return translate(wrapErr("save station", err))
}

func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

const stationCols = `id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at`

func scanStation(row pgx.Row) (mobility.Station, error) {
	var s mobility.Station
	err := row.Scan(&s.ID, &s.NameIT, &s.NameEN, &s.Address, &s.Lat, &s.Lon, &s.Capacity, &s.Open, &s.CreatedAt, &s.UpdatedAt)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, err
}

// Station implements mobility.Tx.
func (tx *Tx) Station(ctx context.Context, id string) (mobility.Station, error) {
	s, err := scanStation(tx.q.QueryRow(ctx, `SELECT `+stationCols+` FROM mobility_stations WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, apperr.R(apperr.NotFound, "no_station", "There is no station %q.", id)
	}
	return s, translate(wrapErr("read station", err))
}

// Stations implements mobility.Tx.
func (tx *Tx) Stations(ctx context.Context) ([]mobility.Station, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+stationCols+` FROM mobility_stations ORDER BY id`)
	if err != nil {
		return nil, translate(wrapErr("list stations", err))
	}
	defer rows.Close()
	out := []mobility.Station{}
	for rows.Next() {
		s, err := scanStation(rows)
		if err != nil {
			return nil, translate(wrapErr("list stations", err))
		}
		out = append(out, s)
	}
	return out, translate(wrapErr("list stations", rows.Err()))
}

// DeleteStation implements mobility.Tx.
func (tx *Tx) DeleteStation(ctx context.Context, id string) error {
	tag, err := tx.q.Exec(ctx, `DELETE FROM mobility_stations WHERE id = $1`, id)
	if err != nil {
		return translate(wrapErr("delete station", err))
	}
	return notDeleted(tag, "station", id)
}

// PutDock implements mobility.Tx.
func (tx *Tx) PutDock(ctx context.Context, d mobility.Dock) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO mobility_docks (station_id, dock, in_service, note, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (station_id, dock) DO UPDATE SET in_service = EXCLUDED.in_service, note = EXCLUDED.note, updated_at = EXCLUDED.updated_at`,
		d.StationID, d.Number, d.InService, d.Note, d.UpdatedAt)
	return translate(wrapErr("save dock", err))
}

// Docks implements mobility.Tx.
func (tx *Tx) Docks(ctx context.Context, stationID string) ([]mobility.Dock, error) {
	rows, err := tx.q.Query(ctx, `SELECT station_id, dock, in_service, note, updated_at FROM mobility_docks
		WHERE $1 = '' OR station_id = $1 ORDER BY station_id, dock`, stationID)
	if err != nil {
		return nil, translate(wrapErr("list docks", err))
	}
	defer rows.Close()
	out := []mobility.Dock{}
	for rows.Next() {
		var d mobility.Dock
		if err := rows.Scan(&d.StationID, &d.Number, &d.InService, &d.Note, &d.UpdatedAt); err != nil {
			return nil, translate(wrapErr("list docks", err))
		}
		d.UpdatedAt = d.UpdatedAt.UTC()
		out = append(out, d)
	}
	return out, translate(wrapErr("list docks", rows.Err()))
}

// PutBike implements mobility.Tx.
func (tx *Tx) PutBike(ctx context.Context, b mobility.Bike) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO mobility_bikes (id, vehicle_type_id, active, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET vehicle_type_id = EXCLUDED.vehicle_type_id, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at`,
		b.ID, b.VehicleTypeID, b.Active, b.UpdatedAt)
	return translate(wrapErr("save bike", err))
}

// Bike implements mobility.Tx.
func (tx *Tx) Bike(ctx context.Context, id string) (mobility.Bike, error) {
	var b mobility.Bike
	err := tx.q.QueryRow(ctx, `SELECT id, vehicle_type_id, active, updated_at FROM mobility_bikes WHERE id = $1`, id).
		Scan(&b.ID, &b.VehicleTypeID, &b.Active, &b.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, apperr.R(apperr.NotFound, "no_bike", "There is no bike %q.", id)
	}
	b.UpdatedAt = b.UpdatedAt.UTC()
	return b, translate(wrapErr("read bike", err))
}

// Bikes implements mobility.Tx.
func (tx *Tx) Bikes(ctx context.Context) ([]mobility.Bike, error) {
	rows, err := tx.q.Query(ctx, `SELECT id, vehicle_type_id, active, updated_at FROM mobility_bikes ORDER BY id`)
	if err != nil {
		return nil, translate(wrapErr("list bikes", err))
	}
	defer rows.Close()
	out := []mobility.Bike{}
	for rows.Next() {
		var b mobility.Bike
		if err := rows.Scan(&b.ID, &b.VehicleTypeID, &b.Active, &b.UpdatedAt); err != nil {
			return nil, translate(wrapErr("list bikes", err))
		}
		b.UpdatedAt = b.UpdatedAt.UTC()
		out = append(out, b)
	}
	return out, translate(wrapErr("list bikes", rows.Err()))
}

// DeleteBike implements mobility.Tx.
func (tx *Tx) DeleteBike(ctx context.Context, id string) error {
	tag, err := tx.q.Exec(ctx, `DELETE FROM mobility_bikes WHERE id = $1`, id)
	if err != nil {
		return translate(wrapErr("delete bike", err))
	}
	return notDeleted(tag, "bike", id)
}

// PutVehicleType implements mobility.Tx.
func (tx *Tx) PutVehicleType(ctx context.Context, v mobility.VehicleType) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO mobility_vehicle_types (id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET name_it = EXCLUDED.name_it, name_en = EXCLUDED.name_en, propulsion = EXCLUDED.propulsion,
			max_range_meters = EXCLUDED.max_range_meters, pricing_plan_id = EXCLUDED.pricing_plan_id, updated_at = EXCLUDED.updated_at`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, v.UpdatedAt)
	return translate(wrapErr("save vehicle type", err))
}

const vehicleTypeCols = `id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at`

func scanVehicleType(row pgx.Row) (mobility.VehicleType, error) {
	var v mobility.VehicleType
	var prop string
	err := row.Scan(&v.ID, &v.NameIT, &v.NameEN, &prop, &v.MaxRangeMeters, &v.PricingPlanID, &v.UpdatedAt)
	v.Propulsion = mobility.Propulsion(prop)
	v.UpdatedAt = v.UpdatedAt.UTC()
	return v, err
}

// VehicleType implements mobility.Tx.
func (tx *Tx) VehicleType(ctx context.Context, id string) (mobility.VehicleType, error) {
	v, err := scanVehicleType(tx.q.QueryRow(ctx, `SELECT `+vehicleTypeCols+` FROM mobility_vehicle_types WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, apperr.R(apperr.NotFound, "no_vehicle_type", "There is no vehicle type %q.", id)
	}
	return v, translate(wrapErr("read vehicle type", err))
}

// VehicleTypes implements mobility.Tx.
func (tx *Tx) VehicleTypes(ctx context.Context) ([]mobility.VehicleType, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+vehicleTypeCols+` FROM mobility_vehicle_types ORDER BY id`)
	if err != nil {
		return nil, translate(wrapErr("list vehicle types", err))
	}
	defer rows.Close()
	out := []mobility.VehicleType{}
	for rows.Next() {
		v, err := scanVehicleType(rows)
		if err != nil {
			return nil, translate(wrapErr("list vehicle types", err))
		}
		out = append(out, v)
	}
	return out, translate(wrapErr("list vehicle types", rows.Err()))
}

// DeleteVehicleType implements mobility.Tx. Conflict while bikes use it.
func (tx *Tx) DeleteVehicleType(ctx context.Context, id string) error {
	var used bool
	if err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_bikes WHERE vehicle_type_id = $1)`, id).Scan(&used); err != nil {
		return translate(wrapErr("delete vehicle type", err))
	}
	if used {
		return apperr.R(apperr.Conflict, "vehicle_type_in_use", "Bikes of this type exist; change or delete them first.")
	}
	tag, err := tx.q.Exec(ctx, `DELETE FROM mobility_vehicle_types WHERE id = $1`, id)
	if err != nil {
		return translate(wrapErr("delete vehicle type", err))
	}
	return notDeleted(tag, "vehicle type", id)
}

// PutPricingPlan implements mobility.Tx.
func (tx *Tx) PutPricingPlan(ctx context.Context, p mobility.PricingPlan) error {
	segs, err := json.Marshal(segmentsOrEmpty(p.PerMin))
	if err != nil {
		return fmt.Errorf("encode segments: %w", err)
	}
	_, err = tx.q.Exec(ctx, `INSERT INTO mobility_pricing_plans (id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET name_it = EXCLUDED.name_it, name_en = EXCLUDED.name_en, description_it = EXCLUDED.description_it,
			description_en = EXCLUDED.description_en, unlock_cents = EXCLUDED.unlock_cents, per_min = EXCLUDED.per_min, updated_at = EXCLUDED.updated_at`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(segs), p.UpdatedAt)
	return translate(wrapErr("save pricing plan", err))
}

func segmentsOrEmpty(s []mobility.Segment) []mobility.Segment {
	if s == nil {
		return []mobility.Segment{}
	}
	return s
}

const planCols = `id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at`

func scanPlan(row pgx.Row) (mobility.PricingPlan, error) {
	var p mobility.PricingPlan
	var segs []byte
	err := row.Scan(&p.ID, &p.NameIT, &p.NameEN, &p.DescriptionIT, &p.DescriptionEN, &p.UnlockCents, &segs, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	if err := json.Unmarshal(segs, &p.PerMin); err != nil {
		return p, fmt.Errorf("decode segments of plan %s: %w", p.ID, err)
	}
	return p, nil
}

// PricingPlan implements mobility.Tx.
func (tx *Tx) PricingPlan(ctx context.Context, id string) (mobility.PricingPlan, error) {
	p, err := scanPlan(tx.q.QueryRow(ctx, `SELECT `+planCols+` FROM mobility_pricing_plans WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, apperr.R(apperr.NotFound, "no_pricing_plan", "There is no pricing plan %q.", id)
	}
	return p, translate(wrapErr("read pricing plan", err))
}

// PricingPlans implements mobility.Tx.
func (tx *Tx) PricingPlans(ctx context.Context) ([]mobility.PricingPlan, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+planCols+` FROM mobility_pricing_plans ORDER BY id`)
	if err != nil {
		return nil, translate(wrapErr("list pricing plans", err))
	}
	defer rows.Close()
	out := []mobility.PricingPlan{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, translate(wrapErr("list pricing plans", err))
		}
		out = append(out, p)
	}
	return out, translate(wrapErr("list pricing plans", rows.Err()))
}

// DeletePricingPlan implements mobility.Tx. Conflict while a vehicle type uses it.
func (tx *Tx) DeletePricingPlan(ctx context.Context, id string) error {
	var used bool
	if err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_vehicle_types WHERE pricing_plan_id = $1)`, id).Scan(&used); err != nil {
		return translate(wrapErr("delete pricing plan", err))
	}
	if used {
		return apperr.R(apperr.Conflict, "pricing_plan_in_use", "A vehicle type uses this plan; change it first.")
	}
	tag, err := tx.q.Exec(ctx, `DELETE FROM mobility_pricing_plans WHERE id = $1`, id)
	if err != nil {
		return translate(wrapErr("delete pricing plan", err))
	}
	return notDeleted(tag, "pricing plan", id)
}

const stateCols = `station_id, online, online_at, last_reported, docks, faults, empty_since, full_since, updated_at`

func scanState(row pgx.Row) (mobility.StationState, error) {
	var s mobility.StationState
	var onlineAt, last, empty, full *time.Time
	var docks, faults []byte
	if err := row.Scan(&s.StationID, &s.Online, &onlineAt, &last, &docks, &faults, &empty, &full, &s.UpdatedAt); err != nil {
		return s, err
	}
	s.OnlineAt, s.LastReported, s.EmptySince, s.FullSince = utc(onlineAt), utc(last), utc(empty), utc(full)
	s.UpdatedAt = s.UpdatedAt.UTC()
	if err := json.Unmarshal(docks, &s.Docks); err != nil {
		return s, fmt.Errorf("decode docks of %s: %w", s.StationID, err)
	}
	if err := json.Unmarshal(faults, &s.Faults); err != nil {
		return s, fmt.Errorf("decode faults of %s: %w", s.StationID, err)
	}
	return s, nil
}

// LockStationStates implements mobility.Tx: rows are created if missing and
// locked in the caller's (sorted) order.
func (tx *Tx) LockStationStates(ctx context.Context, ids []string) ([]mobility.StationState, error) {
	// Only catalogued stations get a state: telemetry for an id the city
	// never registered is dropped, so whoever can publish on the broker
	// cannot grow the table.
	if _, err := tx.q.Exec(ctx, `INSERT INTO mobility_station_state (station_id, updated_at)
		SELECT id, now() FROM mobility_stations WHERE id = ANY($1) ON CONFLICT (station_id) DO NOTHING`, ids); err != nil {
		return nil, translate(wrapErr("create station states", err))
	}
	rows, err := tx.q.Query(ctx, `SELECT `+stateCols+` FROM mobility_station_state WHERE station_id = ANY($1)
		ORDER BY station_id FOR UPDATE`, ids)
	if err != nil {
		return nil, translate(wrapErr("lock station states", err))
	}
	defer rows.Close()
	var out []mobility.StationState
	for rows.Next() {
		s, err := scanState(rows)
		if err != nil {
			return nil, translate(wrapErr("lock station states", err))
		}
		out = append(out, s)
	}
	return out, translate(wrapErr("lock station states", rows.Err()))
}

// SaveStationStates implements mobility.Tx, in one statement for the batch.
func (tx *Tx) SaveStationStates(ctx context.Context, states []mobility.StationState) error {
	if len(states) == 0 {
		return nil
	}
	n := len(states)
	idsA, online := make([]string, n), make([]bool, n)
	onlineAt, last, empty, full := make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
	docks, faults := make([]string, n), make([]string, n)
	updated := make([]time.Time, n)
	for i, s := range states {
		d, err := json.Marshal(docksOrEmpty(s.Docks))
		if err != nil {
			return fmt.Errorf("encode docks: %w", err)
		}
		f, err := json.Marshal(faultsOrEmpty(s.Faults))
		if err != nil {
			return fmt.Errorf("encode faults: %w", err)
		}
		idsA[i], online[i], docks[i], faults[i], updated[i] = s.StationID, s.Online, string(d), string(f), s.UpdatedAt
		onlineAt[i], last[i], empty[i], full[i] = nullTime(s.OnlineAt), nullTime(s.LastReported), nullTime(s.EmptySince), nullTime(s.FullSince)
	}
	_, err := tx.q.Exec(ctx, `UPDATE mobility_station_state AS s SET online = u.online, online_at = u.online_at,
			last_reported = u.last_reported, docks = u.docks::jsonb, faults = u.faults::jsonb, empty_since = u.empty_since,
			full_since = u.full_since, updated_at = u.updated_at
		FROM unnest($1::text[], $2::boolean[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
			AS u(station_id, online, online_at, last_reported, docks, faults, empty_since, full_since, updated_at)
		WHERE s.station_id = u.station_id`,
		idsA, online, onlineAt, last, docks, faults, empty, full, updated)
	return translate(wrapErr("save station states", err))
}

func docksOrEmpty(d []mobility.DockState) []mobility.DockState {
	if d == nil {
		return []mobility.DockState{}
	}
	return d
}

func faultsOrEmpty(f []string) []string {
	if f == nil {
		return []string{}
	}
	return f
}

// StationState implements mobility.Tx.
func (tx *Tx) StationState(ctx context.Context, id string) (mobility.StationState, error) {
	s, err := scanState(tx.q.QueryRow(ctx, `SELECT `+stateCols+` FROM mobility_station_state WHERE station_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, apperr.R(apperr.NotFound, "no_station_state", "Station %q has not reported yet.", id)
	}
	return s, translate(wrapErr("read station state", err))
}

// DeleteStationState implements mobility.Tx.
func (tx *Tx) DeleteStationState(ctx context.Context, id string) error {
	_, err := tx.q.Exec(ctx, `DELETE FROM mobility_station_state WHERE station_id = $1`, id)
	return translate(wrapErr("delete station state", err))
}

// StationStates implements mobility.Tx.
func (tx *Tx) StationStates(ctx context.Context) ([]mobility.StationState, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+stateCols+` FROM mobility_station_state ORDER BY station_id`)
	if err != nil {
		return nil, translate(wrapErr("list station states", err))
	}
	defer rows.Close()
	out := []mobility.StationState{}
	for rows.Next() {
		s, err := scanState(rows)
		if err != nil {
			return nil, translate(wrapErr("list station states", err))
		}
		out = append(out, s)
	}
	return out, translate(wrapErr("list station states", rows.Err()))
}

// PutOccupancy implements mobility.Tx.
func (tx *Tx) PutOccupancy(ctx context.Context, samples []mobility.OccupancySample) error {
	if len(samples) == 0 {
		return nil
	}
	n := len(samples)
	st, at, bikes, free := make([]string, n), make([]time.Time, n), make([]int32, n), make([]int32, n)
	for i, s := range samples {
		st[i], at[i], bikes[i], free[i] = s.StationID, s.At, int32(s.Bikes), int32(s.FreeDocks)
	}
	_, err := tx.q.Exec(ctx, `INSERT INTO mobility_occupancy (station_id, at, bikes, free_docks)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::int[])
		ON CONFLICT (station_id, at) DO UPDATE SET bikes = EXCLUDED.bikes, free_docks = EXCLUDED.free_docks`, st, at, bikes, free)
	return translate(wrapErr("save occupancy", err))
}

// Occupancy implements mobility.Tx.
func (tx *Tx) Occupancy(ctx context.Context, stationID string, since time.Time) ([]mobility.OccupancySample, error) {
	rows, err := tx.q.Query(ctx, `SELECT station_id, at, bikes, free_docks FROM mobility_occupancy
		WHERE station_id = $1 AND at >= $2 ORDER BY at`, stationID, since)
	if err != nil {
		return nil, translate(wrapErr("read occupancy", err))
	}
	defer rows.Close()
	out := []mobility.OccupancySample{}
	for rows.Next() {
		var s mobility.OccupancySample
		if err := rows.Scan(&s.StationID, &s.At, &s.Bikes, &s.FreeDocks); err != nil {
			return nil, translate(wrapErr("read occupancy", err))
		}
		s.At = s.At.UTC()
		out = append(out, s)
	}
	return out, translate(wrapErr("read occupancy", rows.Err()))
}

// PruneOccupancy implements mobility.Tx.
func (tx *Tx) PruneOccupancy(ctx context.Context, before time.Time) error {
	_, err := tx.q.Exec(ctx, `DELETE FROM mobility_occupancy WHERE at < $1`, before)
	return translate(wrapErr("prune occupancy", err))
}

const rideCols = `id, command_id, rider_id, bike_id, start_station, start_dock, status, pricing_plan_id, plan, deadline,
	created_at, started_at, ended_at, end_station, end_dock, fare_cents, unsettled, ledger_tx_id, failure_reason`

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
		return r, fmt.Errorf("decode plan of ride %s: %w", r.ID, err)
	}
	return r, nil
}

// InsertRide implements mobility.Tx.
func (tx *Tx) InsertRide(ctx context.Context, r mobility.Ride) error {
	plan, err := json.Marshal(r.Plan)
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	_, err = tx.q.Exec(ctx, `INSERT INTO mobility_rides (id, command_id, rider_id, bike_id, start_station, start_dock, status,
			pricing_plan_id, plan, deadline, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.CommandID, r.RiderID, r.BikeID, r.StartStation, r.StartDock, string(r.Status), r.PricingPlanID, string(plan), r.Deadline, r.CreatedAt)
	return translate(wrapErr("insert ride", err))
}

// UpdateRide implements mobility.Tx.
func (tx *Tx) UpdateRide(ctx context.Context, r mobility.Ride) error {
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_rides SET status = $2, started_at = $3, ended_at = $4, end_station = $5, end_dock = $6,
			fare_cents = $7, unsettled = $8, ledger_tx_id = $9, failure_reason = $10 WHERE id = $1`,
		r.ID, string(r.Status), nullTime(r.StartedAt), nullTime(r.EndedAt), r.EndStation, r.EndDock, r.FareCents, r.Unsettled, r.LedgerTxID, r.FailureReason)
	if err != nil {
		return translate(wrapErr("update ride", err))
	}
	return notDeleted(tag, "ride", r.ID)
}

func (tx *Tx) rideWhere(ctx context.Context, where string, arg any) (mobility.Ride, error) {
	r, err := scanRide(tx.q.QueryRow(ctx, `SELECT `+rideCols+` FROM mobility_rides WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, apperr.R(apperr.NotFound, "no_ride", "No such ride.")
	}
	return r, translate(wrapErr("read ride", err))
}

// LockRide implements mobility.Tx.
func (tx *Tx) LockRide(ctx context.Context, id string) (mobility.Ride, error) {
	return tx.rideWhere(ctx, `id = $1 FOR UPDATE`, id)
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
		return nil, translate(wrapErr("list rides", err))
	}
	defer rows.Close()
	out := []mobility.Ride{}
	for rows.Next() {
		r, err := scanRide(rows)
		if err != nil {
			return nil, translate(wrapErr("list rides", err))
		}
		out = append(out, r)
	}
	return out, translate(wrapErr("list rides", rows.Err()))
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
	_, err := tx.q.Exec(ctx, `UPDATE mobility_bikes SET trips = trips + 1 WHERE id = $1`, bikeID)
	return translate(wrapErr("count trip", err))
}

// TripsPerBike implements mobility.Tx.
func (tx *Tx) TripsPerBike(ctx context.Context) (map[string]int, error) {
	rows, err := tx.q.Query(ctx, `SELECT id, trips FROM mobility_bikes WHERE trips > 0`)
	if err != nil {
		return nil, translate(wrapErr("count trips", err))
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var bike string
		var n int
		if err := rows.Scan(&bike, &n); err != nil {
			return nil, translate(wrapErr("count trips", err))
		}
		out[bike] = n
	}
	return out, translate(wrapErr("count trips", rows.Err()))
}

// ExpirePendingRides implements mobility.Tx.
func (tx *Tx) ExpirePendingRides(ctx context.Context, now time.Time) (int, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_rides SET status = 'failed', failure_reason = 'pending_expired'
		WHERE status = 'pending' AND deadline < $1`, now.Add(-2*time.Second))
	if err != nil {
		return 0, translate(wrapErr("expire pending rides", err))
	}
	return int(tag.RowsAffected()), nil
}
