package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/mail"
	"cityhub/outbox"
)

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

func scanMail(row pgx.Row) (mail.Message, error) {
	var m mail.Message
	var sent *time.Time
	err := row.Scan(&m.ID, &m.Kind, &m.AccountID, &m.Locale, &m.To, &m.ToName, &m.Subject, &m.Text, &m.HTML, &m.MessageID,
		&m.State, &m.Attempts, &m.NextAttemptAt, &m.Claim, &m.LastError, &m.CreatedAt, &sent)
	m.NextAttemptAt, m.CreatedAt = m.NextAttemptAt.UTC(), m.CreatedAt.UTC()
	if sent != nil {
		m.SentAt = sent.UTC()
	}
	return m, err
}

// InsertMail implements mail.Enqueuer. Nothing reads the message back in
// its transaction, so its rows are queued to ride with the transaction's
// next statement or its COMMIT (pipeline.go), as the change that causes
// the e-mail is.
func (tx *Tx) InsertMail(ctx context.Context, m mail.Message) error {
	if err := tx.later(ctx, deferred{what: "insert mail", sql: `INSERT INTO mail_outbox (` + mailCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		args: []any{m.ID, m.Kind, m.AccountID, m.Locale, m.To, m.ToName, m.Subject, m.Text, m.HTML, m.MessageID,
			m.State, m.Attempts, m.NextAttemptAt, m.Claim, m.LastError, m.CreatedAt, nullTime(m.SentAt)}}); err != nil {
		return err
	}
	tx.mailed = true
	for i, a := range m.Attachments {
		if err := tx.later(ctx, deferred{what: "insert mail attachment",
			sql:  `INSERT INTO mail_attachments (mail_id, position, name, content_type, content) VALUES ($1, $2, $3, $4, $5)`,
			args: []any{m.ID, i, a.Name, a.ContentType, a.Data}}); err != nil {
			return err
		}
	}
	return nil
}

// ClaimMail implements outbox.Tx. SKIP LOCKED lets concurrent senders
// claim disjoint batches without waiting for one another; the row locks
// hold until the claim commits.
//
// The due rows are picked once, by a materialized common table
// expression, and then updated: written as UPDATE … WHERE id IN (SELECT …
// LIMIT … FOR UPDATE SKIP LOCKED), the planner may run the locking
// subquery again for each row it updates, and each run skips the rows the
// statement has just updated and takes the next, so that a claim of one
// took every due message (a sender of batches of one was seen sending
// two). The prunes of expired e-mail tokens and of old login failures are
// written the same way, and so is the ledger's roll-up (rollUpSQL), which
// read its table over again for every row it moved.
//
// A picked row still sending at the cap is failed by the same update
// (its SET expressions all read the row as it was).
func (tx *Tx) ClaimMail(ctx context.Context, claim string, now, leaseUntil time.Time, limit, maxAttempts int) ([]mail.Message, error) {
	const stale = `state = 'sending' AND attempts >= $5`
	rows, err := tx.q.Query(ctx, `WITH due AS MATERIALIZED (
			SELECT id FROM mail_outbox WHERE state IN ('pending', 'sending') AND next_attempt_at <= $2
			ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
		UPDATE mail_outbox SET
			state = CASE WHEN `+stale+` THEN 'failed' ELSE 'sending' END,
			claim = CASE WHEN `+stale+` THEN '' ELSE $1 END,
			next_attempt_at = CASE WHEN `+stale+` THEN next_attempt_at ELSE $3 END,
			attempts = CASE WHEN `+stale+` THEN attempts ELSE attempts + 1 END,
			last_error = CASE WHEN `+stale+` THEN $6 ELSE last_error END
		WHERE id IN (SELECT id FROM due)
		RETURNING `+mailCols, claim, now, leaseUntil, limit, maxAttempts, outbox.StaleError)
	if err != nil {
		return nil, wrap("claim mail", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mail.Message, error) { return scanMail(r) })
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
		content = `''::bytea`
	}
	rows, err := tx.q.Query(ctx, `SELECT name, content_type, `+content+` FROM mail_attachments WHERE mail_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, wrap("read mail attachments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mail.Attachment, error) {
		var a mail.Attachment
		err := r.Scan(&a.Name, &a.ContentType, &a.Data)
		return a, err
	})
	return out, wrap("read mail attachments", err)
}

// FinishMail implements outbox.Tx.
func (tx *Tx) FinishMail(ctx context.Context, m mail.Message) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE mail_outbox SET state = $3, attempts = $4, next_attempt_at = $5, last_error = $6, sent_at = $7, claim = '',
		body_text = CASE WHEN $3 = 'sent' THEN $8 ELSE body_text END, body_html = CASE WHEN $3 = 'sent' THEN $9 ELSE body_html END
		WHERE id = $1 AND claim = $2 AND state = 'sending'`,
		m.ID, m.Claim, m.State, m.Attempts, m.NextAttemptAt, m.LastError, nullTime(m.SentAt), m.Text, m.HTML)
	if err != nil {
		return false, wrap("finish mail", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Mail implements outbox.Tx.
func (tx *Tx) Mail(ctx context.Context, id string) (mail.Message, error) {
	m, err := scanMail(tx.q.QueryRow(ctx, `SELECT `+mailCols+` FROM mail_outbox WHERE id = $1`, id))
	if err != nil {
		return m, wrap("read mail", err)
	}
	m.Attachments, err = tx.mailAttachments(ctx, id, true)
	return m, err
}

// ListMail implements outbox.Tx.
func (tx *Tx) ListMail(ctx context.Context, state, before string, limit int) ([]mail.Message, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+mailCols+` FROM mail_outbox
		WHERE ($1 = '' OR state = $1)
		  AND ($2 = '' OR (created_at, id) < (SELECT created_at, id FROM mail_outbox WHERE id = $2))
		ORDER BY created_at DESC, id DESC LIMIT $3`, state, before, limit)
	if err != nil {
		return nil, wrap("list mail", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mail.Message, error) { return scanMail(r) })
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
	tag, err := tx.q.Exec(ctx, `UPDATE mail_outbox SET state = 'pending', attempts = 0, next_attempt_at = $2 WHERE id = $1 AND state = 'failed'`, id, now)
	if err != nil {
		return false, wrap("retry mail", err)
	}
	return tag.RowsAffected() == 1, nil
}

// CountMail implements outbox.Tx.
func (tx *Tx) CountMail(ctx context.Context) (map[string]int, error) {
	rows, err := tx.q.Query(ctx, `SELECT state, count(*) FROM mail_outbox GROUP BY state`)
	if err != nil {
		return nil, wrap("count mail", err)
	}
	out := map[string]int{}
	var st string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&st, &n}, func() error { out[st] = n; return nil })
	return out, wrap("count mail", err)
}

// MailOf implements identity.Tx: the account's e-mails newest first, with
// their bodies and attachment names.
func (tx *Tx) MailOf(ctx context.Context, accountID string) ([]mail.Message, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+mailCols+` FROM mail_outbox
		WHERE account_id = $1 AND account_id <> '' ORDER BY created_at DESC, id DESC`, accountID)
	if err != nil {
		return nil, wrap("list the account's mail", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mail.Message, error) { return scanMail(r) })
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
	var oldest *time.Time
	err := tx.q.QueryRow(ctx, `SELECT min(created_at) FROM mail_outbox WHERE state IN ('pending', 'sending')`).Scan(&oldest)
	if err != nil || oldest == nil {
		return time.Time{}, wrap("read the oldest pending mail", err)
	}
	return oldest.UTC(), nil
}
