package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

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

// InsertStation implements mobility.Tx.
func (tx *Tx) InsertStation(ctx context.Context, s mobility.Station) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_stations (id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, boolInt(s.Open), toMicros(s.CreatedAt), toMicros(s.UpdatedAt))
	return inserted(res, err, "create station")
}

// InsertBike implements mobility.Tx.
func (tx *Tx) InsertBike(ctx context.Context, b mobility.Bike) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_bikes (id, vehicle_type_id, active, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, b.ID, b.VehicleTypeID, boolInt(b.Active), toMicros(b.UpdatedAt))
	return inserted(res, err, "create bike")
}

// InsertVehicleType implements mobility.Tx.
func (tx *Tx) InsertVehicleType(ctx context.Context, v mobility.VehicleType) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_vehicle_types (id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, toMicros(v.UpdatedAt))
	return inserted(res, err, "create vehicle type")
}

// InsertPricingPlan implements mobility.Tx.
func (tx *Tx) InsertPricingPlan(ctx context.Context, p mobility.PricingPlan) (bool, error) {
	segs := p.PerMin
	if segs == nil {
		segs = []mobility.Segment{}
	}
	b, err := json.Marshal(segs)
	if err != nil {
		return false, wrap("encode segments", err)
	}
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_pricing_plans (id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(b), toMicros(p.UpdatedAt))
	return inserted(res, err, "create pricing plan")
}

// UpdateStation implements mobility.Tx.
func (tx *Tx) UpdateStation(ctx context.Context, s mobility.Station) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_stations SET name_it = ?2, name_en = ?3, address = ?4, lat = ?5, lon = ?6, capacity = ?7, open = ?8,
		updated_at = ?9 WHERE id = ?1`, s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, boolInt(s.Open), toMicros(s.UpdatedAt))
	return inserted(res, err, "update station")
}

// SetStationOpen implements mobility.Tx.
func (tx *Tx) SetStationOpen(ctx context.Context, id string, open bool, at time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_stations SET open = ?2, updated_at = ?3 WHERE id = ?1`, id, boolInt(open), toMicros(at))
	return inserted(res, err, "set station open")
}

// UpdateBike implements mobility.Tx.
func (tx *Tx) UpdateBike(ctx context.Context, b mobility.Bike) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_bikes SET vehicle_type_id = ?2, active = ?3, updated_at = ?4 WHERE id = ?1`,
		b.ID, b.VehicleTypeID, boolInt(b.Active), toMicros(b.UpdatedAt))
	return inserted(res, err, "update bike")
}

// UpdateVehicleType implements mobility.Tx.
func (tx *Tx) UpdateVehicleType(ctx context.Context, v mobility.VehicleType) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_vehicle_types SET name_it = ?2, name_en = ?3, propulsion = ?4, max_range_meters = ?5,
		pricing_plan_id = ?6, updated_at = ?7 WHERE id = ?1`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, toMicros(v.UpdatedAt))
	return inserted(res, err, "update vehicle type")
}

// UpdatePricingPlan implements mobility.Tx.
func (tx *Tx) UpdatePricingPlan(ctx context.Context, p mobility.PricingPlan) (bool, error) {
	segs := p.PerMin
	if segs == nil {
		segs = []mobility.Segment{}
	}
	b, err := json.Marshal(segs)
	if err != nil {
		return false, wrap("encode segments", err)
	}
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_pricing_plans SET name_it = ?2, name_en = ?3, description_it = ?4, description_en = ?5,
		unlock_cents = ?6, per_min = ?7, updated_at = ?8 WHERE id = ?1`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(b), toMicros(p.UpdatedAt))
	return inserted(res, err, "update pricing plan")
}

func mobIn(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// PutStation implements mobility.Tx.
func (tx *Tx) PutStation(ctx context.Context, s mobility.Station) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_stations (id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name_it = excluded.name_it, name_en = excluded.name_en, address = excluded.address,
			lat = excluded.lat, lon = excluded.lon, capacity = excluded.capacity, open = excluded.open, updated_at = excluded.updated_at`,
		s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, boolInt(s.Open), toMicros(s.CreatedAt), toMicros(s.UpdatedAt))
	return wrap("save station", err)
}

const mobStationCols = `id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at`

func scanMobStation(row rowScanner) (mobility.Station, error) {
	var s mobility.Station
	var created, updated int64
	err := row.Scan(&s.ID, &s.NameIT, &s.NameEN, &s.Address, &s.Lat, &s.Lon, &s.Capacity, &s.Open, &created, &updated)
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return s, err
}

// Station implements mobility.Tx.
func (tx *Tx) Station(ctx context.Context, id string) (mobility.Station, error) {
	s, err := scanMobStation(tx.q.QueryRowContext(ctx, `SELECT `+mobStationCols+` FROM mobility_stations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, apperr.R(apperr.NotFound, "no_station", "There is no station %q.", id)
	}
	return s, wrap("read station", err)
}

// Stations implements mobility.Tx.
func (tx *Tx) Stations(ctx context.Context) ([]mobility.Station, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+mobStationCols+` FROM mobility_stations ORDER BY id`)
	if err != nil {
		return nil, wrap("list stations", err)
	}
	defer rows.Close()
	out := []mobility.Station{}
	for rows.Next() {
		s, err := scanMobStation(rows)
		if err != nil {
			return nil, wrap("list stations", err)
		}
		out = append(out, s)
	}
	return out, wrap("list stations", rows.Err())
}

// LockStation implements mobility.Tx: Station, since a write transaction
// here holds the only writer.
func (tx *Tx) LockStation(ctx context.Context, id string) (mobility.Station, error) {
	return tx.Station(ctx, id)
}

// ShareStation implements mobility.Tx: Station, since a write
// transaction here holds the only writer.
func (tx *Tx) ShareStation(ctx context.Context, id string) (mobility.Station, error) {
	return tx.Station(ctx, id)
}

// StationHasRides implements mobility.Tx. No index serves it: it runs
// when an admin deletes a station, and an index of rides by station would
// cost every unlock and every ride's end instead.
func (tx *Tx) StationHasRides(ctx context.Context, stationID string) (bool, error) {
	var found bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_rides WHERE start_station = ?1 OR end_station = ?1)`, stationID).Scan(&found)
	return found, wrap("look for rides of station", err)
}

// DeleteStation implements mobility.Tx.
func (tx *Tx) DeleteStation(ctx context.Context, id string) error {
	res, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_stations WHERE id = ?`, id)
	if err != nil {
		return wrap("delete station", err)
	}
	return notDeleted(res, "no_station", "station", id)
}

// PutDock implements mobility.Tx.
func (tx *Tx) PutDock(ctx context.Context, d mobility.Dock) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_docks (station_id, dock, in_service, note, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (station_id, dock) DO UPDATE SET in_service = excluded.in_service, note = excluded.note, updated_at = excluded.updated_at`,
		d.StationID, d.Number, boolInt(d.InService), d.Note, toMicros(d.UpdatedAt))
	return wrap("save dock", err)
}

// Docks implements mobility.Tx.
func (tx *Tx) Docks(ctx context.Context, stationID string) ([]mobility.Dock, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT station_id, dock, in_service, note, updated_at FROM mobility_docks
		WHERE ?1 = '' OR station_id = ?1 ORDER BY station_id, dock`, stationID)
	if err != nil {
		return nil, wrap("list docks", err)
	}
	defer rows.Close()
	out := []mobility.Dock{}
	for rows.Next() {
		var d mobility.Dock
		var updated int64
		if err := rows.Scan(&d.StationID, &d.Number, &d.InService, &d.Note, &updated); err != nil {
			return nil, wrap("list docks", err)
		}
		d.UpdatedAt = fromMicros(updated)
		out = append(out, d)
	}
	return out, wrap("list docks", rows.Err())
}

// PutBike implements mobility.Tx.
func (tx *Tx) PutBike(ctx context.Context, b mobility.Bike) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_bikes (id, vehicle_type_id, active, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET vehicle_type_id = excluded.vehicle_type_id, active = excluded.active, updated_at = excluded.updated_at`,
		b.ID, b.VehicleTypeID, boolInt(b.Active), toMicros(b.UpdatedAt))
	return wrap("save bike", err)
}

func scanMobBike(row rowScanner) (mobility.Bike, error) {
	var b mobility.Bike
	var updated int64
	err := row.Scan(&b.ID, &b.VehicleTypeID, &b.Active, &updated)
	b.UpdatedAt = fromMicros(updated)
	return b, err
}

// Bike implements mobility.Tx.
func (tx *Tx) Bike(ctx context.Context, id string) (mobility.Bike, error) {
	b, err := scanMobBike(tx.q.QueryRowContext(ctx, `SELECT id, vehicle_type_id, active, updated_at FROM mobility_bikes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, apperr.R(apperr.NotFound, "no_bike", "There is no bike %q.", id)
	}
	return b, wrap("read bike", err)
}

// Bikes implements mobility.Tx.
func (tx *Tx) Bikes(ctx context.Context) ([]mobility.Bike, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, vehicle_type_id, active, updated_at FROM mobility_bikes ORDER BY id`)
	if err != nil {
		return nil, wrap("list bikes", err)
	}
	defer rows.Close()
	out := []mobility.Bike{}
	for rows.Next() {
		b, err := scanMobBike(rows)
		if err != nil {
			return nil, wrap("list bikes", err)
		}
		out = append(out, b)
	}
	return out, wrap("list bikes", rows.Err())
}

// LockBike implements mobility.Tx: Bike, since a write transaction here
// holds the only writer.
func (tx *Tx) LockBike(ctx context.Context, id string) (mobility.Bike, error) {
	return tx.Bike(ctx, id)
}

// BikeHasRides implements mobility.Tx. Only a bike's open ride has an
// index (mobility_rides_open_bike); past ones are looked for when an
// admin deletes a bike, rarely enough not to index every ride for it.
func (tx *Tx) BikeHasRides(ctx context.Context, bikeID string) (bool, error) {
	var found bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_rides WHERE bike_id = ?)`, bikeID).Scan(&found)
	return found, wrap("look for rides of bike", err)
}

// DeleteBike implements mobility.Tx.
func (tx *Tx) DeleteBike(ctx context.Context, id string) error {
	res, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_bikes WHERE id = ?`, id)
	if err != nil {
		return wrap("delete bike", err)
	}
	return notDeleted(res, "no_bike", "bike", id)
}

// PutVehicleType implements mobility.Tx.
func (tx *Tx) PutVehicleType(ctx context.Context, v mobility.VehicleType) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_vehicle_types (id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name_it = excluded.name_it, name_en = excluded.name_en, propulsion = excluded.propulsion,
			max_range_meters = excluded.max_range_meters, pricing_plan_id = excluded.pricing_plan_id, updated_at = excluded.updated_at`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, toMicros(v.UpdatedAt))
	return wrap("save vehicle type", err)
}

const mobVehicleTypeCols = `id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at`

func scanMobVehicleType(row rowScanner) (mobility.VehicleType, error) {
	var v mobility.VehicleType
	var prop string
	var updated int64
	err := row.Scan(&v.ID, &v.NameIT, &v.NameEN, &prop, &v.MaxRangeMeters, &v.PricingPlanID, &updated)
	v.Propulsion, v.UpdatedAt = mobility.Propulsion(prop), fromMicros(updated)
	return v, err
}

// VehicleType implements mobility.Tx.
func (tx *Tx) VehicleType(ctx context.Context, id string) (mobility.VehicleType, error) {
	v, err := scanMobVehicleType(tx.q.QueryRowContext(ctx, `SELECT `+mobVehicleTypeCols+` FROM mobility_vehicle_types WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.R(apperr.NotFound, "no_vehicle_type", "There is no vehicle type %q.", id)
	}
	return v, wrap("read vehicle type", err)
}

// VehicleTypes implements mobility.Tx.
func (tx *Tx) VehicleTypes(ctx context.Context) ([]mobility.VehicleType, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+mobVehicleTypeCols+` FROM mobility_vehicle_types ORDER BY id`)
	if err != nil {
		return nil, wrap("list vehicle types", err)
	}
	defer rows.Close()
	out := []mobility.VehicleType{}
	for rows.Next() {
		v, err := scanMobVehicleType(rows)
		if err != nil {
			return nil, wrap("list vehicle types", err)
		}
		out = append(out, v)
	}
	return out, wrap("list vehicle types", rows.Err())
}

// VehicleTypeInUse implements mobility.Tx.
func (tx *Tx) VehicleTypeInUse(ctx context.Context, id string) (bool, error) {
	var used bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_bikes WHERE vehicle_type_id = ?)`, id).Scan(&used)
	return used, wrap("read whether a vehicle type is in use", err)
}

// DeleteVehicleType implements mobility.Tx. Conflict while bikes use it.
func (tx *Tx) DeleteVehicleType(ctx context.Context, id string) error {
	used, err := tx.VehicleTypeInUse(ctx, id)
	if err != nil {
		return wrap("delete vehicle type", err)
	}
	if used {
		return apperr.R(apperr.Conflict, "vehicle_type_in_use", "Bikes of this type exist; change or delete them first.")
	}
	res, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_vehicle_types WHERE id = ?`, id)
	if err != nil {
		return wrap("delete vehicle type", err)
	}
	return notDeleted(res, "no_vehicle_type", "vehicle type", id)
}

// PutPricingPlan implements mobility.Tx.
func (tx *Tx) PutPricingPlan(ctx context.Context, p mobility.PricingPlan) error {
	segs := p.PerMin
	if segs == nil {
		segs = []mobility.Segment{}
	}
	b, err := json.Marshal(segs)
	if err != nil {
		return wrap("encode segments", err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO mobility_pricing_plans (id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name_it = excluded.name_it, name_en = excluded.name_en, description_it = excluded.description_it,
			description_en = excluded.description_en, unlock_cents = excluded.unlock_cents, per_min = excluded.per_min, updated_at = excluded.updated_at`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(b), toMicros(p.UpdatedAt))
	return wrap("save pricing plan", err)
}

const mobPlanCols = `id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at`

func scanMobPlan(row rowScanner) (mobility.PricingPlan, error) {
	var p mobility.PricingPlan
	var segs string
	var updated int64
	if err := row.Scan(&p.ID, &p.NameIT, &p.NameEN, &p.DescriptionIT, &p.DescriptionEN, &p.UnlockCents, &segs, &updated); err != nil {
		return p, err
	}
	p.UpdatedAt = fromMicros(updated)
	if err := json.Unmarshal([]byte(segs), &p.PerMin); err != nil {
		return p, wrap("decode segments of plan "+p.ID, err)
	}
	return p, nil
}

// PricingPlan implements mobility.Tx.
func (tx *Tx) PricingPlan(ctx context.Context, id string) (mobility.PricingPlan, error) {
	p, err := scanMobPlan(tx.q.QueryRowContext(ctx, `SELECT `+mobPlanCols+` FROM mobility_pricing_plans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.R(apperr.NotFound, "no_pricing_plan", "There is no pricing plan %q.", id)
	}
	return p, wrap("read pricing plan", err)
}

// PricingPlans implements mobility.Tx.
func (tx *Tx) PricingPlans(ctx context.Context) ([]mobility.PricingPlan, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+mobPlanCols+` FROM mobility_pricing_plans ORDER BY id`)
	if err != nil {
		return nil, wrap("list pricing plans", err)
	}
	defer rows.Close()
	out := []mobility.PricingPlan{}
	for rows.Next() {
		p, err := scanMobPlan(rows)
		if err != nil {
			return nil, wrap("list pricing plans", err)
		}
		out = append(out, p)
	}
	return out, wrap("list pricing plans", rows.Err())
}

// PricingPlanInUse implements mobility.Tx.
func (tx *Tx) PricingPlanInUse(ctx context.Context, id string) (bool, error) {
	var used bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_vehicle_types WHERE pricing_plan_id = ?)`, id).Scan(&used)
	return used, wrap("read whether a pricing plan is in use", err)
}

// DeletePricingPlan implements mobility.Tx. Conflict while a vehicle type uses it.
func (tx *Tx) DeletePricingPlan(ctx context.Context, id string) error {
	used, err := tx.PricingPlanInUse(ctx, id)
	if err != nil {
		return wrap("delete pricing plan", err)
	}
	if used {
		return apperr.R(apperr.Conflict, "pricing_plan_in_use", "A vehicle type uses this plan; change it first.")
	}
	res, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_pricing_plans WHERE id = ?`, id)
	if err != nil {
		return wrap("delete pricing plan", err)
	}
	return notDeleted(res, "no_pricing_plan", "pricing plan", id)
}

const mobStateCols = `station_id, online, online_at, last_reported, docks, faults, empty_since, full_since, updated_at,
	clock_window_at, clock_least_us, clock_previous_us, ahead_refused_at, ahead_refused_us`
