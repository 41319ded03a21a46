package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"cityhub/idem"
)

var _ idem.AnswerStore = (*DB)(nil)

// Answers is the store of first answers to keyed API requests.
func (db *DB) Answers() idem.PrunedAnswerStore { return db }

// ClaimAnswer implements idem.AnswerStore. Each statement commits on its
// own: a claim must be visible to the racing requests that wait for it.
func (db *DB) ClaimAnswer(ctx context.Context, scope, key, hash string, now, staleBefore time.Time) (bool, string, bool, bool, idem.Answer, error) {
	res, err := poolQuerier{db.wstmts}.ExecContext(ctx, `INSERT INTO request_answers (scope, key, request_hash, claimed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, claimed_at = excluded.claimed_at
		WHERE request_answers.done = 0 AND request_answers.committed = 0 AND request_answers.claimed_at < ?`, scope, key, hash, now.UnixMicro(), staleBefore.UnixMicro())
	if err != nil {
		return false, "", false, false, idem.Answer{}, wrap("claim answer", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, "", false, false, idem.Answer{}, nil
	}
	var a idem.Answer
	var storedHash, header string
	var done, lost int
	err = poolQuerier{db.wstmts}.QueryRowContext(ctx, `SELECT request_hash, done, committed = 1 AND claimed_at < ?, status, header, body FROM request_answers WHERE scope = ? AND key = ?`,
		staleBefore.UnixMicro(), scope, key).Scan(&storedHash, &done, &lost, &a.Status, &header, &a.Body)
	if errors.Is(err, sql.ErrNoRows) {
		// Released since our insert lost: the caller tries again.
		return false, hash, false, false, idem.Answer{}, nil
	}
	if err != nil {
		return false, "", false, false, idem.Answer{}, wrap("read answer", err)
	}
	if err := json.Unmarshal([]byte(header), &a.Header); err != nil {
		return false, "", false, false, idem.Answer{}, wrap("decode answer header", err)
	}
	return false, storedHash, done == 1, lost == 1, a, nil
}

// SaveAnswer implements idem.AnswerStore.
func (db *DB) SaveAnswer(ctx context.Context, scope, key string, a idem.Answer) error {
	header, err := json.Marshal(a.Header)
	if err != nil {
		return wrap("encode answer header", err)
	}
	if a.Body == nil {
		a.Body = []byte{}
	}
	_, err = poolQuerier{db.wstmts}.ExecContext(ctx, `UPDATE request_answers SET done = 1, status = ?, header = ?, body = ? WHERE scope = ? AND key = ?`,
		a.Status, string(header), a.Body, scope, key)
	if err != nil {
		return wrap("save answer", err)
	}
	return nil
}

// ReleaseAnswer implements idem.AnswerStore.
func (db *DB) ReleaseAnswer(ctx context.Context, scope, key string) error {
	staleAt := time.Now().Add(-idem.StaleMargin)
	_, err := poolQuerier{db.wstmts}.ExecContext(ctx, `DELETE FROM request_answers WHERE scope = ? AND key = ? AND done = 0 AND committed = 0`, scope, key)
	if err != nil {
		return wrap("release answer", err)
	}
	_, err = poolQuerier{db.wstmts}.ExecContext(ctx, `UPDATE request_answers SET claimed_at = ? WHERE scope = ? AND key = ? AND done = 0 AND committed = 1`, staleAt.UnixMicro(), scope, key)
	if err != nil {
		return wrap("release committed answer", err)
	}
	return nil
}

// markCommitted records, in tx, that a transaction of the request holding
// ctx's claimed key committed (see idem.Pending).
func markCommitted(ctx context.Context, q querier) error {
	p, ok := idem.PendingFrom(ctx)
	if !ok {
		return nil
	}
	_, err := q.ExecContext(ctx, `UPDATE request_answers SET committed = 1 WHERE scope = ? AND key = ? AND done = 0`, p.Scope, p.Key)
	if err != nil {
		return wrap("mark idempotency key committed", err)
	}
	return nil
}

var _ idem.Pruner = (*DB)(nil)

// PruneKept implements idem.Pruner, as on PostgreSQL, by rowid.
func (db *DB) PruneKept(ctx context.Context, before time.Time, limit int) (int, error) {
	n := 0
	for _, q := range []string{
		`DELETE FROM request_answers WHERE rowid IN (SELECT rowid FROM request_answers WHERE (done = 1 OR committed = 1) AND claimed_at < ? LIMIT ?)`,
		`DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < ? LIMIT ?)`,
	} {
		res, err := poolQuerier{db.wstmts}.ExecContext(ctx, q, before.UnixMicro(), limit)
		if err != nil {
			return n, wrap("prune kept answers", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}
