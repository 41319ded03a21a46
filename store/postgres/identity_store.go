package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

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

// AccountsByID implements identity.AccountsReader: the accounts of ids in
// one statement, so that the requests that authenticate together share a
// round trip.
func (s identityStore) AccountsByID(ctx context.Context, ids []string) ([]identity.Account, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = ANY($1::text[])`, ids)
	if err != nil {
		return nil, wrap("read accounts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.Account, error) { return scanAccount(r) })
	return out, wrap("read accounts", err)
}
