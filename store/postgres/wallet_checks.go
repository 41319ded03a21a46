package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"cityhub/wallet"
)

// SaveCheck implements wallet.Tx.
func (tx *Tx) SaveCheck(ctx context.Context, c wallet.CheckedAt) error {
	result, err := json.Marshal(c.LedgerCheck)
	if err != nil {
		return wrap("encode ledger check", err)
	}
	_, err = tx.q.Exec(ctx, `INSERT INTO ledger_checks (started_at, ok, result) VALUES ($1, $2, $3)`, c.At, c.OK(), result)
	return wrap("keep ledger check", err)
}

// LatestSavedCheck implements wallet.Tx.
func (tx *Tx) LatestSavedCheck(ctx context.Context) (wallet.CheckedAt, bool, error) {
	var c wallet.CheckedAt
	var result []byte
	err := tx.q.QueryRow(ctx, `SELECT started_at, result FROM ledger_checks ORDER BY started_at DESC, id DESC LIMIT 1`).Scan(&c.At, &result)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, wrap("read latest ledger check", err)
	}
	if err := json.Unmarshal(result, &c.LedgerCheck); err != nil {
		return c, false, wrap("decode latest ledger check", err)
	}
	c.At = c.At.UTC()
	return c, true, nil
}
