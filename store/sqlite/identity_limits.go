package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityhub/identity"
)

// ReserveLoginAttempt implements identity.Tx. Every write transaction is
// IMMEDIATE on the one writer connection, so the count and the insert below
// are already one step for every other attempt.
func (tx *Tx) ReserveLoginAttempt(ctx context.Context, attempt string, buckets []identity.LoginBucket, at time.Time) (bool, time.Time, error) {
	ok := true
	var freeAt time.Time
	for _, b := range buckets {
		if b.Limit < 1 {
			return false, time.Time{}, fmt.Errorf("login bucket %s: limit %d", b.Subject, b.Limit)
		}
		// The Limit-th newest attempt in the window: if there is one, the
		// bucket is full until it leaves the window.
		var nth int64
		err := tx.q.QueryRowContext(ctx, `SELECT at FROM login_failures WHERE subject = ? AND at > ?
			ORDER BY at DESC LIMIT 1 OFFSET ?`, b.Subject, toMicros(b.Since), b.Limit-1).Scan(&nth)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, time.Time{}, wrap("count login attempts", err)
		}
		ok = false
		if f := fromMicros(nth).Add(at.Sub(b.Since)); f.After(freeAt) {
			freeAt = f
		}
	}
	if !ok {
		return false, freeAt, nil
	}
	for _, b := range buckets {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO login_failures (subject, at, attempt) VALUES (?, ?, ?)`, b.Subject, toMicros(at), attempt); err != nil {
			return false, time.Time{}, wrap("insert login attempt", err)
		}
	}
	// Old attempts no longer count; dropping them here keeps the table small
	// without a separate sweeper.
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM login_failures WHERE at < ?`, toMicros(at.Add(-identity.MaxLoginWindow))); err != nil {
		return false, time.Time{}, wrap("prune login attempts", err)
	}
	return true, time.Time{}, nil
}

// ReleaseLoginAttempt implements identity.Tx.
func (tx *Tx) ReleaseLoginAttempt(ctx context.Context, attempt string) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM login_failures WHERE attempt = ?`, attempt); err != nil {
		return wrap("release login attempt", err)
	}
	return nil
}

// ClearLoginAttempts implements identity.Tx.
func (tx *Tx) ClearLoginAttempts(ctx context.Context, pattern string) (int, error) {
	// Counters emptied, not rows: a table row is one attempt in one
	// counter. Counted first, in the same transaction, as SQLite cannot
	// aggregate what a DELETE returns.
	var n int
	if err := tx.q.QueryRowContext(ctx, `SELECT count(DISTINCT subject) FROM login_failures WHERE subject LIKE ? ESCAPE '\'`,
		likePattern(pattern)).Scan(&n); err != nil {
		return 0, wrap("count login counters", err)
	}
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM login_failures WHERE subject LIKE ? ESCAPE '\'`, likePattern(pattern)); err != nil {
		return 0, wrap("clear login attempts", err)
	}
	return n, nil
}

// likePattern turns a pattern with * for any characters into a LIKE
// pattern, escaping LIKE's own wildcards. SQLite's LIKE ignores ASCII case,
// which subjects (lower-case hex, addresses) do not rely on.
func likePattern(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`, `*`, `%`)
	return r.Replace(p)
}

// LoginAddressKnown implements identity.Tx.
func (tx *Tx) LoginAddressKnown(ctx context.Context, emailNorm, network string, since time.Time) (bool, error) {
	var known int
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM login_addresses k JOIN accounts a ON a.id = k.account_id
		WHERE a.email_norm = ? AND k.network = ? AND k.last_login_at >= ?)`, emailNorm, network, toMicros(since)).Scan(&known)
	if err != nil {
		return false, wrap("read login addresses", err)
	}
	return known != 0, nil
}

// RememberLoginAddress implements identity.Tx.
func (tx *Tx) RememberLoginAddress(ctx context.Context, accountID, network string, at, forgetBefore time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO login_addresses (account_id, network, last_login_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id, network) DO UPDATE SET last_login_at = MAX(login_addresses.last_login_at, excluded.last_login_at)`,
		accountID, network, toMicros(at))
	if err != nil {
		return wrap("remember login address", err)
	}
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM login_addresses WHERE account_id = ? AND last_login_at < ?`, accountID, toMicros(forgetBefore)); err != nil {
		return wrap("forget login addresses", err)
	}
	return nil
}

// LoginAddressesOf implements identity.Tx.
func (tx *Tx) LoginAddressesOf(ctx context.Context, accountID string) ([]identity.LoginAddress, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT network, last_login_at FROM login_addresses WHERE account_id = ? ORDER BY last_login_at DESC, network`, accountID)
	if err != nil {
		return nil, wrap("list login addresses", err)
	}
	defer rows.Close()
	var out []identity.LoginAddress
	for rows.Next() {
		var a identity.LoginAddress
		var at int64
		if err := rows.Scan(&a.Network, &at); err != nil {
			return nil, wrap("list login addresses", err)
		}
		a.LastLoginAt = fromMicros(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
