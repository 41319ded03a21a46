package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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

type mobScanner interface{ Scan(dest ...any) error }

func mobWrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return translate(fmt.Errorf("%s: %w", what, err))
}

func mobDeleted(res sql.Result, what, id string) error {
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.NotFound, "There is no %s %q.", what, id)
	}
	return nil
}

// mobInserted reports whether an INSERT ... ON CONFLICT DO NOTHING (or an
// UPDATE) wrote its row: the primary key, not an earlier read, decides who
// created an id first, and an update of a deleted id writes nothing rather
// than bringing it back.
func mobInserted(res sql.Result, err error, what string) (bool, error) {
	if err != nil {
		return false, mobWrap(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, mobWrap(what, err)
	}
	return n == 1, nil
}

// InsertStation implements mobility.Tx.
func (tx *Tx) InsertStation(ctx context.Context, s mobility.Station) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_stations (id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, boolInt(s.Open), toMicros(s.CreatedAt), toMicros(s.UpdatedAt))
	return mobInserted(res, err, "create station")
}

// InsertBike implements mobility.Tx.
func (tx *Tx) InsertBike(ctx context.Context, b mobility.Bike) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_bikes (id, vehicle_type_id, active, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, b.ID, b.VehicleTypeID, boolInt(b.Active), toMicros(b.UpdatedAt))
	return mobInserted(res, err, "create bike")
}

// InsertVehicleType implements mobility.Tx.
func (tx *Tx) InsertVehicleType(ctx context.Context, v mobility.VehicleType) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_vehicle_types (id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, toMicros(v.UpdatedAt))
	return mobInserted(res, err, "create vehicle type")
}

// InsertPricingPlan implements mobility.Tx.
func (tx *Tx) InsertPricingPlan(ctx context.Context, p mobility.PricingPlan) (bool, error) {
	segs := p.PerMin
	if segs == nil {
		segs = []mobility.Segment{}
	}
	b, err := json.Marshal(segs)
	if err != nil {
		return false, fmt.Errorf("encode segments: %w", err)
	}
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_pricing_plans (id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(b), toMicros(p.UpdatedAt))
	return mobInserted(res, err, "create pricing plan")
}

// UpdateStation implements mobility.Tx.
func (tx *Tx) UpdateStation(ctx context.Context, s mobility.Station) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_stations SET name_it = ?2, name_en = ?3, address = ?4, lat = ?5, lon = ?6, capacity = ?7, open = ?8,
		updated_at = ?9 WHERE id = ?1`, s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, boolInt(s.Open), toMicros(s.UpdatedAt))
	return mobInserted(res, err, "update station")
}

// SetStationOpen implements mobility.Tx.
func (tx *Tx) SetStationOpen(ctx context.Context, id string, open bool, at time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_stations SET open = ?2, updated_at = ?3 WHERE id = ?1`, id, boolInt(open), toMicros(at))
	return mobInserted(res, err, "set station open")
}

// UpdateBike implements mobility.Tx.
func (tx *Tx) UpdateBike(ctx context.Context, b mobility.Bike) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_bikes SET vehicle_type_id = ?2, active = ?3, updated_at = ?4 WHERE id = ?1`,
		b.ID, b.VehicleTypeID, boolInt(b.Active), toMicros(b.UpdatedAt))
	return mobInserted(res, err, "update bike")
}

// UpdateVehicleType implements mobility.Tx.
func (tx *Tx) UpdateVehicleType(ctx context.Context, v mobility.VehicleType) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_vehicle_types SET name_it = ?2, name_en = ?3, propulsion = ?4, max_range_meters = ?5,
		pricing_plan_id = ?6, updated_at = ?7 WHERE id = ?1`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, toMicros(v.UpdatedAt))
	return mobInserted(res, err, "update vehicle type")
}

// UpdatePricingPlan implements mobility.Tx.
func (tx *Tx) UpdatePricingPlan(ctx context.Context, p mobility.PricingPlan) (bool, error) {
	segs := p.PerMin
	if segs == nil {
		segs = []mobility.Segment{}
	}
	b, err := json.Marshal(segs)
	if err != nil {
		return false, fmt.Errorf("encode segments: %w", err)
	}
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_pricing_plans SET name_it = ?2, name_en = ?3, description_it = ?4, description_en = ?5,
		unlock_cents = ?6, per_min = ?7, updated_at = ?8 WHERE id = ?1`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(b), toMicros(p.UpdatedAt))
	return mobInserted(res, err, "update pricing plan")
}

func mobIn(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// PutStation implements mobility.Tx.
func (tx *Tx) PutStation(ctx context.Context, s mobility.Station) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_stations (id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name_it = excluded.name_it, name_en = excluded.name_en, address = excluded.address,
			lat = excluded.lat, lon = excluded.lon, capacity = excluded.capacity, open = excluded.open, updated_at = excluded.updated_at`,
		s.ID, s.NameIT, s.NameEN, s.Address, s.Lat, s.Lon, s.Capacity, boolInt(s.Open), toMicros(s.CreatedAt), toMicros(s.UpdatedAt))
	return mobWrap("save station", err)
}

const mobStationCols = `id, name_it, name_en, address, lat, lon, capacity, open, created_at, updated_at`

func scanMobStation(row mobScanner) (mobility.Station, error) {
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
	return s, mobWrap("read station", err)
}

// Stations implements mobility.Tx.
func (tx *Tx) Stations(ctx context.Context) ([]mobility.Station, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+mobStationCols+` FROM mobility_stations ORDER BY id`)
	if err != nil {
		return nil, mobWrap("list stations", err)
	}
	defer rows.Close()
	out := []mobility.Station{}
	for rows.Next() {
		s, err := scanMobStation(rows)
		if err != nil {
			return nil, mobWrap("list stations", err)
		}
		out = append(out, s)
	}
	return out, mobWrap("list stations", rows.Err())
}

// DeleteStation implements mobility.Tx.
func (tx *Tx) DeleteStation(ctx context.Context, id string) error {
	res, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_stations WHERE id = ?`, id)
	if err != nil {
		return mobWrap("delete station", err)
	}
	return mobDeleted(res, "station", id)
}

// PutDock implements mobility.Tx.
func (tx *Tx) PutDock(ctx context.Context, d mobility.Dock) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_docks (station_id, dock, in_service, note, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (station_id, dock) DO UPDATE SET in_service = excluded.in_service, note = excluded.note, updated_at = excluded.updated_at`,
		d.StationID, d.Number, boolInt(d.InService), d.Note, toMicros(d.UpdatedAt))
	return mobWrap("save dock", err)
}

// Docks implements mobility.Tx.
func (tx *Tx) Docks(ctx context.Context, stationID string) ([]mobility.Dock, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT station_id, dock, in_service, note, updated_at FROM mobility_docks
		WHERE ?1 = '' OR station_id = ?1 ORDER BY station_id, dock`, stationID)
	if err != nil {
		return nil, mobWrap("list docks", err)
	}
	defer rows.Close()
	out := []mobility.Dock{}
	for rows.Next() {
		var d mobility.Dock
		var updated int64
		if err := rows.Scan(&d.StationID, &d.Number, &d.InService, &d.Note, &updated); err != nil {
			return nil, mobWrap("list docks", err)
		}
		d.UpdatedAt = fromMicros(updated)
		out = append(out, d)
	}
	return out, mobWrap("list docks", rows.Err())
}

// PutBike implements mobility.Tx.
func (tx *Tx) PutBike(ctx context.Context, b mobility.Bike) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_bikes (id, vehicle_type_id, active, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET vehicle_type_id = excluded.vehicle_type_id, active = excluded.active, updated_at = excluded.updated_at`,
		b.ID, b.VehicleTypeID, boolInt(b.Active), toMicros(b.UpdatedAt))
	return mobWrap("save bike", err)
}

func scanMobBike(row mobScanner) (mobility.Bike, error) {
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
	return b, mobWrap("read bike", err)
}

// Bikes implements mobility.Tx.
func (tx *Tx) Bikes(ctx context.Context) ([]mobility.Bike, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, vehicle_type_id, active, updated_at FROM mobility_bikes ORDER BY id`)
	if err != nil {
		return nil, mobWrap("list bikes", err)
	}
	defer rows.Close()
	out := []mobility.Bike{}
	for rows.Next() {
		b, err := scanMobBike(rows)
		if err != nil {
			return nil, mobWrap("list bikes", err)
		}
		out = append(out, b)
	}
	return out, mobWrap("list bikes", rows.Err())
}

// DeleteBike implements mobility.Tx.
func (tx *Tx) DeleteBike(ctx context.Context, id string) error {
	res, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_bikes WHERE id = ?`, id)
	if err != nil {
		return mobWrap("delete bike", err)
	}
	return mobDeleted(res, "bike", id)
}

// PutVehicleType implements mobility.Tx.
func (tx *Tx) PutVehicleType(ctx context.Context, v mobility.VehicleType) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_vehicle_types (id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name_it = excluded.name_it, name_en = excluded.name_en, propulsion = excluded.propulsion,
			max_range_meters = excluded.max_range_meters, pricing_plan_id = excluded.pricing_plan_id, updated_at = excluded.updated_at`,
		v.ID, v.NameIT, v.NameEN, string(v.Propulsion), v.MaxRangeMeters, v.PricingPlanID, toMicros(v.UpdatedAt))
	return mobWrap("save vehicle type", err)
}

const mobVehicleTypeCols = `id, name_it, name_en, propulsion, max_range_meters, pricing_plan_id, updated_at`

func scanMobVehicleType(row mobScanner) (mobility.VehicleType, error) {
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
	return v, mobWrap("read vehicle type", err)
}

// VehicleTypes implements mobility.Tx.
func (tx *Tx) VehicleTypes(ctx context.Context) ([]mobility.VehicleType, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+mobVehicleTypeCols+` FROM mobility_vehicle_types ORDER BY id`)
	if err != nil {
		return nil, mobWrap("list vehicle types", err)
	}
	defer rows.Close()
	out := []mobility.VehicleType{}
	for rows.Next() {
		v, err := scanMobVehicleType(rows)
		if err != nil {
			return nil, mobWrap("list vehicle types", err)
		}
		out = append(out, v)
	}
	return out, mobWrap("list vehicle types", rows.Err())
}

// DeleteVehicleType implements mobility.Tx. Conflict while bikes use it.
func (tx *Tx) DeleteVehicleType(ctx context.Context, id string) error {
	var used bool
	if err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_bikes WHERE vehicle_type_id = ?)`, id).Scan(&used); err != nil {
		return mobWrap("delete vehicle type", err)
	}
	if used {
		return apperr.R(apperr.Conflict, "vehicle_type_in_use", "Bikes of this type exist; change or delete them first.")
	}
	res, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_vehicle_types WHERE id = ?`, id)
	if err != nil {
		return mobWrap("delete vehicle type", err)
	}
	return mobDeleted(res, "vehicle type", id)
}

// PutPricingPlan implements mobility.Tx.
func (tx *Tx) PutPricingPlan(ctx context.Context, p mobility.PricingPlan) error {
	segs := p.PerMin
	if segs == nil {
		segs = []mobility.Segment{}
	}
	b, err := json.Marshal(segs)
	if err != nil {
		return fmt.Errorf("encode segments: %w", err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO mobility_pricing_plans (id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name_it = excluded.name_it, name_en = excluded.name_en, description_it = excluded.description_it,
			description_en = excluded.description_en, unlock_cents = excluded.unlock_cents, per_min = excluded.per_min, updated_at = excluded.updated_at`,
		p.ID, p.NameIT, p.NameEN, p.DescriptionIT, p.DescriptionEN, p.UnlockCents, string(b), toMicros(p.UpdatedAt))
	return mobWrap("save pricing plan", err)
}

const mobPlanCols = `id, name_it, name_en, description_it, description_en, unlock_cents, per_min, updated_at`

func scanMobPlan(row mobScanner) (mobility.PricingPlan, error) {
	var p mobility.PricingPlan
	var segs string
	var updated int64
	if err := row.Scan(&p.ID, &p.NameIT, &p.NameEN, &p.DescriptionIT, &p.DescriptionEN, &p.UnlockCents, &segs, &updated); err != nil {
		return p, err
	}
	p.UpdatedAt = fromMicros(updated)
	if err := json.Unmarshal([]byte(segs), &p.PerMin); err != nil {
		return p, fmt.Errorf("decode segments of plan %s: %w", p.ID, err)
	}
	return p, nil
}

// PricingPlan implements mobility.Tx.
func (tx *Tx) PricingPlan(ctx context.Context, id string) (mobility.PricingPlan, error) {
	p, err := scanMobPlan(tx.q.QueryRowContext(ctx, `SELECT `+mobPlanCols+` FROM mobility_pricing_plans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.R(apperr.NotFound, "no_pricing_plan", "There is no pricing plan %q.", id)
	}
	return p, mobWrap("read pricing plan", err)
}

// PricingPlans implements mobility.Tx.
func (tx *Tx) PricingPlans(ctx context.Context) ([]mobility.PricingPlan, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+mobPlanCols+` FROM mobility_pricing_plans ORDER BY id`)
	if err != nil {
		return nil, mobWrap("list pricing plans", err)
	}
	defer rows.Close()
	out := []mobility.PricingPlan{}
	for rows.Next() {
		p, err := scanMobPlan(rows)
		if err != nil {
			return nil, mobWrap("list pricing plans", err)
		}
		out = append(out, p)
	}
	return out, mobWrap("list pricing plans", rows.Err())
}

// DeletePricingPlan implements mobility.Tx. Conflict while a vehicle type uses it.
func (tx *Tx) DeletePricingPlan(ctx context.Context, id string) error {
	var used bool
	if err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_vehicle_types WHERE pricing_plan_id = ?)`, id).Scan(&used); err != nil {
		return mobWrap("delete pricing plan", err)
	}
	if used {
		return apperr.R(apperr.Conflict, "pricing_plan_in_use", "A vehicle type uses this plan; change it first.")
	}
	res, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_pricing_plans WHERE id = ?`, id)
	if err != nil {
		return mobWrap("delete pricing plan", err)
	}
	return mobDeleted(res, "pricing plan", id)
}

const mobStateCols = `station_id, online, online_at, last_reported, docks, faults, empty_since, full_since, updated_at`

func scanMobState(row mobScanner) (mobility.StationState, error) {
	var s mobility.StationState
	var onlineAt, last, empty, full, updated int64
	var docks, faults string
	if err := row.Scan(&s.StationID, &s.Online, &onlineAt, &last, &docks, &faults, &empty, &full, &updated); err != nil {
		return s, err
	}
	s.OnlineAt, s.LastReported, s.EmptySince, s.FullSince, s.UpdatedAt = fromMicros(onlineAt), fromMicros(last), fromMicros(empty), fromMicros(full), fromMicros(updated)
	if err := json.Unmarshal([]byte(docks), &s.Docks); err != nil {
		return s, fmt.Errorf("decode docks of %s: %w", s.StationID, err)
	}
	if err := json.Unmarshal([]byte(faults), &s.Faults); err != nil {
		return s, fmt.Errorf("decode faults of %s: %w", s.StationID, err)
	}
	return s, nil
}

// LockStationStates implements mobility.Tx. Write transactions are serial on
// the single writer connection, so reading the rows is enough to hold them.
func (tx *Tx) LockStationStates(ctx context.Context, ids []string) ([]mobility.StationState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	now := nowMicros()
	var out []mobility.StationState
	// SQLite limits bound parameters; go in chunks.
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		in := make([]any, len(chunk))
		for i, id := range chunk {
			in[i] = id
		}
		// Only catalogued stations get a state (see the PostgreSQL store).
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_station_state (station_id, updated_at)
			SELECT id, ? FROM mobility_stations WHERE id IN (`+mobIn(len(chunk))+`) ON CONFLICT (station_id) DO NOTHING`,
			append([]any{now}, in...)...); err != nil {
			return nil, mobWrap("create station states", err)
		}
		rows, err := tx.q.QueryContext(ctx, `SELECT `+mobStateCols+` FROM mobility_station_state WHERE station_id IN (`+mobIn(len(chunk))+`) ORDER BY station_id`, in...)
		if err != nil {
			return nil, mobWrap("lock station states", err)
		}
		for rows.Next() {
			s, err := scanMobState(rows)
			if err != nil {
				rows.Close()
				return nil, mobWrap("lock station states", err)
			}
			out = append(out, s)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, mobWrap("lock station states", err)
		}
	}
	return out, nil
}

// SaveStationStates implements mobility.Tx.
func (tx *Tx) SaveStationStates(ctx context.Context, states []mobility.StationState) error {
	for _, s := range states {
		docks := s.Docks
		if docks == nil {
			docks = []mobility.DockState{}
		}
		faults := s.Faults
		if faults == nil {
			faults = []string{}
		}
		d, err := json.Marshal(docks)
		if err != nil {
			return fmt.Errorf("encode docks: %w", err)
		}
		f, err := json.Marshal(faults)
		if err != nil {
			return fmt.Errorf("encode faults: %w", err)
		}
		if _, err := tx.q.ExecContext(ctx, `UPDATE mobility_station_state SET online = ?, online_at = ?, last_reported = ?, docks = ?,
				faults = ?, empty_since = ?, full_since = ?, updated_at = ? WHERE station_id = ?`,
			boolInt(s.Online), toMicros(s.OnlineAt), toMicros(s.LastReported), string(d), string(f),
			toMicros(s.EmptySince), toMicros(s.FullSince), toMicros(s.UpdatedAt), s.StationID); err != nil {
			return mobWrap("save station state", err)
		}
	}
	return nil
}

// StationState implements mobility.Tx.
func (tx *Tx) StationState(ctx context.Context, id string) (mobility.StationState, error) {
	s, err := scanMobState(tx.q.QueryRowContext(ctx, `SELECT `+mobStateCols+` FROM mobility_station_state WHERE station_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, apperr.R(apperr.NotFound, "no_station_state", "Station %q has not reported yet.", id)
	}
	return s, mobWrap("read station state", err)
}

// DeleteStationState implements mobility.Tx.
func (tx *Tx) DeleteStationState(ctx context.Context, id string) error {
	_, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_station_state WHERE station_id = ?`, id)
	return mobWrap("delete station state", err)
}

// StationStates implements mobility.Tx.
func (tx *Tx) StationStates(ctx context.Context) ([]mobility.StationState, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+mobStateCols+` FROM mobility_station_state ORDER BY station_id`)
	if err != nil {
		return nil, mobWrap("list station states", err)
	}
	defer rows.Close()
	out := []mobility.StationState{}
	for rows.Next() {
		s, err := scanMobState(rows)
		if err != nil {
			return nil, mobWrap("list station states", err)
		}
		out = append(out, s)
	}
	return out, mobWrap("list station states", rows.Err())
}

// PutOccupancy implements mobility.Tx.
func (tx *Tx) PutOccupancy(ctx context.Context, samples []mobility.OccupancySample) error {
	for _, s := range samples {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_occupancy (station_id, at, bikes, free_docks) VALUES (?, ?, ?, ?)
			ON CONFLICT (station_id, at) DO UPDATE SET bikes = excluded.bikes, free_docks = excluded.free_docks`,
			s.StationID, toMicros(s.At), s.Bikes, s.FreeDocks); err != nil {
			return mobWrap("save occupancy", err)
		}
	}
	return nil
}

// Occupancy implements mobility.Tx.
func (tx *Tx) Occupancy(ctx context.Context, stationID string, since time.Time) ([]mobility.OccupancySample, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT station_id, at, bikes, free_docks FROM mobility_occupancy
		WHERE station_id = ? AND at >= ? ORDER BY at`, stationID, toMicros(since))
	if err != nil {
		return nil, mobWrap("read occupancy", err)
	}
	defer rows.Close()
	out := []mobility.OccupancySample{}
	for rows.Next() {
		var s mobility.OccupancySample
		var at int64
		if err := rows.Scan(&s.StationID, &at, &s.Bikes, &s.FreeDocks); err != nil {
			return nil, mobWrap("read occupancy", err)
		}
		s.At = fromMicros(at)
		out = append(out, s)
	}
	return out, mobWrap("read occupancy", rows.Err())
}

// PruneOccupancy implements mobility.Tx.
func (tx *Tx) PruneOccupancy(ctx context.Context, before time.Time) error {
	_, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_occupancy WHERE at < ?`, toMicros(before))
	return mobWrap("prune occupancy", err)
}

const mobRideCols = `id, command_id, rider_id, bike_id, start_station, start_dock, status, pricing_plan_id, plan, deadline,
	created_at, started_at, ended_at, end_station, end_dock, fare_cents, unsettled, ledger_tx_id, failure_reason`

func scanMobRide(row mobScanner) (mobility.Ride, error) {
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
	_, err = tx.q.ExecContext(ctx, `INSERT INTO mobility_rides (id, command_id, rider_id, bike_id, start_station, start_dock, status,
			pricing_plan_id, plan, deadline, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.CommandID, r.RiderID, r.BikeID, r.StartStation, r.StartDock, string(r.Status), r.PricingPlanID, string(plan),
		toMicros(r.Deadline), toMicros(r.CreatedAt))
	return mobWrap("insert ride", err)
}

// UpdateRide implements mobility.Tx.
func (tx *Tx) UpdateRide(ctx context.Context, r mobility.Ride) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_rides SET status = ?, started_at = ?, ended_at = ?, end_station = ?, end_dock = ?,
			fare_cents = ?, unsettled = ?, ledger_tx_id = ?, failure_reason = ? WHERE id = ?`,
		string(r.Status), toMicros(r.StartedAt), toMicros(r.EndedAt), r.EndStation, r.EndDock, r.FareCents, boolInt(r.Unsettled),
		r.LedgerTxID, r.FailureReason, r.ID)
	if err != nil {
		return mobWrap("update ride", err)
	}
	return mobDeleted(res, "ride", r.ID)
}

func (tx *Tx) mobRideWhere(ctx context.Context, where string, arg any) (mobility.Ride, error) {
	r, err := scanMobRide(tx.q.QueryRowContext(ctx, `SELECT `+mobRideCols+` FROM mobility_rides WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.R(apperr.NotFound, "no_ride", "No such ride.")
	}
	return r, mobWrap("read ride", err)
}

// LockRide implements mobility.Tx (the writer connection already serializes).
func (tx *Tx) LockRide(ctx context.Context, id string) (mobility.Ride, error) {
	return tx.mobRideWhere(ctx, `id = ?`, id)
}

// Ride implements mobility.Tx.
func (tx *Tx) Ride(ctx context.Context, id string) (mobility.Ride, error) {
	return tx.mobRideWhere(ctx, `id = ?`, id)
}

// RideByCommand implements mobility.Tx.
func (tx *Tx) RideByCommand(ctx context.Context, commandID string) (mobility.Ride, error) {
	return tx.mobRideWhere(ctx, `command_id = ?`, commandID)
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
		return nil, mobWrap("list rides", err)
	}
	defer rows.Close()
	out := []mobility.Ride{}
	for rows.Next() {
		r, err := scanMobRide(rows)
		if err != nil {
			return nil, mobWrap("list rides", err)
		}
		out = append(out, r)
	}
	return out, mobWrap("list rides", rows.Err())
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
	return mobWrap("count trip", err)
}

// TripsPerBike implements mobility.Tx.
func (tx *Tx) TripsPerBike(ctx context.Context) (map[string]int, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, trips FROM mobility_bikes WHERE trips > 0`)
	if err != nil {
		return nil, mobWrap("count trips", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var bike string
		var n int
		if err := rows.Scan(&bike, &n); err != nil {
			return nil, mobWrap("count trips", err)
		}
		out[bike] = n
	}
	return out, mobWrap("count trips", rows.Err())
}

// ExpirePendingRides implements mobility.Tx.
func (tx *Tx) ExpirePendingRides(ctx context.Context, now time.Time) (int, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_rides SET status = 'failed', failure_reason = 'pending_expired'
		WHERE status = 'pending' AND deadline < ?`, toMicros(now.Add(-2*time.Second)))
	if err != nil {
		return 0, mobWrap("expire pending rides", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
