package sqlite

import (
	"context"
	"time"

	"cityhub/identity"
)

// AccountByFiscalCode implements identity.Tx.
func (tx *Tx) AccountByFiscalCode(ctx context.Context, code string) (identity.Account, error) {
	return tx.accountWhere(ctx, `a.fiscal_code = ?`, code)
}

// SetFiscalCode implements identity.Tx.
func (tx *Tx) SetFiscalCode(ctx context.Context, id, code string) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE accounts SET fiscal_code = ? WHERE id = ?`, code, id)
	return wrap("set fiscal code", err)
}

// SetAccountLocale implements identity.Tx.
func (tx *Tx) SetAccountLocale(ctx context.Context, id, locale string) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE accounts SET locale = ? WHERE id = ?`, locale, id)
	return wrap("set account language", err)
}

// SetPasswordHash implements identity.Tx.
func (tx *Tx) SetPasswordHash(ctx context.Context, id, hash string) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ?`, hash, id)
	return wrap("set password", err)
}

// SetEmailVerified implements identity.Tx.
func (tx *Tx) SetEmailVerified(ctx context.Context, id string, at time.Time) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE accounts SET email_verified_at = ? WHERE id = ?`, toMicros(at), id)
	return wrap("set e-mail verified", err)
}

// SetEmail implements identity.Tx.
func (tx *Tx) SetEmail(ctx context.Context, id, email string, verifiedAt time.Time) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE accounts SET email = ?, email_norm = ?, email_verified_at = ? WHERE id = ?`,
		email, identity.NormalizeEmail(email), toMicros(verifiedAt), id)
	return wrap("set e-mail", err)
}

// InsertEmailToken implements identity.Tx.
func (tx *Tx) InsertEmailToken(ctx context.Context, t identity.EmailToken) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO email_tokens (token_hash, purpose, account_id, email, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, t.Hash, t.Purpose, t.AccountID, t.Email, toMicros(t.CreatedAt), toMicros(t.ExpiresAt))
	return wrap("insert e-mail token", err)
}

// UseEmailToken implements identity.Tx. Write transactions run one at a
// time on the writer connection, so a second use finds used_at set.
func (tx *Tx) UseEmailToken(ctx context.Context, hash, purpose string, at time.Time) (identity.EmailToken, error) {
	var t identity.EmailToken
	var created, expires, used int64
	err := tx.q.QueryRowContext(ctx, `UPDATE email_tokens SET used_at = ?3
		WHERE token_hash = ?1 AND purpose = ?2 AND used_at = 0 AND expires_at > ?3
		RETURNING token_hash, purpose, account_id, email, created_at, expires_at, used_at`, hash, purpose, toMicros(at)).
		Scan(&t.Hash, &t.Purpose, &t.AccountID, &t.Email, &created, &expires, &used)
	if err != nil {
		return t, wrap("use e-mail token", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromMicros(created), fromMicros(expires), fromMicros(used)
	return t, nil
}

// EmailTokenByHash implements identity.Tx.
func (tx *Tx) EmailTokenByHash(ctx context.Context, hash, purpose string, at time.Time) (identity.EmailToken, error) {
	var t identity.EmailToken
	var created, expires int64
	err := tx.q.QueryRowContext(ctx, `SELECT token_hash, purpose, account_id, email, created_at, expires_at FROM email_tokens
		WHERE token_hash = ?1 AND purpose = ?2 AND used_at = 0 AND expires_at > ?3`, hash, purpose, toMicros(at)).
		Scan(&t.Hash, &t.Purpose, &t.AccountID, &t.Email, &created, &expires)
	if err != nil {
		return t, wrap("read e-mail token", err)
	}
	t.CreatedAt, t.ExpiresAt = fromMicros(created), fromMicros(expires)
	return t, nil
}

// DropEmailTokens implements identity.Tx.
func (tx *Tx) DropEmailTokens(ctx context.Context, accountID, purpose string, at time.Time) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM email_tokens WHERE account_id = ? AND purpose = ? AND used_at = 0`, accountID, purpose); err != nil {
		return wrap("drop e-mail tokens", err)
	}
	_, err := tx.q.ExecContext(ctx, `DELETE FROM email_tokens WHERE expires_at < ?`, toMicros(at))
	return wrap("prune e-mail tokens", err)
}
