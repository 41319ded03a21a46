package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/audit"
	"cityhub/idem"
)

// ClaimIdempotencyKey implements idem.Tx. ON CONFLICT DO NOTHING waits for a
// concurrent transaction holding the same key, so a racing replay sees the
// first answer once it commits.
func (tx *Tx) ClaimIdempotencyKey(ctx context.Context, scope, key, hash string) (bool, string, []byte, error) {
	tag, err := tx.q.Exec(ctx, claimKeySQL, scope, key, hash)
	if err != nil {
		return false, "", nil, wrap("claim idempotency key", err)
	}
	if tag.RowsAffected() == 1 {
		return true, "", nil, nil
	}
	return tx.storedKey(ctx, scope, key)
}

// storedKey reads a key that its claim found taken.
func (tx *Tx) storedKey(ctx context.Context, scope, key string) (bool, string, []byte, error) {
	found, storedHash, resp, err := tx.IdempotentResponse(ctx, scope, key)
	if err == nil && !found {
		err = errors.New("read idempotency key: its claim found it, and now it is gone")
	}
	return false, storedHash, resp, err
}

var _ idem.LaterClaimer = (*Tx)(nil)

// claimKeySQL claims a key unless it exists (ClaimIdempotencyKey).
const claimKeySQL = `INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
		VALUES ($1, $2, $3, 0, '') ON CONFLICT (scope, key) DO NOTHING`

// ClaimIdempotencyKeyLater implements idem.LaterClaimer: the claim is
// queued (pipeline.go) and goes with the transaction's next statement; its
// command tag says whether it claimed the key. A key that exists is read
// when outcome is called, in one more round trip: a retry's, which the
// first request's answer then serves.
func (tx *Tx) ClaimIdempotencyKeyLater(ctx context.Context, scope, key, hash string) (func(context.Context) (bool, string, []byte, error), error) {
	answered, claimed := false, false
	err := tx.later(ctx, deferred{what: "claim idempotency key", sql: claimKeySQL, args: []any{scope, key, hash},
		check: func(tag pgconn.CommandTag) error {
			answered, claimed = true, tag.RowsAffected() == 1
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (bool, string, []byte, error) {
		if !answered && tx.pipe != nil {
			if err := tx.pipe.flush(ctx); err != nil {
				return false, "", nil, wrap("claim idempotency key", err)
			}
		}
		if !answered {
			return false, "", nil, errors.New("claim idempotency key: the claim was not answered")
		}
		if claimed {
			return true, "", nil, nil
		}
		return tx.storedKey(ctx, scope, key)
	}, nil
}

// IdempotentResponse implements idem.Tx.
func (tx *Tx) IdempotentResponse(ctx context.Context, scope, key string) (bool, string, []byte, error) {
	var storedHash string
	var resp []byte
	err := tx.q.QueryRow(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`, scope, key).Scan(&storedHash, &resp)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, "", nil, nil
	}
	if err != nil {
		return false, "", nil, wrap("read idempotency key", err)
	}
	return true, storedHash, resp, nil
}

// SaveIdempotentResponse implements idem.Tx.
func (tx *Tx) SaveIdempotentResponse(ctx context.Context, scope, key string, response []byte) error {
	// Queued to ride with the next statement or the commit (pipeline.go):
	// the key is this transaction's own.
	return tx.later(ctx, deferred{what: "save idempotent response",
		sql:  `UPDATE idempotency_keys SET response = $3, status = 1 WHERE scope = $1 AND key = $2`,
		args: []any{scope, key, response}})
}

// AppendAudit implements audit.Tx.
func (tx *Tx) AppendAudit(ctx context.Context, e audit.Entry) error {
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return wrap("encode audit detail", err)
	}
	if e.Detail == nil {
		detail = []byte("{}")
	}
	// Queued to ride with the next statement or the commit (pipeline.go):
	// nothing reads an audit entry back in the transaction that writes it.
	return tx.later(ctx, deferred{what: "append audit entry",
		sql: `INSERT INTO audit_log (actor_id, action, object_type, object_id, shop_id, device, ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		args: []any{e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.ShopID, e.Device, e.IP, detail}})
}

// ListAudit implements audit.Tx.
func (tx *Tx) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	types := f.ObjectTypes
	if types == nil {
		types = []string{} // NULL would match nothing
	}
	rows, err := tx.q.Query(ctx, `SELECT id, at, actor_id, action, object_type, object_id, shop_id, device, ip, detail
		FROM audit_log
		WHERE ($1 = '' OR action = $1) AND ($2 = '' OR object_type = $2) AND ($3 = '' OR object_id = $3)
		  AND ($4 = '' OR shop_id = $4) AND ($5::timestamptz IS NULL OR at >= $5) AND id > $6
		  AND (cardinality($8::text[]) = 0 OR object_type = ANY($8))
		ORDER BY id LIMIT $7`, f.Action, f.ObjectType, f.ObjectID, f.ShopID, nullTime(f.Since), f.AfterID, f.Limit, types)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (audit.Entry, error) {
		var e audit.Entry
		var detail []byte
		if err := r.Scan(&e.ID, &e.At, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &e.ShopID, &e.Device, &e.IP, &detail); err != nil {
			return e, err
		}
		if len(detail) > 2 {
			if err := json.Unmarshal(detail, &e.Detail); err != nil {
				return e, errors.Join(errors.New("decode audit detail"), err)
			}
		}
		e.At = e.At.UTC()
		return e, nil
	})
	if err != nil {
		return nil, wrap("list audit", err)
	}
	return out, nil
}
