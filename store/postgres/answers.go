package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/idem"
)

var _ idem.AnswerStore = (*DB)(nil)

// Answers is the store of first answers to keyed API requests.
func (db *DB) Answers() idem.AnswerStore { return db }

// execUnsynced runs statements in one transaction of their own, in one
// round trip, which commits without waiting for the WAL to reach the disk:
// a claim, answer or release then costs no flush of its own. A claim needs
// none: it matters only if the request's own transaction commits, and that
// commit flushes the WAL up to it, so the claim with it. A kept answer lost
// in a crash (the last few hundred milliseconds before it) leaves its key
// committed and unanswered: the retry is refused as answer lost, as after a
// crash before keeping it. The statements go as one batch: the server runs
// a batch as one implicit transaction, and set_config(..., true) holds
// until it ends. It returns the command tag of the first statement.
func (db *DB) execUnsynced(ctx context.Context, stmts ...unsynced) (pgconn.CommandTag, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	for _, s := range stmts {
		b.Queue(s.sql, s.args...)
	}
	br := db.pool.SendBatch(ctx, b)
	var first pgconn.CommandTag
	_, err := br.Exec()
	for i := 0; err == nil && i < len(stmts); i++ {
		var tag pgconn.CommandTag
		tag, err = br.Exec()
		if i == 0 {
			first = tag
		}
	}
	return first, errors.Join(err, br.Close())
}

// unsynced is one statement of execUnsynced.
type unsynced struct {
	sql  string
	args []any
}

// ClaimAnswer implements idem.AnswerStore. Each statement commits on its
// own: a claim must be visible to the racing requests that wait for it.
func (db *DB) ClaimAnswer(ctx context.Context, scope, key, hash string, now, staleBefore time.Time) (bool, string, bool, bool, idem.Answer, error) {
	tag, err := db.execUnsynced(ctx, unsynced{`INSERT INTO request_answers (scope, key, request_hash, claimed_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, claimed_at = EXCLUDED.claimed_at
		WHERE NOT request_answers.done AND NOT request_answers.committed AND request_answers.claimed_at < $5`, []any{scope, key, hash, now, staleBefore}})
	if err != nil {
		return false, "", false, false, idem.Answer{}, wrap("claim answer", err)
	}
	if tag.RowsAffected() == 1 {
		return true, "", false, false, idem.Answer{}, nil
	}
	var a idem.Answer
	var storedHash, header string
	var done, lost bool
	err = db.pool.QueryRow(ctx, `SELECT request_hash, done, committed AND claimed_at < $3, status, header, body FROM request_answers WHERE scope = $1 AND key = $2`,
		scope, key, staleBefore).Scan(&storedHash, &done, &lost, &a.Status, &header, &a.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		// Released since our insert lost: the caller tries again.
		return false, hash, false, false, idem.Answer{}, nil
	}
	if err != nil {
		return false, "", false, false, idem.Answer{}, wrap("read answer", err)
	}
	if err := json.Unmarshal([]byte(header), &a.Header); err != nil {
		return false, "", false, false, idem.Answer{}, wrap("decode answer header", err)
	}
	return false, storedHash, done, lost, a, nil
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
	_, err = db.execUnsynced(ctx, unsynced{`UPDATE request_answers SET done = true, status = $3, header = $4, body = $5 WHERE scope = $1 AND key = $2`,
		[]any{scope, key, a.Status, string(header), a.Body}})
	if err != nil {
		return wrap("save answer", err)
	}
	return nil
}

// ReleaseAnswer implements idem.AnswerStore: a key none of whose
// transactions committed is forgotten, one that committed is left stale.
func (db *DB) ReleaseAnswer(ctx context.Context, scope, key string) error {
	_, err := db.execUnsynced(ctx,
		unsynced{`DELETE FROM request_answers WHERE scope = $1 AND key = $2 AND NOT done AND NOT committed`, []any{scope, key}},
		unsynced{`UPDATE request_answers SET claimed_at = '-infinity' WHERE scope = $1 AND key = $2 AND NOT done AND committed`, []any{scope, key}})
	if err != nil {
		return wrap("release answer", err)
	}
	return nil
}

// markCommitted queues, on the transaction p, the record that a transaction
// of the request holding ctx's claimed key committed (see idem.Pending): it
// rides with COMMIT.
func markCommitted(ctx context.Context, p *pipeline) {
	k, ok := idem.PendingFrom(ctx)
	if !ok {
		return
	}
	p.pending = append(p.pending, deferred{what: "mark idempotency key committed",
		sql:  `UPDATE request_answers SET committed = true WHERE scope = $1 AND key = $2 AND NOT done`,
		args: []any{k.Scope, k.Key}})
}
