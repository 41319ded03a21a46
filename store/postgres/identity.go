package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/identity"
)

// InsertAccount implements identity.Tx.
func (tx *Tx) InsertAccount(ctx context.Context, a identity.Account) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO accounts (id, email, email_norm, name, locale, password_hash, disabled, created_at, email_verified_at, fiscal_code)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''))`,
		a.ID, a.Email, identity.NormalizeEmail(a.Email), a.Name, a.Locale, a.PasswordHash, a.Disabled, a.CreatedAt, nullTime(a.EmailVerifiedAt), a.FiscalCode)
	if err != nil {
		return wrap("insert account", err)
	}
	for _, g := range a.Grants {
		if _, err := tx.q.Exec(ctx, `INSERT INTO account_grants (account_id, role, scope) VALUES ($1, $2, $3)`, a.ID, string(g.Role), g.Scope); err != nil {
			return wrap("insert grant", err)
		}
	}
	return nil
}

const accountColumns = `a.id, a.email, a.name, a.locale, a.password_hash, a.disabled, a.created_at, a.deleted_at,
	a.email_verified_at, COALESCE(a.fiscal_code, ''), a.token_generation, a.password_change_generation,
	COALESCE((SELECT json_agg(json_build_object('role', g.role, 'scope', g.scope) ORDER BY g.role, g.scope)
	          FROM account_grants g WHERE g.account_id = a.id), '[]'::json)`

func (tx *Tx) accountWhere(ctx context.Context, where string, arg any) (identity.Account, error) {
	a, err := scanAccount(tx.q.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where, arg))
	if err != nil {
		return a, wrap("read account", err)
	}
	return a, nil
}

// scanAccount reads a row of accountColumns.
func scanAccount(row pgx.Row) (identity.Account, error) {
	var a identity.Account
	var deleted, verified *time.Time
	err := row.Scan(&a.ID, &a.Email, &a.Name, &a.Locale, &a.PasswordHash, &a.Disabled, &a.CreatedAt, &deleted, &verified, &a.FiscalCode,
		&a.TokenGeneration, &a.PasswordChangeGeneration, &a.Grants)
	if err != nil {
		return a, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	if deleted != nil {
		a.DeletedAt = deleted.UTC()
	}
	if verified != nil {
		a.EmailVerifiedAt = verified.UTC()
	}
	if a.Grants == nil {
		a.Grants = []identity.Grant{}
	}
	return a, nil
}

// AccountByID implements identity.Tx.
func (tx *Tx) AccountByID(ctx context.Context, id string) (identity.Account, error) {
	return tx.accountWhere(ctx, `a.id = $1`, id)
}

// AccountByEmail implements identity.Tx.
func (tx *Tx) AccountByEmail(ctx context.Context, emailNorm string) (identity.Account, error) {
	return tx.accountWhere(ctx, `a.email_norm = $1`, emailNorm)
}

// AnonymiseAccount implements identity.Tx.
func (tx *Tx) AnonymiseAccount(ctx context.Context, id, placeholderEmail string, at time.Time) error {
	_, err := tx.q.Exec(ctx, `UPDATE accounts SET email = $2, email_norm = $2, name = '', password_hash = '!deleted', deleted_at = $3,
		email_verified_at = NULL, fiscal_code = NULL WHERE id = $1`, id, placeholderEmail, at)
	if err != nil {
		return wrap("anonymise account", err)
	}
	if _, err := tx.q.Exec(ctx, `DELETE FROM account_grants WHERE account_id = $1`, id); err != nil {
		return wrap("drop grants", err)
	}
	if _, err := tx.q.Exec(ctx, `DELETE FROM login_addresses WHERE account_id = $1`, id); err != nil {
		return wrap("forget login addresses", err)
	}
	// The person's e-mails (addresses, names, receipts) go too; a pending
	// one is never sent.
	if _, err := tx.q.Exec(ctx, `DELETE FROM mail_outbox WHERE account_id = $1`, id); err != nil {
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
		"fault reports": `UPDATE mobility_incidents SET reported_by = '' WHERE reported_by = $1`,
		"favourites":    `DELETE FROM mobility_favourites WHERE account_id = $1`,
	} {
		if _, err := tx.q.Exec(ctx, q, id); err != nil {
			return wrap("anonymise "+what, err)
		}
	}
	if _, err := tx.q.Exec(ctx, `DELETE FROM email_tokens WHERE account_id = $1`, id); err != nil {
		return wrap("forget e-mail tokens", err)
	}
	// The answers kept for the person's retries (a report, a comment, a
	// claim, as first answered, their name in them): scopes end with the
	// account's id, or, the API's, start with "api:" and it. And every
	// other kept answer whose body names the account: another caller's
	// about it (an administrator's new account, grants or disabling), an
	// anonymous one (a confirmed address), with its address and name. An
	// id is 26 random characters after its prefix, so a body holding it
	// is about that account. An answer still being made (this very
	// request's, if keyed) is left to finish.
	if _, err := tx.q.Exec(ctx, `DELETE FROM idempotency_keys WHERE right(scope, length($1) + 1) = ':' || $1
		OR position(convert_to($1, 'UTF8') in response) > 0`, id); err != nil {
		return wrap("forget kept results", err)
	}
	if _, err := tx.q.Exec(ctx, `DELETE FROM request_answers WHERE done
		AND (right(scope, length($1) + 1) = ':' || $1 OR left(scope, length($1) + 5) = 'api:' || $1 || ':'
			OR position(convert_to($1, 'UTF8') in body) > 0)`, id); err != nil {
		return wrap("forget kept answers", err)
	}
	return nil
}

// SetAccountDisabled implements identity.Tx.
func (tx *Tx) SetAccountDisabled(ctx context.Context, id string, disabled bool) error {
	if _, err := tx.q.Exec(ctx, `UPDATE accounts SET disabled = $2 WHERE id = $1`, id, disabled); err != nil {
		return wrap("set account disabled", err)
	}
	return nil
}

// RaiseTokenGeneration implements identity.Tx.
func (tx *Tx) RaiseTokenGeneration(ctx context.Context, id string) error {
	if _, err := tx.q.Exec(ctx, `UPDATE accounts SET token_generation = token_generation + 1 WHERE id = $1`, id); err != nil {
		return wrap("raise token generation", err)
	}
	return nil
}

// EndTokenGenerationByPasswordChange implements identity.Tx.
func (tx *Tx) EndTokenGenerationByPasswordChange(ctx context.Context, id string) error {
	if _, err := tx.q.Exec(ctx, `UPDATE accounts SET password_change_generation = token_generation, token_generation = token_generation + 1 WHERE id = $1`, id); err != nil {
		return wrap("end token generation by a password change", err)
	}
	return nil
}

// CountAccounts implements identity.Tx.
func (tx *Tx) CountAccounts(ctx context.Context) (int, error) {
	var n int
	if err := tx.q.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		return 0, wrap("count accounts", err)
	}
	return n, nil
}

const refreshColumns = `id, family_id, account_id, token_hash, created_at, expires_at, rotated_at, revoked_at, token_generation`

func scanRefresh(row pgx.Row) (identity.RefreshToken, error) {
	var t identity.RefreshToken
	var rotated, revoked *time.Time
	if err := row.Scan(&t.ID, &t.FamilyID, &t.AccountID, &t.Hash, &t.CreatedAt, &t.ExpiresAt, &rotated, &revoked, &t.Generation); err != nil {
		return t, err
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	if rotated != nil {
		t.RotatedAt = rotated.UTC()
	}
	if revoked != nil {
		t.RevokedAt = revoked.UTC()
	}
	return t, nil
}

// InsertRefreshToken implements identity.Tx.
func (tx *Tx) InsertRefreshToken(ctx context.Context, t identity.RefreshToken) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO refresh_tokens (id, family_id, account_id, token_hash, created_at, expires_at, token_generation)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, t.FamilyID, t.AccountID, t.Hash, t.CreatedAt, t.ExpiresAt, t.Generation)
	if err != nil {
		return wrap("insert refresh token", err)
	}
	return nil
}

// RefreshTokenByHash implements identity.Tx; the row stays locked until the
// transaction ends, so two refreshes with one token run one after the other.
func (tx *Tx) RefreshTokenByHash(ctx context.Context, hash string) (identity.RefreshToken, error) {
	t, err := scanRefresh(tx.q.QueryRow(ctx, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`, hash))
	if err != nil {
		return t, wrap("read refresh token", err)
	}
	return t, nil
}

// RotateRefreshToken implements identity.Tx.
func (tx *Tx) RotateRefreshToken(ctx context.Context, id string, at time.Time) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE refresh_tokens SET rotated_at = $2 WHERE id = $1 AND rotated_at IS NULL AND revoked_at IS NULL`, id, at)
	if err != nil {
		return false, wrap("rotate refresh token", err)
	}
	return tag.RowsAffected() == 1, nil
}

// RevokeRefreshFamily implements identity.Tx.
func (tx *Tx) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error {
	if _, err := tx.q.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`, familyID, at); err != nil {
		return wrap("revoke refresh family", err)
	}
	return nil
}

// RevokeAccountTokens implements identity.Tx.
func (tx *Tx) RevokeAccountTokens(ctx context.Context, accountID string, at time.Time) error {
	if _, err := tx.q.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`, accountID, at); err != nil {
		return wrap("revoke refresh tokens", err)
	}
	if _, err := tx.q.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID); err != nil {
		return wrap("delete sessions", err)
	}
	return nil
}

// RefreshTokensOf implements identity.Tx.
func (tx *Tx) RefreshTokensOf(ctx context.Context, accountID string) ([]identity.RefreshToken, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE account_id = $1 ORDER BY created_at DESC, id`, accountID)
	if err != nil {
		return nil, wrap("list refresh tokens", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.RefreshToken, error) { return scanRefresh(r) })
	if err != nil {
		return nil, wrap("list refresh tokens", err)
	}
	return out, nil
}

const sessionColumns = `token_hash, account_id, created_at, last_seen_at, expires_at, token_generation`

func scanSession(row pgx.Row) (identity.Session, error) {
	var s identity.Session
	err := row.Scan(&s.Hash, &s.AccountID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.Generation)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	return s, err
}

// InsertPageSession implements identity.Tx.
func (tx *Tx) InsertPageSession(ctx context.Context, s identity.Session) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.Hash, s.AccountID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Generation)
	if err != nil {
		return wrap("insert session", err)
	}
	return nil
}

// PageSessionByHash implements identity.Tx.
func (tx *Tx) PageSessionByHash(ctx context.Context, hash string) (identity.Session, error) {
	s, err := scanSession(tx.q.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = $1`, hash))
	if err != nil {
		return s, wrap("read session", err)
	}
	return s, nil
}

// TouchPageSession implements identity.Tx.
func (tx *Tx) TouchPageSession(ctx context.Context, hash string, at time.Time) error {
	if _, err := tx.q.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2`, hash, at); err != nil {
		return wrap("touch session", err)
	}
	return nil
}

// DeletePageSession implements identity.Tx.
func (tx *Tx) DeletePageSession(ctx context.Context, hash string) error {
	if _, err := tx.q.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash); err != nil {
		return wrap("delete session", err)
	}
	return nil
}

// PageSessionsOf implements identity.Tx.
func (tx *Tx) PageSessionsOf(ctx context.Context, accountID string) ([]identity.Session, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE account_id = $1 ORDER BY created_at DESC`, accountID)
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.Session, error) { return scanSession(r) })
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	return out, nil
}

// UnverifiedAccounts implements identity.Tx. An account any money moved
// for (an entry on its wallet) is never listed, whatever its state; nor
// one with a link still working. The rows are locked, and a row another
// transaction is changing (its owner confirming the address right now) is
// skipped.
func (tx *Tx) UnverifiedAccounts(ctx context.Context, createdBefore, now time.Time, limit int) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT a.id FROM accounts a
		WHERE a.email_verified_at IS NULL AND a.deleted_at IS NULL AND a.fiscal_code IS NULL AND a.created_at < $1
		AND NOT EXISTS (SELECT 1 FROM ledger_lines e WHERE e.account_id = 'citizen:' || a.id)
		AND NOT EXISTS (SELECT 1 FROM email_tokens t WHERE t.account_id = a.id AND t.used_at IS NULL AND t.expires_at > $2)
		ORDER BY a.created_at, a.id LIMIT $3 FOR UPDATE OF a SKIP LOCKED`, createdBefore, now, limit)
	if err != nil {
		return nil, wrap("list unverified accounts", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, wrap("list unverified accounts", err)
}
