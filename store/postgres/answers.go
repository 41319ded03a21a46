package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/idem"
)

var _ idem.AnswerStore = (*DB)(nil)

// Answers is the store of first answers to keyed API requests.
func (db *DB) Answers() idem.PrunedAnswerStore { return db }

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

// ClaimAnswer implements idem.AnswerStore. Claims that arrive together are
// written together (see group): one statement claims the free keys of the
// batch and reads back the holders of the others, in one transaction that
// commits at once, so that the racing requests waiting for a claim see it.
func (db *DB) ClaimAnswer(ctx context.Context, scope, key, hash string, now, staleBefore time.Time) (bool, string, bool, bool, idem.Answer, error) {
	r, err := db.claims.Do(ctx, answerClaim{scope: scope, key: key, hash: hash, now: now, staleBefore: staleBefore})
	if err != nil {
		return false, "", false, false, idem.Answer{}, wrap("claim answer", err)
	}
	return r.claimed, r.storedHash, r.done, r.lost, r.answer, nil
}

type answerClaim struct {
	scope, key, hash string
	now, staleBefore time.Time
}

type claimResult struct {
	claimed, done, lost bool
	storedHash          string
	answer              idem.Answer
}

// claimAnswers writes a batch of claims. A key asked for twice in one
// batch (a retry racing its first request) would be written twice by one
// statement, which the server refuses: the second and later asks go in a
// statement of their own after the first.
func (db *DB) claimAnswers(ctx context.Context, claims []answerClaim) ([]claimResult, error) {
	out := make([]claimResult, len(claims))
	left := make([]int, len(claims))
	for i := range left {
		left[i] = i
	}
	for len(left) > 0 {
		var round, later []int
		seen := make(map[[2]string]bool, len(left))
		for _, i := range left {
			k := [2]string{claims[i].scope, claims[i].key}
			if seen[k] {
				later = append(later, i)
				continue
			}
			seen[k] = true
			round = append(round, i)
		}
		if err := db.claimRound(ctx, claims, round, out); err != nil {
			return nil, err
		}
		left = later
	}
	return out, nil
}

// claimRound claims keys that are distinct. A key held by another request
// is read back as it was before the statement, which did not change it;
// one that another transaction claimed after the statement began is not
// seen at all and reads as released since: the caller asks again.
func (db *DB) claimRound(ctx context.Context, claims []answerClaim, round []int, out []claimResult) error {
	n := len(round)
	scopes, keys, hashes := make([]string, n), make([]string, n), make([]string, n)
	nows, stales := make([]time.Time, n), make([]time.Time, n)
	for j, i := range round {
		c := claims[i]
		scopes[j], keys[j], hashes[j], nows[j], stales[j] = c.scope, c.key, c.hash, c.now, c.staleBefore
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	b.Queue(`WITH c AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY
				AS c(scope, key, request_hash, claimed_at, stale_before, n)
		), claimed AS (
			INSERT INTO request_answers (scope, key, request_hash, claimed_at)
			SELECT scope, key, request_hash, claimed_at FROM c
			ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, claimed_at = EXCLUDED.claimed_at
			WHERE NOT request_answers.done AND NOT request_answers.committed
			  AND request_answers.claimed_at < (SELECT c.stale_before FROM c WHERE c.scope = EXCLUDED.scope AND c.key = EXCLUDED.key)
			RETURNING scope, key
		)
		SELECT c.n, k.key IS NOT NULL, r.request_hash, r.done, r.committed AND r.claimed_at < c.stale_before, r.status, r.header, r.body
		FROM c LEFT JOIN claimed k ON k.scope = c.scope AND k.key = c.key
		LEFT JOIN request_answers r ON k.key IS NULL AND r.scope = c.scope AND r.key = c.key`,
		scopes, keys, hashes, nows, stales)
	br := db.pool.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		err = readClaims(br, claims, round, out)
	}
	return errors.Join(err, br.Close())
}

// readClaims reads claimRound's rows into out.
func readClaims(br pgx.BatchResults, claims []answerClaim, round []int, out []claimResult) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var n int
		var claimed bool
		var storedHash, header *string
		var done, lost *bool
		var status *int
		var body []byte
		if err := rows.Scan(&n, &claimed, &storedHash, &done, &lost, &status, &header, &body); err != nil {
			return err
		}
		if n < 1 || n > len(round) {
			return fmt.Errorf("claim row %d of %d", n, len(round))
		}
		i, r := round[n-1], claimResult{claimed: claimed}
		got++
		switch {
		case claimed:
		case storedHash == nil:
			// Released since the insert lost: the caller asks again.
			r.storedHash = claims[i].hash
		default:
			r.storedHash, r.done, r.lost = *storedHash, *done, *lost
			r.answer = idem.Answer{Status: *status, Body: body}
			if err := json.Unmarshal([]byte(*header), &r.answer.Header); err != nil {
				return fmt.Errorf("decode answer header: %w", err)
			}
		}
		out[i] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if got != len(round) {
		return fmt.Errorf("%d claims read back of %d", got, len(round))
	}
	return nil
}

// SaveAnswer implements idem.AnswerStore. Answers saved together are
// written together, in one statement that commits at once (see group).
func (db *DB) SaveAnswer(ctx context.Context, scope, key string, a idem.Answer) error {
	header, err := json.Marshal(a.Header)
	if err != nil {
		return wrap("encode answer header", err)
	}
	if a.Body == nil {
		a.Body = []byte{}
	}
	if _, err := db.saves.Do(ctx, answerSave{scope: scope, key: key, status: a.Status, header: string(header), body: a.Body}); err != nil {
		return wrap("save answer", err)
	}
	return nil
}

type answerSave struct {
	scope, key, header string
	status             int
	body               []byte
}

// saveAnswers writes a batch of answers. Only a key's claimer saves it, so
// the keys of a batch are distinct.
func (db *DB) saveAnswers(ctx context.Context, saves []answerSave) ([]struct{}, error) {
	n := len(saves)
	scopes, keys, headers := make([]string, n), make([]string, n), make([]string, n)
	statuses, bodies := make([]int32, n), make([][]byte, n)
	for i, s := range saves {
		scopes[i], keys[i], headers[i], statuses[i], bodies[i] = s.scope, s.key, s.header, int32(s.status), s.body
	}
	_, err := db.execUnsynced(ctx, unsynced{`UPDATE request_answers AS r SET done = true, status = u.status, header = u.header, body = u.body
		FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bytea[]) AS u(scope, key, status, header, body)
		WHERE r.scope = u.scope AND r.key = u.key`, []any{scopes, keys, statuses, headers, bodies}})
	if err != nil {
		return nil, err
	}
	return make([]struct{}, n), nil
}

// ReleaseAnswer implements idem.AnswerStore: a key none of whose
// transactions committed is forgotten, one that committed is left stale,
// dated idem.StaleMargin back.
func (db *DB) ReleaseAnswer(ctx context.Context, scope, key string) error {
	staleAt := time.Now().Add(-idem.StaleMargin)
	_, err := db.execUnsynced(ctx,
		unsynced{`DELETE FROM request_answers WHERE scope = $1 AND key = $2 AND NOT done AND NOT committed`, []any{scope, key}},
		unsynced{`UPDATE request_answers SET claimed_at = $3 WHERE scope = $1 AND key = $2 AND NOT done AND committed`, []any{scope, key, staleAt}})
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

// answerBatch bounds the claims or answers written in one statement.
const answerBatch = 128

var _ idem.Pruner = (*DB)(nil)

// PruneKept implements idem.Pruner: the answers and the results kept
// before before, up to limit of each, picked by their place in the table.
// Answers lost (a transaction of their request committed, their answer
// never came) go too, by the date of their claim: a retry after the
// pruning runs again, as after any answer's. A claim still held stays.
func (db *DB) PruneKept(ctx context.Context, before time.Time, limit int) (int, error) {
	n := 0
	for _, q := range []string{
		`DELETE FROM request_answers WHERE ctid IN (SELECT ctid FROM request_answers WHERE (done OR committed) AND claimed_at < $1 LIMIT $2)`,
		`DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`,
	} {
		tag, err := db.pool.Exec(ctx, q, before, limit)
		if err != nil {
			return n, fmt.Errorf("prune kept answers: %w", err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}
