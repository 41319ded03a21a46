// Package storetest gives tests real databases: a PostgreSQL schema of its
// own per test (fresh, or migrated and emptied from a pool) and a fresh
// SQLite file per test. Each runs a test
// against both engines, so both are held to one conformance suite.
package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/ids"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
)

// DefaultPostgresURL is used when CITYHUB_TEST_DATABASE_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// BaseURL is the PostgreSQL server tests use.
func BaseURL() string {
	if u := os.Getenv("CITYHUB_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// PostgresURL creates an empty schema for tb, with no migration applied, and
// returns a database URL whose search_path points at it. The schema is
// dropped when tb ends. Tests that want a migrated store use OpenPostgres or
// MigratedPostgresURL, which are cheaper.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	base := BaseURL()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to test postgres %s (start it, or set CITYHUB_TEST_DATABASE_URL): %v", base, err)
	}
	defer conn.Close(ctx)
	schema := "t_" + strings.TrimPrefix(ids.New("x"), "x_")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create test schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop test schema: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop test schema: %v", err)
		}
	})
	return withSearchPath(tb, base, schema)
}

// withSearchPath is the server's URL base with search_path set to schema.
func withSearchPath(tb testing.TB, base, schema string) string {
	tb.Helper()
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MigratedPostgresURL returns the URL of a schema with every migration
// applied and no rows but those the migrations write, held for tb alone: a
// pooled one when it can (see pool.go), else a fresh one migrated here.
func MigratedPostgresURL(tb testing.TB) string {
	tb.Helper()
	if u := pooledPostgresURL(tb); u != "" {
		return u
	}
	u := PostgresURL(tb)
	db, err := postgres.Open(context.Background(), u, Logger(tb))
	if err != nil {
		tb.Fatalf("migrate test schema: %v", err)
	}
	db.Close()
	return u
}

// PostgresSessions counts the sessions connected to the test server under
// application_name application. A client killed mid-commit leaves its
// session behind until the server has finished what it was sent; a test
// that kills one waits for this to reach zero before it reads what is left.
func PostgresSessions(tb testing.TB, application string) int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		tb.Fatalf("connect to test postgres: %v", err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, application).Scan(&n); err != nil {
		tb.Fatalf("count sessions of %s: %v", application, err)
	}
	return n
}

// Logger is a quiet logger for stores in tests.
func Logger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// OpenPostgres opens a migrated store in an empty schema of its own.
func OpenPostgres(tb testing.TB) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), MigratedPostgresURL(tb), Logger(tb))
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// OpenSQLite opens a migrated store in a fresh file: a copy of a file the
// migrations ran on once in this process. Under the race detector the
// migrations take SQLite (C translated to Go, every memory access checked)
// 1.5 to 2.5 s per file; copying the result takes a millisecond, and the store
// still opens through sqlite.Open, which finds every migration applied.
// store/sqlite's own tests migrate empty files.
func OpenSQLite(tb testing.TB) *sqlite.DB {
	tb.Helper()
	image, err := migratedSQLite()
	if err != nil {
		tb.Fatalf("migrate sqlite template: %v", err)
	}
	// The store refuses a file in a directory others may read, as it would
	// hold a hub's keys.
	dir := tb.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		tb.Fatalf("make test directory private: %v", err)
	}
	path := filepath.Join(dir, "test.db")
	if err := os.WriteFile(path, image, 0o600); err != nil {
		tb.Fatalf("copy sqlite template: %v", err)
	}
	db, err := sqlite.Open(context.Background(), path, Logger(tb))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// migratedSQLite returns the bytes of a freshly migrated SQLite file, made
// once per test process and kept in memory, so no file outlives the tests.
var migratedSQLite = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "cityhub-sqlite-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	db, err := sqlite.Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	// Closing the last connection checkpoints the write-ahead log into the
	// file and removes it, so the file alone is the whole database.
	if err := db.Close(); err != nil {
		return nil, err
	}
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > 0 {
		return nil, fmt.Errorf("%s-wal still holds %d bytes after close", path, st.Size())
	}
	return os.ReadFile(path)
})

// Engines lists the engines every store test runs on.
var Engines = []string{"postgres", "sqlite"}

// Open opens a fresh store of the named engine.
func Open(tb testing.TB, engine string) store.DB {
	tb.Helper()
	switch engine {
	case "postgres":
		return OpenPostgres(tb)
	case "sqlite":
		return OpenSQLite(tb)
	}
	panic(fmt.Sprintf("unknown engine %q", engine))
}

// Each runs fn as a subtest on each engine with a fresh store.
func Each(t *testing.T, fn func(t *testing.T, db store.DB)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}

// Behind runs a statement on db behind the services' backs, as a bug or a
// hand at the console would: the tests of a check that must find such
// damage make it with this.
func Behind(tb testing.TB, db store.DB, sql string) {
	tb.Helper()
	if err := Exec(tb, db, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}
