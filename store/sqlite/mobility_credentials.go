package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cityhub/apperr"
	"cityhub/mobility"
)

const credentialCols = `station_id, secret_hash, issued_at, issued_by, generation, revoked_at, revoked_by`

func scanCredential(row rowScanner) (mobility.StationCredential, error) {
	var c mobility.StationCredential
	var issued int64
	var revoked sql.NullInt64
	err := row.Scan(&c.StationID, &c.SecretHash, &issued, &c.IssuedBy, &c.Generation, &revoked, &c.RevokedBy)
	c.Username, c.IssuedAt = c.StationID, fromMicros(issued)
	if revoked.Valid {
		r := fromMicros(revoked.Int64)
		c.RevokedAt = &r
	}
	return c, err
}

func optMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return toMicros(*t)
}

// StationCredential implements mobility.Tx.
func (tx *Tx) StationCredential(ctx context.Context, stationID string) (mobility.StationCredential, error) {
	c, err := scanCredential(tx.q.QueryRowContext(ctx, `SELECT `+credentialCols+` FROM mobility_station_credentials WHERE station_id = ?`, stationID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.R(apperr.NotFound, "no_credential", "Station %q has no credential.", stationID)
	}
	return c, wrap("read station credential", err)
}

// InsertStationCredential implements mobility.Tx.
func (tx *Tx) InsertStationCredential(ctx context.Context, c mobility.StationCredential) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_station_credentials (`+credentialCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (station_id) DO NOTHING`,
		c.StationID, c.SecretHash, toMicros(c.IssuedAt), c.IssuedBy, c.Generation, optMicros(c.RevokedAt), c.RevokedBy)
	return inserted(res, err, "save station credential")
}

// SwapStationCredential implements mobility.Tx.
func (tx *Tx) SwapStationCredential(ctx context.Context, prev, next mobility.StationCredential) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_station_credentials SET secret_hash = ?, issued_at = ?, issued_by = ?,
			generation = ?, revoked_at = ?, revoked_by = ?
		WHERE station_id = ? AND generation = ? AND (revoked_at IS NULL) = ?`,
		next.SecretHash, toMicros(next.IssuedAt), next.IssuedBy, next.Generation, optMicros(next.RevokedAt), next.RevokedBy,
		next.StationID, prev.Generation, boolInt(prev.RevokedAt == nil))
	return inserted(res, err, "save station credential")
}

// StationCredentials implements mobility.Tx.
func (tx *Tx) StationCredentials(ctx context.Context) ([]mobility.StationCredential, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+credentialCols+` FROM mobility_station_credentials ORDER BY station_id`)
	if err != nil {
		return nil, wrap("list station credentials", err)
	}
	defer rows.Close()
	out := []mobility.StationCredential{}
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, wrap("list station credentials", err)
		}
		out = append(out, c)
	}
	return out, wrap("list station credentials", rows.Err())
}

const incidentCols = `id, kind, station_id, request_id, ride_id, bike_id, dock, raised_at, resolved_at, resolved_by, reported_by, description, named_station_id`

// InsertIncident implements mobility.Tx.
func (tx *Tx) InsertIncident(ctx context.Context, i mobility.Incident) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_incidents (`+incidentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, station_id, request_id) DO NOTHING`,
		i.ID, i.Kind, i.StationID, i.RequestID, i.RideID, i.BikeID, i.Dock, toMicros(i.RaisedAt), optMicros(i.ResolvedAt), i.ResolvedBy, i.ReportedBy, i.Description, i.NamedStationID)
	return inserted(res, err, "save incident")
}

// Incidents implements mobility.Tx.
func (tx *Tx) Incidents(ctx context.Context, openOnly bool, kind string, limit int) ([]mobility.Incident, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+incidentCols+` FROM mobility_incidents
		WHERE (NOT ?1 OR resolved_at IS NULL) AND (?2 = '' OR kind = ?2) ORDER BY raised_at DESC, id LIMIT ?3`, boolInt(openOnly), kind, limit)
	out, err := collect(rows, err, scanIncident)
	return out, wrap("list incidents", err)
}

// scanIncident reads a row of incidentCols.
func scanIncident(r rowScanner) (mobility.Incident, error) {
	var i mobility.Incident
	var raised int64
	var resolved sql.NullInt64
	err := r.Scan(&i.ID, &i.Kind, &i.StationID, &i.RequestID, &i.RideID, &i.BikeID, &i.Dock, &raised, &resolved, &i.ResolvedBy, &i.ReportedBy, &i.Description, &i.NamedStationID)
	i.RaisedAt = fromMicros(raised)
	if resolved.Valid {
		r := fromMicros(resolved.Int64)
		i.ResolvedAt = &r
	}
	return i, err
}

// ResolveIncident implements mobility.Tx.
func (tx *Tx) ResolveIncident(ctx context.Context, id, by string, at time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mobility_incidents SET resolved_at = ?, resolved_by = ? WHERE id = ? AND resolved_at IS NULL`, toMicros(at), by, id)
	return inserted(res, err, "resolve incident")
}

// IncidentExists implements mobility.Tx.
func (tx *Tx) IncidentExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM mobility_incidents WHERE id = ?`, id).Scan(&n)
	return n > 0, wrap("look up incident", err)
}
