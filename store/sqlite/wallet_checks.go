package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"cityhub/wallet"
)

// SaveCheck implements wallet.Tx.
func (tx *Tx) SaveCheck(ctx context.Context, c wallet.CheckedAt) error {
	result, err := json.Marshal(c.LedgerCheck)
	if err != nil {
		return wrap("encode ledger check", err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO ledger_checks (started_at, ok, result) VALUES (?, ?, ?)`, toMicros(c.At), c.OK(), string(result))
	return wrap("keep ledger check", err)
}

// LatestSavedCheck implements wallet.Tx.
func (tx *Tx) LatestSavedCheck(ctx context.Context) (wallet.CheckedAt, bool, error) {
	var c wallet.CheckedAt
	var at int64
	var result string
	err := tx.q.QueryRowContext(ctx, `SELECT started_at, result FROM ledger_checks ORDER BY started_at DESC, id DESC LIMIT 1`).Scan(&at, &result)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, wrap("read latest ledger check", err)
	}
	if err := json.Unmarshal([]byte(result), &c.LedgerCheck); err != nil {
		return c, false, wrap("decode latest ledger check", err)
	}
	c.At = fromMicros(at)
	return c, true, nil
}
