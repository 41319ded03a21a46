package postgres

import (
	"context"

	"cityhub/identity"
)

type identityStore struct{ db *DB }

// Identity is identity's view of the database.
func (db *DB) Identity() identity.Store { return identityStore{db} }

func (s identityStore) InTx(ctx context.Context, fn func(identity.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s identityStore) View(ctx context.Context, fn func(identity.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}
