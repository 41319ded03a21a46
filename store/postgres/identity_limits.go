package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/identity"
)

// ReserveLoginAttempt implements identity.Tx. Under READ COMMITTED two
// transactions counting the same bucket would both see room, so each
// subject is first locked with a transaction-scoped advisory lock: the count
// that follows sees every reservation committed before, and the insert is
// visible to the next holder. Subjects are locked in sorted order, so two
// attempts never wait on each other crosswise. The schema is part of the lock
// key, so databases shared by several schemas (tests) do not queue on each
// other.
func (tx *Tx) ReserveLoginAttempt(ctx context.Context, attempt string, buckets []identity.LoginBucket, at time.Time) (bool, time.Time, error) {
	subjects := make([]string, 0, len(buckets))
	for _, b := range buckets {
		subjects = append(subjects, b.Subject)
	}
	slices.Sort(subjects)
	for _, s := range slices.Compact(subjects) {
		if _, err := tx.q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ' login ' || $1, 0))`, s); err != nil {
			return false, time.Time{}, wrap("lock login bucket", err)
		}
	}
	ok := true
	var freeAt time.Time
	for _, b := range buckets {
		if b.Limit < 1 {
			return false, time.Time{}, fmt.Errorf("login bucket %s: limit %d", b.Subject, b.Limit)
		}
		// The Limit-th newest attempt in the window: if there is one, the
		// bucket is full until it leaves the window.
		var nth time.Time
		err := tx.q.QueryRow(ctx, `SELECT at FROM login_failures WHERE subject = $1 AND at > $2
			ORDER BY at DESC LIMIT 1 OFFSET $3`, b.Subject, b.Since, b.Limit-1).Scan(&nth)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, time.Time{}, wrap("count login attempts", err)
		}
		ok = false
		if f := nth.Add(at.Sub(b.Since)); f.After(freeAt) {
			freeAt = f
		}
	}
	if !ok {
		return false, freeAt.UTC(), nil
	}
	for _, b := range buckets {
		if _, err := tx.q.Exec(ctx, `INSERT INTO login_failures (subject, at, attempt) VALUES ($1, $2, $3)`, b.Subject, at, attempt); err != nil {
			return false, time.Time{}, wrap("insert login attempt", err)
		}
	}
	// Old attempts no longer count; dropping some here keeps the table
	// small without a separate sweeper. SKIP LOCKED: concurrent attempts
	// prune different rows instead of waiting on each other.
	// Picked once, then deleted: at most 100 an attempt (as ClaimMail's
	// pick).
	if _, err := tx.q.Exec(ctx, `WITH old AS MATERIALIZED (
			SELECT id FROM login_failures WHERE at < $1 ORDER BY at LIMIT 100 FOR UPDATE SKIP LOCKED)
		DELETE FROM login_failures WHERE id IN (SELECT id FROM old)`, at.Add(-identity.MaxLoginWindow)); err != nil {
		return false, time.Time{}, wrap("prune login attempts", err)
	}
	return true, time.Time{}, nil
}

// ReleaseLoginAttempt implements identity.Tx.
func (tx *Tx) ReleaseLoginAttempt(ctx context.Context, attempt string) error {
	if _, err := tx.q.Exec(ctx, `DELETE FROM login_failures WHERE attempt = $1`, attempt); err != nil {
		return wrap("release login attempt", err)
	}
	return nil
}

// ClearLoginAttempts implements identity.Tx.
func (tx *Tx) ClearLoginAttempts(ctx context.Context, pattern string) (int, error) {
	// Counters emptied, not rows: a table row is one attempt in one counter.
	var n int
	err := tx.q.QueryRow(ctx, `WITH gone AS (DELETE FROM login_failures WHERE subject LIKE $1 ESCAPE '\' RETURNING subject)
		SELECT count(DISTINCT subject) FROM gone`, likePattern(pattern)).Scan(&n)
	if err != nil {
		return 0, wrap("clear login attempts", err)
	}
	return n, nil
}

// likePattern turns a pattern with * for any characters into a LIKE
// pattern, escaping LIKE's own wildcards.
func likePattern(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`, `*`, `%`)
	return r.Replace(p)
}

// LoginAddressKnown implements identity.Tx.
func (tx *Tx) LoginAddressKnown(ctx context.Context, emailNorm, network string, since time.Time) (bool, error) {
	var known bool
	err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM login_addresses k JOIN accounts a ON a.id = k.account_id
		WHERE a.email_norm = $1 AND k.network = $2 AND k.last_login_at >= $3)`, emailNorm, network, since).Scan(&known)
	if err != nil {
		return false, wrap("read login addresses", err)
	}
	return known, nil
}

// RememberLoginAddress implements identity.Tx.
func (tx *Tx) RememberLoginAddress(ctx context.Context, accountID, network string, at, forgetBefore time.Time) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO login_addresses (account_id, network, last_login_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, network) DO UPDATE SET last_login_at = GREATEST(login_addresses.last_login_at, excluded.last_login_at)`,
		accountID, network, at)
	if err != nil {
		return wrap("remember login address", err)
	}
	if _, err := tx.q.Exec(ctx, `DELETE FROM login_addresses WHERE account_id = $1 AND last_login_at < $2`, accountID, forgetBefore); err != nil {
		return wrap("forget login addresses", err)
	}
	return nil
}

// LoginAddressesOf implements identity.Tx.
func (tx *Tx) LoginAddressesOf(ctx context.Context, accountID string) ([]identity.LoginAddress, error) {
	rows, err := tx.q.Query(ctx, `SELECT network, last_login_at FROM login_addresses WHERE account_id = $1 ORDER BY last_login_at DESC, network`, accountID)
	if err != nil {
		return nil, wrap("list login addresses", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.LoginAddress, error) {
		var a identity.LoginAddress
		err := r.Scan(&a.Network, &a.LastLoginAt)
		a.LastLoginAt = a.LastLoginAt.UTC()
		return a, err
	})
	if err != nil {
		return nil, wrap("list login addresses", err)
	}
	return out, nil
}
