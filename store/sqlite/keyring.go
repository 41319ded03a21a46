package sqlite

import (
	"context"

	"cityhub/keyring"
)

type keyringStore struct{ db *DB }

// Keyring is the keyring's view of the database.
func (db *DB) Keyring() keyring.Store { return keyringStore{db} }

// AddSigningKeyIfAbsent implements keyring.Store. The partial unique index on
// (purpose) WHERE current makes the insert of a second current key a no-op.
func (s keyringStore) AddSigningKeyIfAbsent(ctx context.Context, k keyring.StoredKey) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.q.ExecContext(ctx, `INSERT INTO signing_keys (id, purpose, private_key, sealed_by, current, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, k.ID, k.Purpose, k.PKCS8, k.SealedBy, boolInt(k.Current), toMicros(k.CreatedAt))
		if err != nil {
			return wrap("insert signing key", err)
		}
		return nil
	})
}

// SigningKeys implements keyring.Store.
func (s keyringStore) SigningKeys(ctx context.Context) ([]keyring.StoredKey, error) {
	rows, err := s.db.write.QueryContext(ctx, `SELECT id, purpose, private_key, sealed_by, current, created_at FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	defer rows.Close()
	var out []keyring.StoredKey
	for rows.Next() {
		var k keyring.StoredKey
		var current int
		var created int64
		if err := rows.Scan(&k.ID, &k.Purpose, &k.PKCS8, &k.SealedBy, &current, &created); err != nil {
			return nil, wrap("list signing keys", err)
		}
		k.Current, k.CreatedAt = current != 0, fromMicros(created)
		out = append(out, k)
	}
	return out, rows.Err()
}

// ResealSigningKey implements keyring.Store.
func (s keyringStore) ResealSigningKey(ctx context.Context, id string, pkcs8 []byte, sealedBy, was string) (bool, error) {
	var changed bool
	err := s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.q.ExecContext(ctx, `UPDATE signing_keys SET private_key = ?, sealed_by = ? WHERE id = ? AND sealed_by = ?`,
			pkcs8, sealedBy, id, was)
		if err != nil {
			return wrap("reseal signing key", err)
		}
		n, err := res.RowsAffected()
		changed = n == 1
		return err
	})
	return changed, err
}
