package storetest_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"cityhub/store/storetest"
)

// schemaOf is the schema a test URL points at.
func schemaOf(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}

func connect(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func count(t *testing.T, conn *pgx.Conn, query string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// A pooled schema comes to the next test as the migrations left it: the rows
// a test wrote are gone, the migrations' own rows are back, sequences start
// again, and a table a test added makes the schema be made afresh.
func TestPooledSchemaComesBackEmpty(t *testing.T) {
	var first string
	var migrations, audit int
	t.Run("dirty", func(t *testing.T) {
		dbURL := storetest.MigratedPostgresURL(t)
		first = schemaOf(t, dbURL)
		conn := connect(t, dbURL)
		migrations = count(t, conn, `SELECT count(*) FROM schema_migrations`)
		if migrations == 0 {
			t.Fatal("no migrations recorded in a migrated schema")
		}
		audit = count(t, conn, `SELECT nextval('audit_log_id_seq')`)
		ctx := context.Background()
		if _, err := conn.Exec(ctx, `INSERT INTO ledger_accounts (id, kind) VALUES ('citizen:x', 'citizen');
			DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations);
			CREATE TABLE pool_probe (id INTEGER)`); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
	})
	t.Run("next", func(t *testing.T) {
		dbURL := storetest.MigratedPostgresURL(t)
		if got := schemaOf(t, dbURL); got != first {
			t.Skipf("another test took %s meanwhile (got %s)", first, got)
		}
		conn := connect(t, dbURL)
		if n := count(t, conn, `SELECT count(*) FROM ledger_accounts`); n != 0 {
			t.Errorf("%d ledger accounts left by the previous test", n)
		}
		if n := count(t, conn, `SELECT count(*) FROM schema_migrations`); n != migrations {
			t.Errorf("%d migrations recorded, want %d", n, migrations)
		}
		if n := count(t, conn, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'pool_probe'`); n != 0 {
			t.Error("the previous test's table is still there")
		}
		if n := count(t, conn, `SELECT nextval('audit_log_id_seq')`); n != audit {
			t.Errorf("sequence at %d, want %d", n, audit)
		}
		if _, err := conn.Exec(context.Background(), `INSERT INTO ledger_accounts (id, kind) VALUES ('citizen:y', 'citizen')`); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("again", func(t *testing.T) {
		dbURL := storetest.MigratedPostgresURL(t)
		if got := schemaOf(t, dbURL); got != first {
			t.Skipf("another test took %s meanwhile (got %s)", first, got)
		}
		conn := connect(t, dbURL)
		if n := count(t, conn, `SELECT count(*) FROM ledger_accounts`); n != 0 {
			t.Errorf("%d ledger accounts left by the previous test", n)
		}
	})
}

// Tests running at once never share a schema: each is held by its own
// session's lock until its test ends.
func TestPooledSchemasAreHeldAlone(t *testing.T) {
	seen := map[string]bool{}
	for i := range 6 {
		s := schemaOf(t, storetest.MigratedPostgresURL(t))
		if seen[s] {
			t.Fatalf("claim %d got %s, which this test already holds", i, s)
		}
		seen[s] = true
	}
}
