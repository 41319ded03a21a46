package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"cityhub/audit"
)

// ClaimIdempotencyKey implements idem.Tx. Writes are serialized by the single
// writer connection, so no other transaction can hold the key meanwhile.
func (tx *Tx) ClaimIdempotencyKey(ctx context.Context, scope, key, hash string) (bool, string, []byte, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
		VALUES (?, ?, ?, 0, x'', ?) ON CONFLICT (scope, key) DO NOTHING`, scope, key, hash, nowMicros())
	if err != nil {
		return false, "", nil, wrap("claim idempotency key", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, "", nil, nil
	}
	var storedHash string
	var resp []byte
	err = tx.q.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key).Scan(&storedHash, &resp)
	if err != nil {
		return false, "", nil, wrap("read idempotency key", err)
	}
	return false, storedHash, resp, nil
}

// IdempotentResponse implements idem.Tx.
func (tx *Tx) IdempotentResponse(ctx context.Context, scope, key string) (bool, string, []byte, error) {
	var storedHash string
	var resp []byte
	err := tx.q.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key).Scan(&storedHash, &resp)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil, nil
	}
	if err != nil {
		return false, "", nil, wrap("read idempotency key", err)
	}
	return true, storedHash, resp, nil
}

// SaveIdempotentResponse implements idem.Tx.
func (tx *Tx) SaveIdempotentResponse(ctx context.Context, scope, key string, response []byte) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE idempotency_keys SET response = ?, status = 1 WHERE scope = ? AND key = ?`, response, scope, key)
	if err != nil {
		return wrap("save idempotent response", err)
	}
	return nil
}

// AppendAudit implements audit.Tx.
func (tx *Tx) AppendAudit(ctx context.Context, e audit.Entry) error {
	detail := []byte("{}")
	if e.Detail != nil {
		var err error
		if detail, err = json.Marshal(e.Detail); err != nil {
			return wrap("encode audit detail", err)
		}
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, action, object_type, object_id, shop_id, device, ip, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, nowMicros(), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.ShopID, e.Device, e.IP, string(detail))
	if err != nil {
		return wrap("append audit entry", err)
	}
	return nil
}

// ListAudit implements audit.Tx.
func (tx *Tx) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	if f.ObjectTypes == nil {
		f.ObjectTypes = []string{} // null would match nothing
	}
	types, err := json.Marshal(f.ObjectTypes)
	if err != nil {
		return nil, wrap("encode audit object types", err)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT id, at, actor_id, action, object_type, object_id, shop_id, device, ip, detail
		FROM audit_log
		WHERE (?1 = '' OR action = ?1) AND (?2 = '' OR object_type = ?2) AND (?3 = '' OR object_id = ?3)
		  AND (?4 = '' OR shop_id = ?4) AND at >= ?5 AND id > ?6
		  AND (json_array_length(?8) = 0 OR object_type IN (SELECT value FROM json_each(?8)))
		ORDER BY id LIMIT ?7`, f.Action, f.ObjectType, f.ObjectID, f.ShopID, toMicros(f.Since), f.AfterID, f.Limit, string(types))
	if err != nil {
		return nil, wrap("list audit", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &e.ShopID, &e.Device, &e.IP, &detail); err != nil {
			return nil, wrap("list audit", err)
		}
		e.At = fromMicros(at)
		if len(detail) > 2 {
			if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
				return nil, wrap("decode audit detail", err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
