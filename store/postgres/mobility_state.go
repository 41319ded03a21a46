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

func scanState(row pgx.Row) (mobility.StationState, error) {
	var s mobility.StationState
	var onlineAt, last, empty, full, clockAt, aheadAt *time.Time
	var docks, faults []byte
	var least, previous, aheadBy int64
	if err := row.Scan(&s.StationID, &s.Online, &onlineAt, &last, &docks, &faults, &empty, &full, &s.UpdatedAt,
		&clockAt, &least, &previous, &aheadAt, &aheadBy); err != nil {
		return s, err
	}
	s.AheadRefusedAt, s.AheadRefusedBy = utc(aheadAt), time.Duration(aheadBy)*time.Microsecond
	s.OnlineAt, s.LastReported, s.EmptySince, s.FullSince = utc(onlineAt), utc(last), utc(empty), utc(full)
	s.Clock = mobility.StationClock{WindowAt: utc(clockAt), Least: time.Duration(least) * time.Microsecond,
		Previous: time.Duration(previous) * time.Microsecond}
	s.UpdatedAt = s.UpdatedAt.UTC()
	if err := json.Unmarshal(docks, &s.Docks); err != nil {
		return s, wrap("decode docks of "+s.StationID, err)
	}
	if err := json.Unmarshal(faults, &s.Faults); err != nil {
		return s, wrap("decode faults of "+s.StationID, err)
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
		return nil, wrap("create station states", err)
	}
	rows, err := tx.q.Query(ctx, `SELECT `+stateCols+` FROM mobility_station_state WHERE station_id = ANY($1)
		ORDER BY station_id FOR UPDATE`, ids)
	if err != nil {
		return nil, wrap("lock station states", err)
	}
	defer rows.Close()
	var out []mobility.StationState
	for rows.Next() {
		s, err := scanState(rows)
		if err != nil {
			return nil, wrap("lock station states", err)
		}
		out = append(out, s)
	}
	return out, wrap("lock station states", rows.Err())
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
	clockAt, least, previous := make([]*time.Time, n), make([]int64, n), make([]int64, n)
	for i, s := range states {
		d, err := json.Marshal(docksOrEmpty(s.Docks))
		if err != nil {
			return wrap("encode docks", err)
		}
		f, err := json.Marshal(faultsOrEmpty(s.Faults))
		if err != nil {
			return wrap("encode faults", err)
		}
		idsA[i], online[i], docks[i], faults[i], updated[i] = s.StationID, s.Online, string(d), string(f), s.UpdatedAt
		onlineAt[i], last[i], empty[i], full[i] = nullTime(s.OnlineAt), nullTime(s.LastReported), nullTime(s.EmptySince), nullTime(s.FullSince)
		clockAt[i], least[i], previous[i] = nullTime(s.Clock.WindowAt), s.Clock.Least.Microseconds(), s.Clock.Previous.Microseconds()
	}
	_, err := tx.q.Exec(ctx, `UPDATE mobility_station_state AS s SET online = u.online, online_at = u.online_at,
			last_reported = u.last_reported, docks = u.docks::jsonb, faults = u.faults::jsonb, empty_since = u.empty_since,
			full_since = u.full_since, updated_at = u.updated_at, clock_window_at = u.clock_window_at,
			clock_least_us = u.clock_least_us, clock_previous_us = u.clock_previous_us
		FROM unnest($1::text[], $2::boolean[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[],
				$10::timestamptz[], $11::bigint[], $12::bigint[])
			AS u(station_id, online, online_at, last_reported, docks, faults, empty_since, full_since, updated_at,
				clock_window_at, clock_least_us, clock_previous_us)
		WHERE s.station_id = u.station_id`,
		idsA, online, onlineAt, last, docks, faults, empty, full, updated, clockAt, least, previous)
	return wrap("save station states", err)
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
	return s, wrap("read station state", err)
}

// NoteClockAhead implements mobility.Tx.
func (tx *Tx) NoteClockAhead(ctx context.Context, stationID string, at time.Time, by time.Duration) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO mobility_station_state (station_id, updated_at, ahead_refused_at, ahead_refused_us)
		SELECT id, now(), $2, $3 FROM mobility_stations WHERE id = $1
		ON CONFLICT (station_id) DO UPDATE SET ahead_refused_at = excluded.ahead_refused_at, ahead_refused_us = excluded.ahead_refused_us`,
		stationID, at.UTC(), by.Microseconds())
	return wrap("note station clock ahead", err)
}

// DeleteStationState implements mobility.Tx.
func (tx *Tx) DeleteStationState(ctx context.Context, id string) error {
	_, err := tx.q.Exec(ctx, `DELETE FROM mobility_station_state WHERE station_id = $1`, id)
	return wrap("delete station state", err)
}

// StationStates implements mobility.Tx.
func (tx *Tx) StationStates(ctx context.Context) ([]mobility.StationState, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+stateCols+` FROM mobility_station_state ORDER BY station_id`)
	if err != nil {
		return nil, wrap("list station states", err)
	}
	defer rows.Close()
	out := []mobility.StationState{}
	for rows.Next() {
		s, err := scanState(rows)
		if err != nil {
			return nil, wrap("list station states", err)
		}
		out = append(out, s)
	}
	return out, wrap("list station states", rows.Err())
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
	return wrap("save occupancy", err)
}

// Occupancy implements mobility.Tx.
func (tx *Tx) Occupancy(ctx context.Context, stationID string, since time.Time) ([]mobility.OccupancySample, error) {
	rows, err := tx.q.Query(ctx, `SELECT station_id, at, bikes, free_docks FROM mobility_occupancy
		WHERE station_id = $1 AND at >= $2 ORDER BY at`, stationID, since)
	if err != nil {
		return nil, wrap("read occupancy", err)
	}
	defer rows.Close()
	out := []mobility.OccupancySample{}
	for rows.Next() {
		var s mobility.OccupancySample
		if err := rows.Scan(&s.StationID, &s.At, &s.Bikes, &s.FreeDocks); err != nil {
			return nil, wrap("read occupancy", err)
		}
		s.At = s.At.UTC()
		out = append(out, s)
	}
	return out, wrap("read occupancy", rows.Err())
}

// PruneOccupancy implements mobility.Tx.
func (tx *Tx) PruneOccupancy(ctx context.Context, before time.Time) error {
	_, err := tx.q.Exec(ctx, `DELETE FROM mobility_occupancy WHERE at < $1`, before)
	return wrap("prune occupancy", err)
}

const rideCols = `id, command_id, rider_id, bike_id, start_station, start_dock, status, pricing_plan_id, plan, deadline,
	created_at, started_at, ended_at, end_station, end_dock, fare_cents, unsettled, ledger_tx_id, failure_reason`
