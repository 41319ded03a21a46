package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/store/postgres"
)

// A migrated PostgreSQL schema costs the server about a quarter of a second
// of CPU (some thirty migrations of DDL), and the suite opened some 250 of
// them, one per test and engine: on a two-core machine that was a large
// share of the whole run. The pool keeps migrated schemas in the test
// database and hands each test one that no other test holds, emptied.
//
// A pooled schema is named after the migrations it was made with, so a
// change to any migration file makes new ones. It is held by a session
// advisory lock on a connection kept open until the test ends, so test
// binaries running side by side never share one, and a crashed binary's
// hold ends with its connection. It is emptied when it is taken, not when it
// is given back, so a test that died half-way leaves nothing behind.
//
// Emptying deletes every row and puts back what the migrations wrote (the
// schema_migrations rows); DELETE costs a millisecond where TRUNCATE, which
// makes new files for every table and index, cost more than migrating. A
// schema whose tables or indexes a test changed, one that grew large, or one
// reused many times (its dead rows are never vacuumed on a server without
// autovacuum) is dropped and made again instead.

const (
	poolLockClass = 727275 // advisory lock class of pooled schemas
	poolMaxUses   = 24     // reuses before a schema is made afresh
	poolMaxBytes  = 16 << 20
)

// migrationsDigest identifies the migrations this source tree makes; empty
// when the files cannot be read (then every test gets a fresh schema).
var migrationsDigest = sync.OnceValue(func() string {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	dir := filepath.Join(filepath.Dir(self), "..", "postgres", "migrations")
	names, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil || len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return ""
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(n), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
})

// pooledPostgresURL returns the URL of a migrated, empty schema held for tb,
// or "" when no pool can be used.
func pooledPostgresURL(tb testing.TB) string {
	tb.Helper()
	digest := migrationsDigest()
	if digest == "" || os.Getenv("CITYHUB_TEST_FRESH_SCHEMAS") != "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	holder, err := pgx.Connect(ctx, BaseURL())
	if err != nil {
		tb.Fatalf("connect to test postgres %s (start it, or set CITYHUB_TEST_DATABASE_URL): %v", BaseURL(), err)
	}
	var schema string
	for n := 0; schema == ""; n++ {
		name := fmt.Sprintf("pool_%s_%d", digest, n)
		var got bool
		if err := holder.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, poolLockClass, name).Scan(&got); err != nil {
			holder.Close(ctx)
			tb.Fatalf("take pooled schema %s: %v", name, err)
		}
		if got {
			schema = name
		}
	}
	tb.Cleanup(func() { giveBack(tb, holder, schema) })
	url := withSearchPath(tb, schema)
	if err := readyPooled(ctx, holder, schema, url); err != nil {
		tb.Fatalf("pooled schema %s: %v", schema, err)
	}
	return url
}

// readyPooled empties schema for a new test, or makes it afresh.
func readyPooled(ctx context.Context, conn *pgx.Conn, schema, url string) error {
	meta := schema + "_meta"
	var signature string
	var uses int
	err := conn.QueryRow(ctx, `SELECT signature, uses FROM `+meta+`.pool`).Scan(&signature, &uses)
	if err == nil && uses < poolMaxUses {
		var now string
		if now, err = catalogSignature(ctx, conn, schema); err != nil {
			return err
		}
		// Emptying needs the replica role, which only a superuser may set;
		// on a server that refuses it the schema is made afresh instead.
		if now == signature && empty(ctx, conn, schema) == nil {
			return nil
		}
	}
	return remake(ctx, conn, schema, url)
}

// catalogSignature sums up the relations of schema (tables, indexes,
// sequences) and their columns, so a test's DDL is noticed.
func catalogSignature(ctx context.Context, conn *pgx.Conn, schema string) (string, error) {
	var sig string
	err := conn.QueryRow(ctx, `
		SELECT coalesce(md5(string_agg(c.relname || ':' || c.relkind::text || ':' ||
			(SELECT coalesce(string_agg(a.attname || ' ' || a.atttypid::text || ' ' || a.attnotnull::text, ',' ORDER BY a.attnum), '')
			 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
			';' ORDER BY c.relname)), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1`, schema).Scan(&sig)
	if err != nil {
		return "", fmt.Errorf("read catalog: %w", err)
	}
	return sig, nil
}

// remake drops schema and migrates it anew through the store itself, then
// keeps a copy of every row the migrations wrote and the catalog signature.
func remake(ctx context.Context, conn *pgx.Conn, schema, url string) error {
	meta := schema + "_meta"
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE; DROP SCHEMA IF EXISTS `+meta+` CASCADE; CREATE SCHEMA `+schema); err != nil {
		return fmt.Errorf("drop and create: %w", err)
	}
	db, err := postgres.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	db.Close()
	dropStale(ctx, conn)
	tables, err := poolTables(ctx, conn, schema)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE SCHEMA %s;", meta)
	for _, t := range tables {
		var rows bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+schema+`.`+t+`)`).Scan(&rows); err != nil {
			return fmt.Errorf("read %s: %w", t, err)
		}
		if rows {
			fmt.Fprintf(&b, "CREATE TABLE %s.%s AS SELECT * FROM %s.%s;", meta, t, schema, t)
		}
	}
	if _, err := conn.Exec(ctx, b.String()); err != nil {
		return fmt.Errorf("keep the migrations' rows: %w", err)
	}
	sig, err := catalogSignature(ctx, conn, schema)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE `+meta+`.pool (signature TEXT NOT NULL, uses INTEGER NOT NULL); INSERT INTO `+meta+`.pool VALUES ('`+sig+`', 0)`); err != nil {
		return fmt.Errorf("record the catalog: %w", err)
	}
	return nil
}

// empty deletes every row of schema, puts the migrations' rows back and
// restarts its sequences, in one implicit transaction. Foreign keys are
// triggers, which the replica role does not fire, so the order of the
// deletes does not matter.
func empty(ctx context.Context, conn *pgx.Conn, schema string) error {
	meta := schema + "_meta"
	tables, err := poolTables(ctx, conn, schema)
	if err != nil {
		return err
	}
	kept, err := poolTables(ctx, conn, meta)
	if err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = $1`, schema)
	if err != nil {
		return fmt.Errorf("list sequences: %w", err)
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list sequences: %w", err)
	}
	var b strings.Builder
	b.WriteString("SET LOCAL session_replication_role = replica;")
	for _, t := range tables {
		fmt.Fprintf(&b, "DELETE FROM %s.%s;", schema, t)
	}
	for _, t := range kept {
		if t != "pool" {
			fmt.Fprintf(&b, "INSERT INTO %s.%s OVERRIDING SYSTEM VALUE SELECT * FROM %s.%s;", schema, t, meta, t)
		}
	}
	for _, s := range seqs {
		fmt.Fprintf(&b, "ALTER SEQUENCE %s.%s RESTART;", schema, s)
	}
	fmt.Fprintf(&b, "UPDATE %s.pool SET uses = uses + 1;", meta)
	if _, err := conn.Exec(ctx, "BEGIN;"+b.String()+"COMMIT;"); err != nil {
		// A failed statement leaves the explicit transaction open and
		// aborted; end it so the connection can make the schema afresh.
		conn.Exec(ctx, "ROLLBACK") //nolint:errcheck
		return fmt.Errorf("empty: %w", err)
	}
	return nil
}

func poolTables(ctx context.Context, conn *pgx.Conn, schema string) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, schema)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return tables, nil
}

// giveBack lets the schema go. One that grew large is dropped first, so
// the next test neither deletes its rows nor scans what they leave.
func giveBack(tb testing.TB, conn *pgx.Conn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defer conn.Close(ctx)
	var size int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&size); err != nil {
		tb.Errorf("size of pooled schema %s: %v", schema, err)
		return
	}
	if size > poolMaxBytes {
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+`_meta CASCADE; DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop large pooled schema %s: %v", schema, err)
		}
	}
}

// dropStale drops the pooled schemas of other migrations (an older
// checkout's) that no test holds, so the test database does not keep every
// generation of them.
func dropStale(ctx context.Context, conn *pgx.Conn) {
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace
		WHERE nspname LIKE 'pool\_%' AND nspname NOT LIKE '%\_meta' AND nspname NOT LIKE $1`, "pool\\_"+migrationsDigest()+"\\_%")
	if err != nil {
		return
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range stale {
		var got bool
		if conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, poolLockClass, name).Scan(&got) != nil || !got {
			continue
		}
		conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+name+`_meta CASCADE; DROP SCHEMA IF EXISTS `+name+` CASCADE`) //nolint:errcheck
		conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, poolLockClass, name)                    //nolint:errcheck
	}
}
