package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/apperr"
	"cityhub/mobility"
)

const credentialCols = `station_id, secret_hash, issued_at, issued_by, generation, revoked_at, revoked_by`

func scanCredential(row pgx.Row) (mobility.StationCredential, error) {
	var c mobility.StationCredential
	var revoked *time.Time
	err := row.Scan(&c.StationID, &c.SecretHash, &c.IssuedAt, &c.IssuedBy, &c.Generation, &revoked, &c.RevokedBy)
	c.Username, c.IssuedAt = c.StationID, c.IssuedAt.UTC()
	if revoked != nil {
		r := revoked.UTC()
		c.RevokedAt = &r
	}
	return c, err
}

// StationCredential implements mobility.Tx.
func (tx *Tx) StationCredential(ctx context.Context, stationID string) (mobility.StationCredential, error) {
	c, err := scanCredential(tx.q.QueryRow(ctx, `SELECT `+credentialCols+` FROM mobility_station_credentials WHERE station_id = $1`, stationID))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, apperr.R(apperr.NotFound, "no_credential", "Station %q has no credential.", stationID)
	}
	return c, wrap("read station credential", err)
}

// InsertStationCredential implements mobility.Tx.
func (tx *Tx) InsertStationCredential(ctx context.Context, c mobility.StationCredential) (bool, error) {
	tag, err := tx.q.Exec(ctx, `INSERT INTO mobility_station_credentials (`+credentialCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (station_id) DO NOTHING`,
		c.StationID, c.SecretHash, c.IssuedAt, c.IssuedBy, c.Generation, c.RevokedAt, c.RevokedBy)
	return inserted(tag, err, "save station credential")
}

// SwapStationCredential implements mobility.Tx.
func (tx *Tx) SwapStationCredential(ctx context.Context, prev, next mobility.StationCredential) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_station_credentials SET secret_hash = $3, issued_at = $4, issued_by = $5,
			generation = $6, revoked_at = $7, revoked_by = $8
		WHERE station_id = $1 AND generation = $2 AND (revoked_at IS NULL) = $9`,
		next.StationID, prev.Generation, next.SecretHash, next.IssuedAt, next.IssuedBy, next.Generation, next.RevokedAt, next.RevokedBy, prev.RevokedAt == nil)
	return inserted(tag, err, "save station credential")
}

// StationCredentials implements mobility.Tx.
func (tx *Tx) StationCredentials(ctx context.Context) ([]mobility.StationCredential, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+credentialCols+` FROM mobility_station_credentials ORDER BY station_id`)
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
	tag, err := tx.q.Exec(ctx, `INSERT INTO mobility_incidents (`+incidentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (kind, station_id, request_id) DO NOTHING`,
		i.ID, i.Kind, i.StationID, i.RequestID, i.RideID, i.BikeID, i.Dock, i.RaisedAt, i.ResolvedAt, i.ResolvedBy, i.ReportedBy, i.Description, i.NamedStationID)
	return inserted(tag, err, "save incident")
}

// Incidents implements mobility.Tx.
func (tx *Tx) Incidents(ctx context.Context, openOnly bool, kind string, limit int) ([]mobility.Incident, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+incidentCols+` FROM mobility_incidents
		WHERE (NOT $1 OR resolved_at IS NULL) AND ($2 = '' OR kind = $2) ORDER BY raised_at DESC, id LIMIT $3`, openOnly, kind, limit)
	return collectIncidents(rows, err, "list incidents")
}

// collectIncidents reads rows of incidentCols; what names the query in
// errors.
func collectIncidents(rows pgx.Rows, err error, what string) ([]mobility.Incident, error) {
	if err != nil {
		return nil, wrap(what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mobility.Incident, error) {
		var i mobility.Incident
		var resolved *time.Time
		err := r.Scan(&i.ID, &i.Kind, &i.StationID, &i.RequestID, &i.RideID, &i.BikeID, &i.Dock, &i.RaisedAt, &resolved, &i.ResolvedBy, &i.ReportedBy, &i.Description, &i.NamedStationID)
		i.RaisedAt = i.RaisedAt.UTC()
		if resolved != nil {
			r := resolved.UTC()
			i.ResolvedAt = &r
		}
		return i, err
	})
	if out == nil {
		out = []mobility.Incident{}
	}
	return out, wrap(what, err)
}

// ResolveIncident implements mobility.Tx.
func (tx *Tx) ResolveIncident(ctx context.Context, id, by string, at time.Time) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE mobility_incidents SET resolved_at = $2, resolved_by = $3 WHERE id = $1 AND resolved_at IS NULL`, id, at, by)
	return inserted(tag, err, "resolve incident")
}

// IncidentExists implements mobility.Tx.
func (tx *Tx) IncidentExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := tx.q.QueryRow(ctx, `SELECT COUNT(*) FROM mobility_incidents WHERE id = $1`, id).Scan(&n)
	return n > 0, wrap("look up incident", err)
}
