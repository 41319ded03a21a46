package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"cityhub/identity"
)

// InsertAccount implements identity.Tx.
func (tx *Tx) InsertAccount(ctx context.Context, a identity.Account) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO accounts (id, email, email_norm, name, locale, password_hash, disabled, created_at, email_verified_at, fiscal_code)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''))`,
		a.ID, a.Email, identity.NormalizeEmail(a.Email), a.Name, a.Locale, a.PasswordHash, boolInt(a.Disabled), toMicros(a.CreatedAt),
		toMicros(a.EmailVerifiedAt), a.FiscalCode)
	if err != nil {
		return wrap("insert account", err)
	}
	for _, g := range a.Grants {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO account_grants (account_id, role, scope) VALUES (?, ?, ?)`, a.ID, string(g.Role), g.Scope); err != nil {
			return wrap("insert grant", err)
		}
	}
	return nil
}

const accountColumns = `a.id, a.email, a.name, a.locale, a.password_hash, a.disabled, a.created_at, a.deleted_at,
	a.email_verified_at, COALESCE(a.fiscal_code, ''), a.token_generation, a.password_change_generation,
	COALESCE((SELECT json_group_array(json_object('role', g.role, 'scope', g.scope))
	          FROM (SELECT role, scope FROM account_grants WHERE account_id = a.id ORDER BY role, scope) g), '[]')`

func (tx *Tx) accountWhere(ctx context.Context, where string, arg any) (identity.Account, error) {
	a, err := scanAccount(tx.q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where, arg))
	if err != nil {
		return a, wrap("read account", err)
	}
	return a, nil
}

// scanAccount reads a row of accountColumns.
func scanAccount(row rowScanner) (identity.Account, error) {
	var a identity.Account
	var disabled int
	var created, deleted, verified int64
	var grants string
	err := row.Scan(&a.ID, &a.Email, &a.Name, &a.Locale, &a.PasswordHash, &disabled, &created, &deleted, &verified, &a.FiscalCode,
		&a.TokenGeneration, &a.PasswordChangeGeneration, &grants)
	if err != nil {
		return a, err
	}
	a.Disabled = disabled != 0
	a.CreatedAt, a.DeletedAt, a.EmailVerifiedAt = fromMicros(created), fromMicros(deleted), fromMicros(verified)
	if err := json.Unmarshal([]byte(grants), &a.Grants); err != nil {
		return a, fmt.Errorf("decode grants: %w", err)
	}
	if a.Grants == nil {
		a.Grants = []identity.Grant{}
	}
	return a, nil
}

// AccountByID implements identity.Tx.
func (tx *Tx) AccountByID(ctx context.Context, id string) (identity.Account, error) {
	return tx.accountWhere(ctx, `a.id = ?`, id)
}

// AccountByEmail implements identity.Tx.
func (tx *Tx) AccountByEmail(ctx context.Context, emailNorm string) (identity.Account, error) {
	return tx.accountWhere(ctx, `a.email_norm = ?`, emailNorm)
}

// AnonymiseAccount implements identity.Tx.
func (tx *Tx) AnonymiseAccount(ctx context.Context, id, placeholderEmail string, at time.Time) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE accounts SET email = ?2, email_norm = ?2, name = '', password_hash = '!deleted', deleted_at = ?3,
		email_verified_at = 0, fiscal_code = NULL WHERE id = ?1`, id, placeholderEmail, toMicros(at))
	if err != nil {
		return wrap("anonymise account", err)
	}
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM account_grants WHERE account_id = ?`, id); err != nil {
		return wrap("drop grants", err)
	}
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM login_addresses WHERE account_id = ?`, id); err != nil {
		return wrap("forget login addresses", err)
	}
	// The person's e-mails (addresses, names, receipts) go too; a pending
	// one is never sent.
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM mail_outbox WHERE account_id = ?`, id); err != nil {
		return wrap("forget e-mails", err)
	}
	// What the person wrote as a citizen stays, without their name or
	// address (participation_erase.go).
	if err := tx.forgetCitizen(ctx, id, at); err != nil {
		return err
	}
	for what, q := range map[string]string{
		// A fault report on a bike stays for the operators, without who
		// made it; favourite stations go.
		"fault reports": `UPDATE mobility_incidents SET reported_by = '' WHERE reported_by = ?`,
		"favourites":    `DELETE FROM mobility_favourites WHERE account_id = ?`,
	} {
		if _, err := tx.q.ExecContext(ctx, q, id); err != nil {
			return wrap("anonymise "+what, err)
		}
	}
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM email_tokens WHERE account_id = ?`, id); err != nil {
		return wrap("forget e-mail tokens", err)
	}
	// The answers kept for the person's retries, and every other kept
	// answer that names the account, as on PostgreSQL. The bodies are
	// compared as bytes: a blob's, or a text's if one was stored as text.
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE substr(scope, -(length(?1) + 1)) = ':' || ?1
		OR instr(CAST(response AS BLOB), CAST(?1 AS BLOB)) > 0`, id); err != nil {
		return wrap("forget kept results", err)
	}
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM request_answers WHERE done
		AND (substr(scope, -(length(?1) + 1)) = ':' || ?1 OR substr(scope, 1, length(?1) + 5) = 'api:' || ?1 || ':'
			OR instr(CAST(body AS BLOB), CAST(?1 AS BLOB)) > 0)`, id); err != nil {
		return wrap("forget kept answers", err)
	}
	return nil
}

// SetAccountDisabled implements identity.Tx.
func (tx *Tx) SetAccountDisabled(ctx context.Context, id string, disabled bool) error {
	if _, err := tx.q.ExecContext(ctx, `UPDATE accounts SET disabled = ? WHERE id = ?`, boolInt(disabled), id); err != nil {
		return wrap("set account disabled", err)
	}
	return nil
}

// RaiseTokenGeneration implements identity.Tx.
func (tx *Tx) RaiseTokenGeneration(ctx context.Context, id string) error {
	if _, err := tx.q.ExecContext(ctx, `UPDATE accounts SET token_generation = token_generation + 1 WHERE id = ?`, id); err != nil {
		return wrap("raise token generation", err)
	}
	return nil
}

// EndTokenGenerationByPasswordChange implements identity.Tx.
func (tx *Tx) EndTokenGenerationByPasswordChange(ctx context.Context, id string) error {
	if _, err := tx.q.ExecContext(ctx, `UPDATE accounts SET password_change_generation = token_generation, token_generation = token_generation + 1 WHERE id = ?`, id); err != nil {
		return wrap("end token generation by a password change", err)
	}
	return nil
}

// CountAccounts implements identity.Tx.
func (tx *Tx) CountAccounts(ctx context.Context) (int, error) {
	var n int
	if err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		return 0, wrap("count accounts", err)
	}
	return n, nil
}

const refreshColumns = `id, family_id, account_id, token_hash, created_at, expires_at, rotated_at, revoked_at, token_generation`

func scanRefresh(row rowScanner) (identity.RefreshToken, error) {
	var t identity.RefreshToken
	var created, expires, rotated, revoked int64
	if err := row.Scan(&t.ID, &t.FamilyID, &t.AccountID, &t.Hash, &created, &expires, &rotated, &revoked, &t.Generation); err != nil {
		return t, err
	}
	t.CreatedAt, t.ExpiresAt, t.RotatedAt, t.RevokedAt = fromMicros(created), fromMicros(expires), fromMicros(rotated), fromMicros(revoked)
	return t, nil
}

// InsertRefreshToken implements identity.Tx.
func (tx *Tx) InsertRefreshToken(ctx context.Context, t identity.RefreshToken) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO refresh_tokens (id, family_id, account_id, token_hash, created_at, expires_at, token_generation)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, t.FamilyID, t.AccountID, t.Hash, toMicros(t.CreatedAt), toMicros(t.ExpiresAt), t.Generation)
	if err != nil {
		return wrap("insert refresh token", err)
	}
	return nil
}

// RefreshTokenByHash implements identity.Tx. Write transactions are serial
// on SQLite, so no row lock is needed.
func (tx *Tx) RefreshTokenByHash(ctx context.Context, hash string) (identity.RefreshToken, error) {
	t, err := scanRefresh(tx.q.QueryRowContext(ctx, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE token_hash = ?`, hash))
	if err != nil {
		return t, wrap("read refresh token", err)
	}
	return t, nil
}

// RotateRefreshToken implements identity.Tx.
func (tx *Tx) RotateRefreshToken(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE refresh_tokens SET rotated_at = ? WHERE id = ? AND rotated_at = 0 AND revoked_at = 0`, toMicros(at), id)
	if err != nil {
		return false, wrap("rotate refresh token", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RevokeRefreshFamily implements identity.Tx.
func (tx *Tx) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error {
	if _, err := tx.q.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at = 0`, toMicros(at), familyID); err != nil {
		return wrap("revoke refresh family", err)
	}
	return nil
}

// RevokeAccountTokens implements identity.Tx.
func (tx *Tx) RevokeAccountTokens(ctx context.Context, accountID string, at time.Time) error {
	if _, err := tx.q.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at = 0`, toMicros(at), accountID); err != nil {
		return wrap("revoke refresh tokens", err)
	}
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = ?`, accountID); err != nil {
		return wrap("delete sessions", err)
	}
	return nil
}

// RefreshTokensOf implements identity.Tx.
func (tx *Tx) RefreshTokensOf(ctx context.Context, accountID string) ([]identity.RefreshToken, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE account_id = ? ORDER BY created_at DESC, id`, accountID)
	if err != nil {
		return nil, wrap("list refresh tokens", err)
	}
	defer rows.Close()
	var out []identity.RefreshToken
	for rows.Next() {
		t, err := scanRefresh(rows)
		if err != nil {
			return nil, wrap("list refresh tokens", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const sessionColumns = `token_hash, account_id, created_at, last_seen_at, expires_at, token_generation`

func scanSession(row rowScanner) (identity.Session, error) {
	var s identity.Session
	var created, seen, expires int64
	err := row.Scan(&s.Hash, &s.AccountID, &created, &seen, &expires, &s.Generation)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return s, err
}

// InsertPageSession implements identity.Tx.
func (tx *Tx) InsertPageSession(ctx context.Context, s identity.Session) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		s.Hash, s.AccountID, toMicros(s.CreatedAt), toMicros(s.LastSeenAt), toMicros(s.ExpiresAt), s.Generation)
	if err != nil {
		return wrap("insert session", err)
	}
	return nil
}

// PageSessionByHash implements identity.Tx.
func (tx *Tx) PageSessionByHash(ctx context.Context, hash string) (identity.Session, error) {
	s, err := scanSession(tx.q.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, hash))
	if err != nil {
		return s, wrap("read session", err)
	}
	return s, nil
}

// TouchPageSession implements identity.Tx.
func (tx *Tx) TouchPageSession(ctx context.Context, hash string, at time.Time) error {
	if _, err := tx.q.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1 AND last_seen_at < ?2`, hash, toMicros(at)); err != nil {
		return wrap("touch session", err)
	}
	return nil
}

// DeletePageSession implements identity.Tx.
func (tx *Tx) DeletePageSession(ctx context.Context, hash string) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash); err != nil {
		return wrap("delete session", err)
	}
	return nil
}

// PageSessionsOf implements identity.Tx.
func (tx *Tx) PageSessionsOf(ctx context.Context, accountID string) ([]identity.Session, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE account_id = ? ORDER BY created_at DESC`, accountID)
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	defer rows.Close()
	var out []identity.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, wrap("list sessions", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// UnverifiedAccounts implements identity.Tx. An account any money moved
// for (an entry on its wallet) is never listed, whatever its state; nor
// one with a link still working.
func (tx *Tx) UnverifiedAccounts(ctx context.Context, createdBefore, now time.Time, limit int) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT a.id FROM accounts a
		WHERE a.email_verified_at = 0 AND a.deleted_at = 0 AND a.fiscal_code IS NULL AND a.created_at < ?1
		AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.account_id = 'citizen:' || a.id)
		AND NOT EXISTS (SELECT 1 FROM email_tokens t WHERE t.account_id = a.id AND t.used_at = 0 AND t.expires_at > ?2)
		ORDER BY a.created_at, a.id LIMIT ?3`, toMicros(createdBefore), toMicros(now), limit)
	return collect(rows, err, func(r rowScanner) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
}
