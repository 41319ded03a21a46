package sqlite

import (
	"context"
	"time"

	"cityhub/mobility"
)

// AddFavourite implements mobility.Tx.
func (tx *Tx) AddFavourite(ctx context.Context, accountID, stationID string, at time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mobility_favourites (account_id, station_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id, station_id) DO NOTHING`, accountID, stationID, toMicros(at))
	return wrap("save favourite station", err)
}

// RemoveFavourite implements mobility.Tx.
func (tx *Tx) RemoveFavourite(ctx context.Context, accountID, stationID string) error {
	_, err := tx.q.ExecContext(ctx, `DELETE FROM mobility_favourites WHERE account_id = ? AND station_id = ?`, accountID, stationID)
	return wrap("remove favourite station", err)
}

// Favourites implements mobility.Tx.
func (tx *Tx) Favourites(ctx context.Context, accountID string) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT station_id FROM mobility_favourites WHERE account_id = ? ORDER BY station_id`, accountID)
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

// LockOpenReportsBy implements mobility.Tx: the write transaction (one
// writer connection) already keeps every other report out until it ends.
func (tx *Tx) LockOpenReportsBy(ctx context.Context, accountID string) ([]mobility.Incident, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+incidentCols+` FROM mobility_incidents
		WHERE reported_by = ? AND reported_by <> '' AND resolved_at IS NULL ORDER BY raised_at, id`, accountID)
	out, err := collect(rows, err, scanIncident)
	return out, wrap("list open reports", err)
}

// ReportsBy implements mobility.Tx.
func (tx *Tx) ReportsBy(ctx context.Context, accountID string, limit int) ([]mobility.Incident, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+incidentCols+` FROM mobility_incidents
		WHERE reported_by = ? AND reported_by <> '' ORDER BY raised_at DESC, id DESC LIMIT ?`, accountID, limit)
	out, err := collect(rows, err, scanIncident)
	return out, wrap("list reports", err)
}

// openDockReportsAtSQL counts a station's open dock reports among its
// citizens' reports, read by the incidents' unique index on (kind,
// station_id, request_id): as many rows as the station has had reports,
// whatever the rest of the table holds.
const openDockReportsAtSQL = `SELECT count(*) FROM mobility_incidents
	WHERE station_id = ? AND kind = 'citizen_report' AND resolved_at IS NULL AND bike_id = ''`

// OpenDockReportsAt implements mobility.Tx.
func (tx *Tx) OpenDockReportsAt(ctx context.Context, stationID string) (int, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, openDockReportsAtSQL, stationID).Scan(&n)
	return n, wrap("count open dock reports", err)
}
