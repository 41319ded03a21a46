package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"cityhub/participation"
)

// SQLite has one writer, so the Lock methods are plain reads: the write
// transaction that calls them already excludes every other writer.

type participationStore struct{ db *DB }

// Participation is participation's view of the database.
func (db *DB) Participation() participation.Store { return participationStore{db} }

func (s participationStore) InTx(ctx context.Context, fn func(participation.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s participationStore) View(ctx context.Context, fn func(participation.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

// pIn is "col IN (?, ?, …)" with vs appended to args.
func pIn(col string, vs []string, args *[]any) string {
	marks := make([]string, len(vs))
	for i, v := range vs {
		marks[i] = "?"
		*args = append(*args, v)
	}
	return col + " IN (" + strings.Join(marks, ", ") + ")"
}

const reportCols = `id, token, category, office_id, lat, lon, address, contrada, description, reporter_id, reporter_name,
	reporter_email, public_name, redacted, status, status_note, merged_into, source, locale, created_at, updated_at`

func scanReport(row rowScanner) (participation.Report, error) {
	var r participation.Report
	var lat, lon sql.NullFloat64
	var public, redacted int
	var created, updated int64
	err := row.Scan(&r.ID, &r.Token, &r.Category, &r.OfficeID, &lat, &lon, &r.Address, &r.Contrada, &r.Description,
		&r.ReporterID, &r.ReporterName, &r.ReporterEmail, &public, &redacted, &r.Status, &r.StatusNote,
		&r.MergedInto, &r.Source, &r.Locale, &created, &updated)
	if lat.Valid && lon.Valid {
		r.Located, r.Lat, r.Lon = true, lat.Float64, lon.Float64
	}
	r.PublicName, r.Redacted, r.CreatedAt, r.UpdatedAt = public == 1, redacted == 1, fromMicros(created), fromMicros(updated)
	return r, err
}

// InsertReport implements participation.Tx.
func (tx *Tx) InsertReport(ctx context.Context, r participation.Report) error {
	var lat, lon any
	if r.Located {
		lat, lon = r.Lat, r.Lon
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO participation_reports (`+reportCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Token, r.Category, r.OfficeID, lat, lon, r.Address, r.Contrada, r.Description, r.ReporterID, r.ReporterName,
		r.ReporterEmail, boolInt(r.PublicName), boolInt(r.Redacted), r.Status, r.StatusNote, r.MergedInto, r.Source, r.Locale,
		toMicros(r.CreatedAt), toMicros(r.UpdatedAt))
	return wrap("insert report", err)
}

// UpdateReport implements participation.Tx.
func (tx *Tx) UpdateReport(ctx context.Context, r participation.Report) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE participation_reports SET status = ?2, status_note = ?3, merged_into = ?4, redacted = ?5,
		public_name = ?6, updated_at = ?7 WHERE id = ?1`, r.ID, r.Status, r.StatusNote, r.MergedInto, boolInt(r.Redacted),
		boolInt(r.PublicName), toMicros(r.UpdatedAt))
	return wrap("update report", oneRow(res, err))
}

// Report implements participation.Tx.
func (tx *Tx) Report(ctx context.Context, id string) (participation.Report, error) {
	r, err := scanReport(tx.q.QueryRowContext(ctx, `SELECT `+reportCols+` FROM participation_reports WHERE id = ?`, id))
	return r, wrap("read report", err)
}

// LockReport implements participation.Tx.
func (tx *Tx) LockReport(ctx context.Context, id string) (participation.Report, error) {
	return tx.Report(ctx, id)
}

// ReportByToken implements participation.Tx.
func (tx *Tx) ReportByToken(ctx context.Context, token string) (participation.Report, error) {
	r, err := scanReport(tx.q.QueryRowContext(ctx, `SELECT `+reportCols+` FROM participation_reports WHERE token = ?`, token))
	return r, wrap("read report by token", err)
}

// ListReports implements participation.Tx.
func (tx *Tx) ListReports(ctx context.Context, f participation.ReportFilter) ([]participation.Report, error) {
	var where []string
	var args []any
	if len(f.IDs) > 0 {
		where = append(where, pIn("id", f.IDs, &args))
	}
	if len(f.Categories) > 0 {
		where = append(where, pIn("category", f.Categories, &args))
	}
	if len(f.Statuses) > 0 {
		where = append(where, pIn("status", f.Statuses, &args))
	}
	if len(f.Offices) > 0 {
		where = append(where, pIn("office_id", f.Offices, &args))
	}
	if f.Contrada != "" {
		where, args = append(where, "contrada = ?"), append(args, f.Contrada)
	}
	if f.ReporterID != "" {
		where, args = append(where, "reporter_id = ?"), append(args, f.ReporterID)
	}
	if b := f.Within; b != nil {
		where = append(where, "lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?")
		args = append(args, b.MinLat, b.MaxLat, b.MinLon, b.MaxLon)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, toMicros(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "created_at <= ?"), append(args, toMicros(f.Until))
	}
	order := "created_at DESC, id DESC"
	if f.OldestFirst {
		order = "created_at, id"
		if f.After != "" {
			where = append(where, "(created_at, id) > (SELECT created_at, id FROM participation_reports WHERE id = ?)")
			args = append(args, f.After)
		}
	} else if f.Before != "" {
		where = append(where, "(created_at, id) < (SELECT created_at, id FROM participation_reports WHERE id = ?)")
		args = append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > participation.MaxListLimit {
		f.Limit = participation.MaxListLimit
	}
	q := `SELECT ` + reportCols + ` FROM participation_reports`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + order + " LIMIT ?"
	args = append(args, f.Limit)
	if f.Offset > 0 {
		q += " OFFSET ?"
		args = append(args, f.Offset)
	}
	rows, err := tx.q.QueryContext(ctx, q, args...)
	out, err := collect(rows, err, scanReport)
	return out, wrap("list reports", err)
}

// AppendReportChange implements participation.Tx.
func (tx *Tx) AppendReportChange(ctx context.Context, c participation.Change) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO participation_report_changes (report_id, at, actor_id, kind, from_status, to_status, note, photo_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ReportID, toMicros(c.At), c.ActorID, c.Kind, c.From, c.To, c.Note, c.PhotoID)
	return wrap("record report change", err)
}

// ReportChanges implements participation.Tx.
func (tx *Tx) ReportChanges(ctx context.Context, reportID string) ([]participation.Change, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, report_id, at, actor_id, kind, from_status, to_status, note, photo_id
		FROM participation_report_changes WHERE report_id = ? ORDER BY id`, reportID)
	out, err := collect(rows, err, func(r rowScanner) (participation.Change, error) {
		var c participation.Change
		var at int64
		err := r.Scan(&c.ID, &c.ReportID, &at, &c.ActorID, &c.Kind, &c.From, &c.To, &c.Note, &c.PhotoID)
		c.At = fromMicros(at)
		return c, err
	})
	return out, wrap("list report changes", err)
}

// CountReports implements participation.Tx.
func (tx *Tx) CountReports(ctx context.Context) ([]participation.ReportCount, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT contrada, category, status, count(*) FROM participation_reports
		GROUP BY contrada, category, status ORDER BY contrada, category, status`)
	out, err := collect(rows, err, func(r rowScanner) (participation.ReportCount, error) {
		var c participation.ReportCount
		return c, r.Scan(&c.Contrada, &c.Category, &c.Status, &c.Count)
	})
	return out, wrap("count reports", err)
}

const photoCols = `id, report_id, position, state, width, height, created_at`

func scanPhoto(row rowScanner, data bool) (participation.Photo, error) {
	var p participation.Photo
	var at int64
	dest := []any{&p.ID, &p.ReportID, &p.Position, &p.State, &p.Width, &p.Height, &at}
	if data {
		dest = append(dest, &p.Image, &p.Thumbnail)
	}
	err := row.Scan(dest...)
	p.CreatedAt = fromMicros(at)
	return p, err
}

// InsertPhoto implements participation.Tx.
func (tx *Tx) InsertPhoto(ctx context.Context, p participation.Photo) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO participation_photos (`+photoCols+`, image, thumbnail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.ReportID, p.Position, p.State, p.Width, p.Height, toMicros(p.CreatedAt), p.Image, p.Thumbnail)
	return wrap("insert photo", err)
}

// Photos implements participation.Tx.
func (tx *Tx) Photos(ctx context.Context, reportID string) ([]participation.Photo, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+photoCols+` FROM participation_photos WHERE report_id = ? ORDER BY position`, reportID)
	out, err := collect(rows, err, func(r rowScanner) (participation.Photo, error) { return scanPhoto(r, false) })
	return out, wrap("list photos", err)
}

// PhotosOf implements participation.Tx.
func (tx *Tx) PhotosOf(ctx context.Context, reportIDs []string) ([]participation.Photo, error) {
	if len(reportIDs) == 0 {
		return nil, nil
	}
	var args []any
	q := `SELECT ` + photoCols + ` FROM participation_photos WHERE ` + pIn("report_id", reportIDs, &args) + ` ORDER BY report_id, position`
	rows, err := tx.q.QueryContext(ctx, q, args...)
	out, err := collect(rows, err, func(r rowScanner) (participation.Photo, error) { return scanPhoto(r, false) })
	return out, wrap("list photos", err)
}

// PhotoData implements participation.Tx.
func (tx *Tx) PhotoData(ctx context.Context, id string) (participation.Photo, error) {
	p, err := scanPhoto(tx.q.QueryRowContext(ctx, `SELECT `+photoCols+`, image, thumbnail FROM participation_photos WHERE id = ?`, id), true)
	return p, wrap("read photo", err)
}

// SetPhotoState implements participation.Tx.
func (tx *Tx) SetPhotoState(ctx context.Context, id, state, by string) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE participation_photos SET state = ?, moderated_by = ? WHERE id = ?`, state, by, id)
	return wrap("moderate photo", oneRow(res, err))
}

// Photo implements participation.Tx.
func (tx *Tx) Photo(ctx context.Context, id string) (participation.Photo, error) {
	p, err := scanPhoto(tx.q.QueryRowContext(ctx, `SELECT `+photoCols+` FROM participation_photos WHERE id = ?`, id), false)
	return p, wrap("read photo", err)
}

// pendingPhotosQuery is the staff's list of photos awaiting moderation in
// the offices (every office when nil), oldest first, limit of them after
// the photo after names (from the first when empty). The pending photos'
// partial index in that order (migration 1035) finds a page's first row
// and reads the page from there, each photo's office read from its report
// by the report's key (officeOf), as the PostgreSQL store reads it. The
// state is written out, so that the plan matches the index's predicate.
func pendingPhotosQuery(offices []string, after string, limit int) (string, []any) {
	q := `SELECT ` + photoCols + ` FROM participation_photos p WHERE state = 'pending'`
	var args []any
	if offices != nil {
		q += " AND " + pIn(officeOf, offices, &args)
	}
	if after != "" {
		q += " AND (created_at, id) > (SELECT created_at, id FROM participation_photos WHERE id = ?)"
		args = append(args, after)
	}
	return q + " ORDER BY created_at, id LIMIT ?", append(args, limit)
}

// officeOf is the office of the report of the photo p.
const officeOf = `(SELECT r.office_id FROM participation_reports r WHERE r.id = p.report_id)`

// PendingPhotos implements participation.Tx.
func (tx *Tx) PendingPhotos(ctx context.Context, offices []string, after string, limit int) ([]participation.Photo, error) {
	q, args := pendingPhotosQuery(offices, after, limit)
	rows, err := tx.q.QueryContext(ctx, q, args...)
	out, err := collect(rows, err, func(r rowScanner) (participation.Photo, error) { return scanPhoto(r, false) })
	return out, wrap("list pending photos", err)
}

// countPendingPhotosQuery counts the photos awaiting moderation: of every
// office, from the pending photos' partial index alone (migration 1035);
// of the offices, from that index, each photo's office read as the list
// reads it.
func countPendingPhotosQuery(offices []string) (string, []any) {
	if offices == nil {
		return `SELECT count(*) FROM participation_photos WHERE state = 'pending'`, nil
	}
	var args []any
	return `SELECT count(*) FROM participation_photos p WHERE state = 'pending' AND ` + pIn(officeOf, offices, &args), args
}

// CountPendingPhotos implements participation.Tx.
func (tx *Tx) CountPendingPhotos(ctx context.Context, offices []string) (int, error) {
	q, args := countPendingPhotosQuery(offices)
	var n int
	err := tx.q.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, wrap("count pending photos", err)
}
