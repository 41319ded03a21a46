package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PeekAccounts reads how many accounts the database at url holds and
// whether one has the normalised address emailNorm, on one connection of
// its own, without migrating or writing anything: 0 and false for a
// database never migrated. It lets a command refuse a database before
// opening it for use (Open applies migrations).
func PeekAccounts(ctx context.Context, url, emailNorm string) (n int, found bool, err error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, false, fmt.Errorf("connect to the database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('accounts') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, false, wrap("peek at the accounts table", err)
	}
	if !exists {
		return 0, false, nil
	}
	if err := conn.QueryRow(ctx, `SELECT count(*), COALESCE(bool_or(email_norm = $1), false) FROM accounts`, emailNorm).Scan(&n, &found); err != nil {
		return 0, false, wrap("peek at accounts", err)
	}
	return n, found, nil
}
