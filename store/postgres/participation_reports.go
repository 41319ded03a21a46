package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"cityhub/participation"
)

type participationStore struct{ db *DB }

// Participation is participation's view of the database.
func (db *DB) Participation() participation.Store { return participationStore{db} }

func (s participationStore) InTx(ctx context.Context, fn func(participation.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s participationStore) View(ctx context.Context, fn func(participation.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

const reportCols = `id, token, category, office_id, lat, lon, address, contrada, description, reporter_id, reporter_name,
	reporter_email, public_name, redacted, status, status_note, merged_into, source, locale, created_at, updated_at`

func scanReport(row pgx.Row) (participation.Report, error) {
	var r participation.Report
	var lat, lon *float64
	err := row.Scan(&r.ID, &r.Token, &r.Category, &r.OfficeID, &lat, &lon, &r.Address, &r.Contrada, &r.Description,
		&r.ReporterID, &r.ReporterName, &r.ReporterEmail, &r.PublicName, &r.Redacted, &r.Status, &r.StatusNote,
		&r.MergedInto, &r.Source, &r.Locale, &r.CreatedAt, &r.UpdatedAt)
	if lat != nil && lon != nil {
		r.Located, r.Lat, r.Lon = true, *lat, *lon
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

func located(r participation.Report) (lat, lon any) {
	if !r.Located {
		return nil, nil
	}
	return r.Lat, r.Lon
}

// InsertReport implements participation.Tx.
func (tx *Tx) InsertReport(ctx context.Context, r participation.Report) error {
	lat, lon := located(r)
	_, err := tx.q.Exec(ctx, `INSERT INTO participation_reports (`+reportCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		r.ID, r.Token, r.Category, r.OfficeID, lat, lon, r.Address, r.Contrada, r.Description, r.ReporterID, r.ReporterName,
		r.ReporterEmail, r.PublicName, r.Redacted, r.Status, r.StatusNote, r.MergedInto, r.Source, r.Locale, r.CreatedAt, r.UpdatedAt)
	return wrap("insert report", err)
}

// UpdateReport implements participation.Tx.
func (tx *Tx) UpdateReport(ctx context.Context, r participation.Report) error {
	tag, err := tx.q.Exec(ctx, `UPDATE participation_reports SET status = $2, status_note = $3, merged_into = $4, redacted = $5,
		public_name = $6, updated_at = $7 WHERE id = $1`, r.ID, r.Status, r.StatusNote, r.MergedInto, r.Redacted, r.PublicName, r.UpdatedAt)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("update report", err)
}

// Report implements participation.Tx.
func (tx *Tx) Report(ctx context.Context, id string) (participation.Report, error) {
	r, err := scanReport(tx.q.QueryRow(ctx, `SELECT `+reportCols+` FROM participation_reports WHERE id = $1`, id))
	return r, wrap("read report", err)
}

// LockReport implements participation.Tx.
func (tx *Tx) LockReport(ctx context.Context, id string) (participation.Report, error) {
	r, err := scanReport(tx.q.QueryRow(ctx, `SELECT `+reportCols+` FROM participation_reports WHERE id = $1 FOR NO KEY UPDATE`, id))
	return r, wrap("lock report", err)
}

// ReportByToken implements participation.Tx.
func (tx *Tx) ReportByToken(ctx context.Context, token string) (participation.Report, error) {
	r, err := scanReport(tx.q.QueryRow(ctx, `SELECT `+reportCols+` FROM participation_reports WHERE token = $1`, token))
	return r, wrap("read report by token", err)
}

// ListReports implements participation.Tx.
func (tx *Tx) ListReports(ctx context.Context, f participation.ReportFilter) ([]participation.Report, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if len(f.IDs) > 0 {
		where = append(where, "id = ANY("+arg(f.IDs)+")")
	}
	if len(f.Categories) > 0 {
		where = append(where, "category = ANY("+arg(f.Categories)+")")
	}
	if len(f.Statuses) > 0 {
		where = append(where, "status = ANY("+arg(f.Statuses)+")")
	}
	if len(f.Offices) > 0 {
		where = append(where, "office_id = ANY("+arg(f.Offices)+")")
	}
	if f.Contrada != "" {
		where = append(where, "contrada = "+arg(f.Contrada))
	}
	if f.ReporterID != "" {
		where = append(where, "reporter_id = "+arg(f.ReporterID))
	}
	if f.Within != nil {
		where = append(where, "lat BETWEEN "+arg(f.Within.MinLat)+" AND "+arg(f.Within.MaxLat)+
			" AND lon BETWEEN "+arg(f.Within.MinLon)+" AND "+arg(f.Within.MaxLon))
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "created_at <= "+arg(f.Until))
	}
	order := "created_at DESC, id DESC"
	if f.OldestFirst {
		order = "created_at, id"
		if f.After != "" {
			where = append(where, "(created_at, id) > (SELECT created_at, id FROM participation_reports WHERE id = "+arg(f.After)+")")
		}
	} else if f.Before != "" {
		where = append(where, "(created_at, id) < (SELECT created_at, id FROM participation_reports WHERE id = "+arg(f.Before)+")")
	}
	if f.Limit <= 0 || f.Limit > participation.MaxListLimit {
		f.Limit = participation.MaxListLimit
	}
	q := `SELECT ` + reportCols + ` FROM participation_reports`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + order + " LIMIT " + arg(f.Limit)
	if f.Offset > 0 {
		q += " OFFSET " + arg(f.Offset)
	}
	rows, err := tx.q.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("list reports", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Report, error) { return scanReport(r) })
	return out, wrap("list reports", err)
}

// AppendReportChange implements participation.Tx.
func (tx *Tx) AppendReportChange(ctx context.Context, c participation.Change) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO participation_report_changes (report_id, at, actor_id, kind, from_status, to_status, note, photo_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ReportID, c.At, c.ActorID, c.Kind, c.From, c.To, c.Note, c.PhotoID)
	return wrap("record report change", err)
}

// ReportChanges implements participation.Tx.
func (tx *Tx) ReportChanges(ctx context.Context, reportID string) ([]participation.Change, error) {
	rows, err := tx.q.Query(ctx, `SELECT id, report_id, at, actor_id, kind, from_status, to_status, note, photo_id
		FROM participation_report_changes WHERE report_id = $1 ORDER BY id`, reportID)
	if err != nil {
		return nil, wrap("list report changes", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Change, error) {
		var c participation.Change
		err := r.Scan(&c.ID, &c.ReportID, &c.At, &c.ActorID, &c.Kind, &c.From, &c.To, &c.Note, &c.PhotoID)
		c.At = c.At.UTC()
		return c, err
	})
	return out, wrap("list report changes", err)
}

// CountReports implements participation.Tx.
func (tx *Tx) CountReports(ctx context.Context) ([]participation.ReportCount, error) {
	rows, err := tx.q.Query(ctx, `SELECT contrada, category, status, count(*) FROM participation_reports
		GROUP BY contrada, category, status ORDER BY contrada, category, status`)
	if err != nil {
		return nil, wrap("count reports", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.ReportCount, error) {
		var c participation.ReportCount
		return c, r.Scan(&c.Contrada, &c.Category, &c.Status, &c.Count)
	})
	return out, wrap("count reports", err)
}

const photoCols = `id, report_id, position, state, width, height, created_at`

func scanPhoto(row pgx.Row, data bool) (participation.Photo, error) {
	var p participation.Photo
	dest := []any{&p.ID, &p.ReportID, &p.Position, &p.State, &p.Width, &p.Height, &p.CreatedAt}
	if data {
		dest = append(dest, &p.Image, &p.Thumbnail)
	}
	err := row.Scan(dest...)
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

// InsertPhoto implements participation.Tx.
func (tx *Tx) InsertPhoto(ctx context.Context, p participation.Photo) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO participation_photos (`+photoCols+`, image, thumbnail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, p.ID, p.ReportID, p.Position, p.State, p.Width, p.Height, p.CreatedAt, p.Image, p.Thumbnail)
	return wrap("insert photo", err)
}

// Photos implements participation.Tx.
func (tx *Tx) Photos(ctx context.Context, reportID string) ([]participation.Photo, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+photoCols+` FROM participation_photos WHERE report_id = $1 ORDER BY position`, reportID)
	if err != nil {
		return nil, wrap("list photos", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Photo, error) { return scanPhoto(r, false) })
	return out, wrap("list photos", err)
}

// PhotosOf implements participation.Tx.
func (tx *Tx) PhotosOf(ctx context.Context, reportIDs []string) ([]participation.Photo, error) {
	if len(reportIDs) == 0 {
		return nil, nil
	}
	rows, err := tx.q.Query(ctx, `SELECT `+photoCols+` FROM participation_photos WHERE report_id = ANY($1) ORDER BY report_id, position`, reportIDs)
	if err != nil {
		return nil, wrap("list photos", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Photo, error) { return scanPhoto(r, false) })
	return out, wrap("list photos", err)
}

// PhotoData implements participation.Tx.
func (tx *Tx) PhotoData(ctx context.Context, id string) (participation.Photo, error) {
	p, err := scanPhoto(tx.q.QueryRow(ctx, `SELECT `+photoCols+`, image, thumbnail FROM participation_photos WHERE id = $1`, id), true)
	return p, wrap("read photo", err)
}

// SetPhotoState implements participation.Tx.
func (tx *Tx) SetPhotoState(ctx context.Context, id, state, by string) error {
	tag, err := tx.q.Exec(ctx, `UPDATE participation_photos SET state = $2, moderated_by = $3 WHERE id = $1`, id, state, by)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("moderate photo", err)
}

// Photo implements participation.Tx.
func (tx *Tx) Photo(ctx context.Context, id string) (participation.Photo, error) {
	p, err := scanPhoto(tx.q.QueryRow(ctx, `SELECT `+photoCols+` FROM participation_photos WHERE id = $1`, id), false)
	return p, wrap("read photo", err)
}

// pendingPhotosSQL is the staff's list of photos awaiting moderation in
// the offices $1 (every office when NULL), oldest first: its first page,
// and the page after the photo $2 names. The pending photos' partial index
// in that order (migration 1035) finds a page's first row and reads the
// page from there, each photo's office read from its report by the
// report's key (officeOf): a subquery rather than a join, which the
// planner may make a hash join of every report the offices ever had,
// sorted. As for the moderated comments, the state is written out, so
// that every plan matches the index's predicate, and the cursor's page is
// a statement of its own, so that a generic plan keeps the cursor as the
// index scan's bound rather than a filter over every photo before it.
var pendingPhotosSQL = func() [2]string {
	sel := `SELECT ` + photoCols + ` FROM participation_photos p
		WHERE state = 'pending' AND ($1::text[] IS NULL OR ` + officeOf + ` = ANY($1))`
	return [2]string{
		sel + ` ORDER BY created_at, id LIMIT $2`,
		sel + ` AND (created_at, id) > (SELECT created_at, id FROM participation_photos WHERE id = $2)
			ORDER BY created_at, id LIMIT $3`,
	}
}()

// officeOf is the office of the report of the photo p.
const officeOf = `(SELECT r.office_id FROM participation_reports r WHERE r.id = p.report_id)`

// PendingPhotos implements participation.Tx.
func (tx *Tx) PendingPhotos(ctx context.Context, offices []string, after string, limit int) ([]participation.Photo, error) {
	sql, args := pendingPhotosSQL[0], []any{offices, limit}
	if after != "" {
		sql, args = pendingPhotosSQL[1], []any{offices, after, limit}
	}
	rows, err := tx.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap("list pending photos", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Photo, error) { return scanPhoto(r, false) })
	return out, wrap("list pending photos", err)
}

// countPendingPhotosSQL counts the photos awaiting moderation: of every
// office, from the pending photos' partial index alone (migration 1035);
// of the offices $1, from that index, each photo's office read as the
// list reads it.
var countPendingPhotosSQL = [2]string{
	`SELECT count(*) FROM participation_photos WHERE state = 'pending'`,
	`SELECT count(*) FROM participation_photos p WHERE state = 'pending' AND ` + officeOf + ` = ANY($1)`,
}

// CountPendingPhotos implements participation.Tx.
func (tx *Tx) CountPendingPhotos(ctx context.Context, offices []string) (int, error) {
	var n int
	var err error
	if offices == nil {
		err = tx.q.QueryRow(ctx, countPendingPhotosSQL[0]).Scan(&n)
	} else {
		err = tx.q.QueryRow(ctx, countPendingPhotosSQL[1], offices).Scan(&n)
	}
	return n, wrap("count pending photos", err)
}
