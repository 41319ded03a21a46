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

func scanMobState(row rowScanner) (mobility.StationState, error) {
	var s mobility.StationState
	var onlineAt, last, empty, full, updated, clockAt, least, previous, aheadAt, aheadBy int64
	var docks, faults string
	if err := row.Scan(&s.StationID, &s.Online, &onlineAt, &last, &docks, &faults, &empty, &full, &updated,
		&clockAt, &least, &previous, &aheadAt, &aheadBy); err != nil {
		return s, err
	}
	s.AheadRefusedAt, s.AheadRefusedBy = fromMicros(aheadAt), time.Duration(aheadBy)*time.Microsecond
	s.OnlineAt, s.LastReported, s.EmptySince, s.FullSince, s.UpdatedAt = fromMicros(onlineAt), fromMicros(last), fromMicros(empty), fromMicros(full), fromMicros(updated)
	s.Clock = mobility.StationClock{WindowAt: fromMicros(clockAt), Least: time.Duration(least) * time.Microsecond,
		Previous: time.Duration(previous) * time.Microsecond}
	if err := json.Unmarshal([]byte(docks), &s.Docks); err != nil {
		return s, wrap("decode docks of "+s.StationID, err)
	}
	if err := json.Unmarshal([]byte(faults), &s.Faults); err != nil {
		return s, wrap("decode faults of "+s.StationID, err)
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
			return nil, wrap("create station states", err)
		}
		rows, err := tx.q.QueryContext(ctx, `SELECT `+mobStateCols+` FROM mobility_station_state WHERE station_id IN (`+mobIn(len(chunk))+`) ORDER BY station_id`, in...)
		if err != nil {
			return nil, wrap("lock station states", err)
		}
		for rows.Next() {
			s, err := scanMobState(rows)
			if err != nil {
				rows.Close()
				return nil, wrap("lock station states", err)
			}
			out = append(out, s)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap("lock station states", err)
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
			return wrap("encode docks", err)
		}
		f, err := json.Marshal(faults)
		if err != nil {
			return wrap("encode faults", err)
		}
		if _, err := tx.q.ExecContext(ctx, `UPDATE mobility_station_state SET online = ?, online_at = ?, last_reported = ?, docks = ?,
				faults = ?, empty_since = ?, full_since = ?, updated_at = ?, clock_window_at = ?, clock_least_us = ?,
				clock_previous_us = ? WHERE station_id = ?`,
			boolInt(s.Online), toMicros(s.OnlineAt), toMicros(s.LastReported), string(d), string(f),
			toMicros(s.EmptySince), toMicros(s.FullSince), toMicros(s.UpdatedAt), toMicros(s.Clock.WindowAt),
			s.Clock.Least.Microseconds(), s.Clock.Previous.Microseconds(), s.StationID); err != nil {
			return wrap("save station state", err)
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
	return s, wrap("read station state", err)
}

// NoteClockAhead implements mobility.Tx.
func (tx *Tx) NoteClockAhead(ctx context.Context, stationID string, at time.Time, by time.Duration) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_station_state (station_id, updated_at, ahead_refused_at, ahead_refused_us)
		SELECT id, ?, ?, ? FROM mobility_stations WHERE id = ?
		ON CONFLICT (station_id) DO UPDATE SET ahead_refused_at = excluded.ahead_refused_at, ahead_refused_us = excluded.ahead_refused_us`,
		nowMicros(), toMicros(at), by.Microseconds(), stationID)
	return wrap("note station clock ahead", err)
}

// DeleteStationState implements mobility.Tx.
func (tx *Tx) DeleteStationState(ctx context.Context, id string) error {
	_, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_station_state WHERE station_id = ?`, id)
	return wrap("delete station state", err)
}

// StationStates implements mobility.Tx.
func (tx *Tx) StationStates(ctx context.Context) ([]mobility.StationState, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+mobStateCols+` FROM mobility_station_state ORDER BY station_id`)
	if err != nil {
		return nil, wrap("list station states", err)
	}
	defer rows.Close()
	out := []mobility.StationState{}
	for rows.Next() {
		s, err := scanMobState(rows)
		if err != nil {
			return nil, wrap("list station states", err)
		}
		out = append(out, s)
	}
	return out, wrap("list station states", rows.Err())
}

// PutOccupancy implements mobility.Tx.
func (tx *Tx) PutOccupancy(ctx context.Context, samples []mobility.OccupancySample) error {
	for _, s := range samples {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_occupancy (station_id, at, bikes, free_docks) VALUES (?, ?, ?, ?)
			ON CONFLICT (station_id, at) DO UPDATE SET bikes = excluded.bikes, free_docks = excluded.free_docks`,
			s.StationID, toMicros(s.At), s.Bikes, s.FreeDocks); err != nil {
			return wrap("save occupancy", err)
		}
	}
	return nil
}

// Occupancy implements mobility.Tx.
func (tx *Tx) Occupancy(ctx context.Context, stationID string, since time.Time) ([]mobility.OccupancySample, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT station_id, at, bikes, free_docks FROM mobility_occupancy
		WHERE station_id = ? AND at >= ? ORDER BY at`, stationID, toMicros(since))
	if err != nil {
		return nil, wrap("read occupancy", err)
	}
	defer rows.Close()
	out := []mobility.OccupancySample{}
	for rows.Next() {
		var s mobility.OccupancySample
		var at int64
		if err := rows.Scan(&s.StationID, &at, &s.Bikes, &s.FreeDocks); err != nil {
			return nil, wrap("read occupancy", err)
		}
		s.At = fromMicros(at)
		out = append(out, s)
	}
	return out, wrap("read occupancy", rows.Err())
}

// PruneOccupancy implements mobility.Tx.
func (tx *Tx) PruneOccupancy(ctx context.Context, before time.Time) error {
	_, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_occupancy WHERE at < ?`, toMicros(before))
	return wrap("prune occupancy", err)
}

const mobRideCols = `id, command_id, rider_id, bike_id, start_station, start_dock, status, pricing_plan_id, plan, deadline,
	created_at, started_at, ended_at, end_station, end_dock, fare_cents, unsettled, ledger_tx_id, failure_reason`
