package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"

	"github.com/jackc/pgx/v5"
)

// PeekAccounts reads a database without opening it for use: one that does
// not exist or was never migrated holds no account and stays as it was
// (no file made, no table created); a migrated one says how many accounts
// it holds and whether the address is one of them.
func TestPeekAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	pgURL := storetest.PostgresURL(t)
	for _, c := range []struct{ engine, url, dir string }{{"sqlite", "", dir}, {"postgres", pgURL, ""}} {
		t.Run(c.engine, func(t *testing.T) {
			n, found, err := store.PeekAccounts(ctx, c.url, c.dir, "anna@example.org")
			if err != nil || n != 0 || found {
				t.Fatalf("a database never opened: %d %v %v", n, found, err)
			}
			if c.url == "" {
				if _, err := os.Stat(filepath.Join(c.dir, store.SQLiteFile)); !os.IsNotExist(err) {
					t.Fatalf("peeking made the database file: %v", err)
				}
			} else {
				conn, err := pgx.Connect(ctx, c.url)
				if err != nil {
					t.Fatal(err)
				}
				var tables int
				err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables)
				conn.Close(ctx)
				if err != nil || tables != 0 {
					t.Fatalf("peeking changed the schema: %d tables, %v", tables, err)
				}
			}
			db, err := store.Open(ctx, c.url, c.dir, storetest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if n, found, err := store.PeekAccounts(ctx, c.url, c.dir, "anna@example.org"); err != nil || n != 0 || found {
				t.Fatalf("a migrated database without accounts: %d %v %v", n, found, err)
			}
			ids := identity.NewService(db.Identity(), nil, identity.Options{Argon2: identity.FastArgon2}, nil)
			if _, _, err := ids.EnsureAccount(ctx, identity.NewAccount{Email: "Anna@Example.org", Password: "a long enough password", Name: "Anna",
				Grants: []identity.Grant{{Role: identity.RoleCitizen}}}); err != nil {
				t.Fatal(err)
			}
			if n, found, err := store.PeekAccounts(ctx, c.url, c.dir, "anna@example.org"); err != nil || n != 1 || !found {
				t.Fatalf("one account, the one asked for: %d %v %v", n, found, err)
			}
			if n, found, err := store.PeekAccounts(ctx, c.url, c.dir, "bruno@example.org"); err != nil || n != 1 || found {
				t.Fatalf("one account, not the one asked for: %d %v %v", n, found, err)
			}
		})
	}
}
