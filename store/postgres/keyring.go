package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"cityhub/keyring"
)

type keyringStore struct{ db *DB }

// Keyring is the keyring's view of the database.
func (db *DB) Keyring() keyring.Store { return keyringStore{db} }

// AddSigningKeyIfAbsent implements keyring.Store. The partial unique index on
// (purpose) WHERE current makes the insert of a second current key a no-op,
// even when two hubs insert at the same moment.
func (s keyringStore) AddSigningKeyIfAbsent(ctx context.Context, k keyring.StoredKey) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO signing_keys (id, purpose, private_key, sealed_by, current, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, k.ID, k.Purpose, k.PKCS8, k.SealedBy, k.Current, k.CreatedAt)
	if err != nil {
		return wrap("insert signing key", err)
	}
	return nil
}

// SigningKeys implements keyring.Store.
func (s keyringStore) SigningKeys(ctx context.Context) ([]keyring.StoredKey, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT id, purpose, private_key, sealed_by, current, created_at FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (keyring.StoredKey, error) {
		var k keyring.StoredKey
		err := r.Scan(&k.ID, &k.Purpose, &k.PKCS8, &k.SealedBy, &k.Current, &k.CreatedAt)
		k.CreatedAt = k.CreatedAt.UTC()
		return k, err
	})
	if err != nil {
		return nil, wrap("list signing keys", err)
	}
	return out, nil
}

// ResealSigningKey implements keyring.Store.
func (s keyringStore) ResealSigningKey(ctx context.Context, id string, pkcs8 []byte, sealedBy, was string) (bool, error) {
	tag, err := s.db.pool.Exec(ctx, `UPDATE signing_keys SET private_key = $2, sealed_by = $3 WHERE id = $1 AND sealed_by = $4`,
		id, pkcs8, sealedBy, was)
	if err != nil {
		return false, wrap("reseal signing key", err)
	}
	return tag.RowsAffected() == 1, nil
}
