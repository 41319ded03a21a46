package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	migrationfiles "cityhub/store/migrations"
)

// MigrationStatus connects to url and reports, without changing anything,
// the highest applied migration and how many are still to apply; an error
// if the database cannot be reached or records a migration this binary does
// not know. A database without the migrations table has every migration
// pending.
func MigrationStatus(ctx context.Context, url string) (version, pending int, err error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, 0, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	files, err := migrationfiles.List(migrations)
	if err != nil {
		return 0, 0, err
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	if !exists {
		return 0, len(files), nil
	}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return 0, 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	todo, err := migrationfiles.Pending(applied, files)
	if err != nil {
		return 0, 0, err
	}
	for _, v := range applied {
		version = max(version, v)
	}
	return version, len(todo), nil
}
