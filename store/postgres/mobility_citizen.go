package postgres

import (
	"context"
	"time"

	"cityhub/mobility"
)

// AddFavourite implements mobility.Tx.
func (tx *Tx) AddFavourite(ctx context.Context, accountID, stationID string, at time.Time) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO mobility_favourites (account_id, station_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, station_id) DO NOTHING`, accountID, stationID, at)
	return wrap("save favourite station", err)
}

// RemoveFavourite implements mobility.Tx.
func (tx *Tx) RemoveFavourite(ctx context.Context, accountID, stationID string) error {
	_, err := tx.q.Exec(ctx, `DELETE FROM mobility_favourites WHERE account_id = $1 AND station_id = $2`, accountID, stationID)
	return wrap("remove favourite station", err)
}

// Favourites implements mobility.Tx.
func (tx *Tx) Favourites(ctx context.Context, accountID string) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT station_id FROM mobility_favourites WHERE account_id = $1 ORDER BY station_id`, accountID)
	if err != nil {
		return nil, wrap("list favourite stations", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("list favourite stations", err)
		}
		out = append(out, id)
	}
	return out, wrap("list favourite stations", rows.Err())
}

// LockOpenReportsBy implements mobility.Tx: a transaction-scoped advisory
// lock keyed by the account (and the schema, so that schemas sharing a
// database do not queue on each other) makes a second report by the
// account wait until the first commits, and then read it: under READ
// COMMITTED nothing else would keep two reports from both counting the
// open ones before either is inserted.
func (tx *Tx) LockOpenReportsBy(ctx context.Context, accountID string) ([]mobility.Incident, error) {
	if _, err := tx.q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ' mobility-reports ' || $1, 0))`, accountID); err != nil {
		return nil, wrap("lock the account's reports", err)
	}
	rows, err := tx.q.Query(ctx, `SELECT `+incidentCols+` FROM mobility_incidents
		WHERE reported_by = $1 AND reported_by <> '' AND resolved_at IS NULL ORDER BY raised_at, id`, accountID)
	return collectIncidents(rows, err, "list open reports")
}

// ReportsBy implements mobility.Tx.
func (tx *Tx) ReportsBy(ctx context.Context, accountID string, limit int) ([]mobility.Incident, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+incidentCols+` FROM mobility_incidents
		WHERE reported_by = $1 AND reported_by <> '' ORDER BY raised_at DESC, id DESC LIMIT $2`, accountID, limit)
	return collectIncidents(rows, err, "list reports")
}

// openDockReportsAtSQL counts a station's open dock reports among its
// citizens' reports, read by the incidents' unique index on (kind,
// station_id, request_id): as many rows as the station has had reports,
// whatever the rest of the table holds.
const openDockReportsAtSQL = `SELECT count(*) FROM mobility_incidents
	WHERE station_id = $1 AND kind = 'citizen_report' AND resolved_at IS NULL AND bike_id = ''`

// OpenDockReportsAt implements mobility.Tx.
func (tx *Tx) OpenDockReportsAt(ctx context.Context, stationID string) (int, error) {
	var n int
	err := tx.q.QueryRow(ctx, openDockReportsAtSQL, stationID).Scan(&n)
	return n, wrap("count open dock reports", err)
}
