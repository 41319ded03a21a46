package postgres

import (
	"context"
	"time"

	"cityhub/identity"
)

// AccountByFiscalCode implements identity.Tx.
func (tx *Tx) AccountByFiscalCode(ctx context.Context, code string) (identity.Account, error) {
	return tx.accountWhere(ctx, `a.fiscal_code = $1`, code)
}

// SetFiscalCode implements identity.Tx.
func (tx *Tx) SetFiscalCode(ctx context.Context, id, code string) error {
	_, err := tx.q.Exec(ctx, `UPDATE accounts SET fiscal_code = $2 WHERE id = $1`, id, code)
	return wrap("set fiscal code", err)
}

// SetAccountLocale implements identity.Tx.
func (tx *Tx) SetAccountLocale(ctx context.Context, id, locale string) error {
	_, err := tx.q.Exec(ctx, `UPDATE accounts SET locale = $2 WHERE id = $1`, id, locale)
	return wrap("set account language", err)
}

// SetPasswordHash implements identity.Tx.
func (tx *Tx) SetPasswordHash(ctx context.Context, id, hash string) error {
	_, err := tx.q.Exec(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1`, id, hash)
	return wrap("set password", err)
}

// SetEmailVerified implements identity.Tx.
func (tx *Tx) SetEmailVerified(ctx context.Context, id string, at time.Time) error {
	_, err := tx.q.Exec(ctx, `UPDATE accounts SET email_verified_at = $2 WHERE id = $1`, id, at)
	return wrap("set e-mail verified", err)
}

// SetEmail implements identity.Tx.
func (tx *Tx) SetEmail(ctx context.Context, id, email string, verifiedAt time.Time) error {
	_, err := tx.q.Exec(ctx, `UPDATE accounts SET email = $2, email_norm = $3, email_verified_at = $4 WHERE id = $1`,
		id, email, identity.NormalizeEmail(email), nullTime(verifiedAt))
	return wrap("set e-mail", err)
}

// InsertEmailToken implements identity.Tx.
func (tx *Tx) InsertEmailToken(ctx context.Context, t identity.EmailToken) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO email_tokens (token_hash, purpose, account_id, email, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.Hash, t.Purpose, t.AccountID, t.Email, t.CreatedAt, t.ExpiresAt)
	return wrap("insert e-mail token", err)
}

// UseEmailToken implements identity.Tx. The UPDATE's row lock makes a
// concurrent use wait, then find used_at set and match nothing.
func (tx *Tx) UseEmailToken(ctx context.Context, hash, purpose string, at time.Time) (identity.EmailToken, error) {
	var t identity.EmailToken
	var used *time.Time
	err := tx.q.QueryRow(ctx, `UPDATE email_tokens SET used_at = $3
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING token_hash, purpose, account_id, email, created_at, expires_at, used_at`, hash, purpose, at).
		Scan(&t.Hash, &t.Purpose, &t.AccountID, &t.Email, &t.CreatedAt, &t.ExpiresAt, &used)
	if err != nil {
		return t, wrap("use e-mail token", err)
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	if used != nil {
		t.UsedAt = used.UTC()
	}
	return t, nil
}

// EmailTokenByHash implements identity.Tx.
func (tx *Tx) EmailTokenByHash(ctx context.Context, hash, purpose string, at time.Time) (identity.EmailToken, error) {
	var t identity.EmailToken
	err := tx.q.QueryRow(ctx, `SELECT token_hash, purpose, account_id, email, created_at, expires_at FROM email_tokens
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`, hash, purpose, at).
		Scan(&t.Hash, &t.Purpose, &t.AccountID, &t.Email, &t.CreatedAt, &t.ExpiresAt)
	if err != nil {
		return t, wrap("read e-mail token", err)
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	return t, nil
}

// DropEmailTokens implements identity.Tx.
func (tx *Tx) DropEmailTokens(ctx context.Context, accountID, purpose string, at time.Time) error {
	if _, err := tx.q.Exec(ctx, `DELETE FROM email_tokens WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL`, accountID, purpose); err != nil {
		return wrap("drop e-mail tokens", err)
	}
	// Picked once, then deleted: at most 100 a call (as ClaimMail's pick).
	_, err := tx.q.Exec(ctx, `WITH old AS MATERIALIZED (
			SELECT token_hash FROM email_tokens WHERE expires_at < $1 LIMIT 100 FOR UPDATE SKIP LOCKED)
		DELETE FROM email_tokens WHERE token_hash IN (SELECT token_hash FROM old)`, at)
	return wrap("prune e-mail tokens", err)
}
