package sqlite

import (
	"context"
	"database/sql"

	"time"

	"cityhub/mail"
	"cityhub/outbox"
)

// SQLite has one writer, so a claim needs no row locks: the IMMEDIATE
// transaction that selects and marks the due messages excludes every other
// sender until it commits.

type outboxStore struct{ db *DB }

// Outbox is the mail outbox's view of the database.
func (db *DB) Outbox() outbox.Store { return outboxStore{db} }

func (s outboxStore) InTx(ctx context.Context, fn func(outbox.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s outboxStore) View(ctx context.Context, fn func(outbox.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

const mailCols = `id, kind, account_id, locale, to_address, to_name, subject, body_text, body_html, message_id,
	state, attempts, next_attempt_at, claim, last_error, created_at, sent_at`

func scanMail(row rowScanner) (mail.Message, error) {
	var m mail.Message
	var next, created int64
	var sent sql.NullInt64
	err := row.Scan(&m.ID, &m.Kind, &m.AccountID, &m.Locale, &m.To, &m.ToName, &m.Subject, &m.Text, &m.HTML, &m.MessageID,
		&m.State, &m.Attempts, &next, &m.Claim, &m.LastError, &created, &sent)
	m.NextAttemptAt, m.CreatedAt, m.SentAt = fromMicros(next), fromMicros(created), fromMicros(sent.Int64)
	return m, err
}

// collectMail takes a query's two results as they come.
func collectMail(rows *sql.Rows, err error) ([]mail.Message, error) {
	return collect(rows, err, scanMail)
}

// InsertMail implements mail.Enqueuer.
func (tx *Tx) InsertMail(ctx context.Context, m mail.Message) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO mail_outbox (`+mailCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.Kind, m.AccountID, m.Locale, m.To, m.ToName, m.Subject, m.Text, m.HTML, m.MessageID,
		m.State, m.Attempts, toMicros(m.NextAttemptAt), m.Claim, m.LastError, toMicros(m.CreatedAt), nullMicros(m.SentAt))
	if err != nil {
		return wrap("insert mail", err)
	}
	tx.mailed = true
	for i, a := range m.Attachments {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO mail_attachments (mail_id, position, name, content_type, content) VALUES (?, ?, ?, ?, ?)`,
			m.ID, i, a.Name, a.ContentType, a.Data); err != nil {
			return wrap("insert mail attachment", err)
		}
	}
	return nil
}

// ClaimMail implements outbox.Tx. A picked row still sending at the cap
// is failed by the same update (its SET expressions all read the row as
// it was).
func (tx *Tx) ClaimMail(ctx context.Context, claim string, now, leaseUntil time.Time, limit, maxAttempts int) ([]mail.Message, error) {
	const stale = `state = 'sending' AND attempts >= ?5`
	out, err := collectMail(tx.q.QueryContext(ctx, `UPDATE mail_outbox SET
			state = CASE WHEN `+stale+` THEN 'failed' ELSE 'sending' END,
			claim = CASE WHEN `+stale+` THEN '' ELSE ?1 END,
			next_attempt_at = CASE WHEN `+stale+` THEN next_attempt_at ELSE ?3 END,
			attempts = CASE WHEN `+stale+` THEN attempts ELSE attempts + 1 END,
			last_error = CASE WHEN `+stale+` THEN ?6 ELSE last_error END
		WHERE id IN (SELECT id FROM mail_outbox WHERE state IN ('pending', 'sending') AND next_attempt_at <= ?2
			ORDER BY next_attempt_at, id LIMIT ?4)
		RETURNING `+mailCols, claim, toMicros(now), toMicros(leaseUntil), limit, maxAttempts, outbox.StaleError))
	if err != nil {
		return nil, wrap("claim mail", err)
	}
	for i := range out {
		if out[i].State == mail.StateFailed {
			continue
		}
		if out[i].Attachments, err = tx.mailAttachments(ctx, out[i].ID, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (tx *Tx) mailAttachments(ctx context.Context, id string, data bool) ([]mail.Attachment, error) {
	content := `content`
	if !data {
		content = `X''`
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT name, content_type, `+content+` FROM mail_attachments WHERE mail_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, wrap("read mail attachments", err)
	}
	defer rows.Close()
	var out []mail.Attachment
	for rows.Next() {
		var a mail.Attachment
		if err := rows.Scan(&a.Name, &a.ContentType, &a.Data); err != nil {
			return nil, wrap("read mail attachments", err)
		}
		out = append(out, a)
	}
	return out, wrap("read mail attachments", rows.Err())
}

// FinishMail implements outbox.Tx.
func (tx *Tx) FinishMail(ctx context.Context, m mail.Message) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mail_outbox SET state = ?3, attempts = ?4, next_attempt_at = ?5, last_error = ?6, sent_at = ?7, claim = '',
		body_text = CASE WHEN ?3 = 'sent' THEN ?8 ELSE body_text END, body_html = CASE WHEN ?3 = 'sent' THEN ?9 ELSE body_html END
		WHERE id = ?1 AND claim = ?2 AND state = 'sending'`,
		m.ID, m.Claim, m.State, m.Attempts, toMicros(m.NextAttemptAt), m.LastError, nullMicros(m.SentAt), m.Text, m.HTML)
	if err != nil {
		return false, wrap("finish mail", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("finish mail", err)
}

// Mail implements outbox.Tx.
func (tx *Tx) Mail(ctx context.Context, id string) (mail.Message, error) {
	m, err := scanMail(tx.q.QueryRowContext(ctx, `SELECT `+mailCols+` FROM mail_outbox WHERE id = ?`, id))
	if err != nil {
		return m, wrap("read mail", err)
	}
	m.Attachments, err = tx.mailAttachments(ctx, id, true)
	return m, err
}

// ListMail implements outbox.Tx.
func (tx *Tx) ListMail(ctx context.Context, state, before string, limit int) ([]mail.Message, error) {
	out, err := collectMail(tx.q.QueryContext(ctx, `SELECT `+mailCols+` FROM mail_outbox
		WHERE (?1 = '' OR state = ?1)
		  AND (?2 = '' OR (created_at, id) < (SELECT created_at, id FROM mail_outbox WHERE id = ?2))
		ORDER BY created_at DESC, id DESC LIMIT ?3`, state, before, limit))
	if err != nil {
		return nil, wrap("list mail", err)
	}
	for i := range out {
		if out[i].Attachments, err = tx.mailAttachments(ctx, out[i].ID, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RetryMail implements outbox.Tx.
func (tx *Tx) RetryMail(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE mail_outbox SET state = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ? AND state = 'failed'`,
		toMicros(now), id)
	if err != nil {
		return false, wrap("retry mail", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("retry mail", err)
}

// CountMail implements outbox.Tx.
func (tx *Tx) CountMail(ctx context.Context) (map[string]int, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT state, count(*) FROM mail_outbox GROUP BY state`)
	if err != nil {
		return nil, wrap("count mail", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, wrap("count mail", err)
		}
		out[st] = n
	}
	return out, wrap("count mail", rows.Err())
}

// MailOf implements identity.Tx: the account's e-mails newest first, with
// their bodies and attachment names.
func (tx *Tx) MailOf(ctx context.Context, accountID string) ([]mail.Message, error) {
	out, err := collectMail(tx.q.QueryContext(ctx, `SELECT `+mailCols+` FROM mail_outbox
		WHERE account_id = ? AND account_id <> '' ORDER BY created_at DESC, id DESC`, accountID))
	if err != nil {
		return nil, wrap("list the account's mail", err)
	}
	for i := range out {
		if out[i].Attachments, err = tx.mailAttachments(ctx, out[i].ID, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OldestPendingMail implements outbox.Tx.
func (tx *Tx) OldestPendingMail(ctx context.Context) (time.Time, error) {
	var oldest sql.NullInt64
	err := tx.q.QueryRowContext(ctx, `SELECT min(created_at) FROM mail_outbox WHERE state IN ('pending', 'sending')`).Scan(&oldest)
	if err != nil || !oldest.Valid {
		return time.Time{}, wrap("read the oldest pending mail", err)
	}
	return fromMicros(oldest.Int64), nil
}
