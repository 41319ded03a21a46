package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// PeekAccounts reads how many accounts the database file at path holds and
// whether one has the normalised address emailNorm, without migrating it
// or writing to it: 0 and false for a file that does not exist yet or was
// never migrated. It lets a command refuse a database before opening it
// for use (Open applies migrations).
func PeekAccounts(ctx context.Context, path, emailNorm string) (n int, found bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return 0, false, fmt.Errorf("peek at %s: %w", path, err)
	}
	defer db.Close()
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'accounts'`).Scan(&tables); err != nil {
		return 0, false, fmt.Errorf("peek at %s: %w", path, err)
	}
	if tables == 0 {
		return 0, false, nil
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*), COALESCE(max(email_norm = ?), 0) FROM accounts`, emailNorm).Scan(&n, &found); err != nil {
		return 0, false, fmt.Errorf("peek at accounts in %s: %w", path, err)
	}
	return n, found, nil
}
