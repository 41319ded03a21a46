package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
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
// is given back, so a test that died half-way leaves nothing behind. When a
// test ends its session must still hold the lock; if it does not, another
// test may have used the schema meanwhile, so the test fails and the schema
// is dropped.
//
// Emptying deletes every row and puts back what the migrations wrote (the
// schema_migrations rows, and each sequence where they left it); DELETE
// costs a millisecond where TRUNCATE, which makes new files for every table
// and index, cost more than migrating. A schema whose catalog a test changed
// (see catalogSignature), one that grew large, or one reused many times (its
// dead rows are never vacuumed on a server without autovacuum) is dropped
// and made again instead.
//
// Emptying sets session_replication_role, which a role may do only as a
// superuser (or, from PostgreSQL 15, when granted SET on it). Where the test
// role may not, and where a pooled schema cannot be dropped (another role
// made it), tests get fresh schemas as they did before the pool.

const (
	poolLockClass = 727275 // advisory lock class of pooled schemas
	poolMaxUses   = 24     // reuses before a schema is made afresh
	poolMaxBytes  = 16 << 20
)

// The meta schema's own tables, beside the copies of the migrations' rows.
const (
	metaPool      = "pool"           // catalog signature and uses
	metaSequences = "pool_sequences" // each sequence as the migrations left it
)

// migrationsDigest identifies the migrations this build makes: the files
// the postgres store embeds, so it does not depend on where the source tree
// is, or on the test binary knowing it (-trimpath).
var migrationsDigest = sync.OnceValue(func() string {
	files := postgres.Migrations()
	names, err := fs.Glob(files, "*.sql")
	if err != nil || len(names) == 0 {
		panic(fmt.Sprintf("storetest: the postgres store embeds no migrations (%v)", err))
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(files, n)
		if err != nil {
			panic(fmt.Sprintf("storetest: read embedded migration %s: %v", n, err))
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
})

// replicaProbe remembers whether the test role may set
// session_replication_role, asked once per process (the role does not
// change), and says so once in the log of the test that asked.
type replicaProbe struct {
	mu   sync.Mutex
	done bool
	ok   bool
}

// processProbe is the probe of this process's test role.
var processProbe replicaProbe

func (p *replicaProbe) usable(ctx context.Context, tb testing.TB, conn *pgx.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done {
		p.done = true
		err := trySetReplicaRole(ctx, conn)
		p.ok = err == nil
		if err != nil {
			tb.Logf("storetest: the test role may not set session_replication_role, which emptying a pooled schema needs, so tests migrate fresh schemas: %v", err)
		}
	}
	return p.ok
}

// trySetReplicaRole sets the replica role in a transaction it rolls back:
// the privilege checks are those emptying meets.
func trySetReplicaRole(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, `SET LOCAL session_replication_role = replica`)
	return err
}

// schemaPool is the set of pooled schemas named prefix<n> on the server at
// base. Tests use their own prefix, so no other test takes their schemas.
type schemaPool struct {
	base   string
	prefix string
	probe  *replicaProbe
}

// pooledPostgresURL returns the URL of a migrated, empty schema held for tb,
// or "" when no pool can be used.
func pooledPostgresURL(tb testing.TB) string {
	tb.Helper()
	if os.Getenv("CITYHUB_TEST_FRESH_SCHEMAS") != "" {
		return ""
	}
	return schemaPool{base: BaseURL(), prefix: "pool_" + migrationsDigest() + "_", probe: &processProbe}.hold(tb)
}

// hold takes a schema no one holds, readies it and keeps it until tb ends.
// It returns "" when tb should migrate a fresh schema instead.
func (p schemaPool) hold(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	holder, err := pgx.Connect(ctx, p.base)
	if err != nil {
		tb.Fatalf("connect to test postgres %s (start it, or set CITYHUB_TEST_DATABASE_URL): %v", p.base, err)
	}
	if !p.probe.usable(ctx, tb, holder) {
		holder.Close(ctx)
		return ""
	}
	var schema string
	for n := 0; schema == ""; n++ {
		name := fmt.Sprintf("%s%d", p.prefix, n)
		var got bool
		if err := holder.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, poolLockClass, name).Scan(&got); err != nil {
			holder.Close(ctx)
			tb.Fatalf("take pooled schema %s: %v", name, err)
		}
		if got {
			schema = name
		}
	}
	url := withSearchPath(tb, p.base, schema)
	if err := readyPooled(ctx, holder, schema, url); err != nil {
		holder.Close(ctx)
		if de, ok := err.(dropError); ok {
			// Most likely another role made it; the test need not fail
			// for that, only go without the pool.
			tb.Logf("storetest: %v; this test migrates a fresh schema", de)
			return ""
		}
		tb.Fatalf("pooled schema %s: %v", schema, err)
	}
	tb.Cleanup(func() { giveBack(tb, p.base, holder, schema) })
	return url
}

// dropError is a pooled schema that could not be dropped.
type dropError struct {
	schema string
	err    error
}

func (e dropError) Error() string { return fmt.Sprintf("drop pooled schema %s: %v", e.schema, e.err) }

// readyPooled empties schema for a new test, or makes it afresh.
func readyPooled(ctx context.Context, conn *pgx.Conn, schema, url string) error {
	meta := schema + "_meta"
	var signature string
	var uses int
	err := conn.QueryRow(ctx, `SELECT signature, uses FROM `+meta+`.`+metaPool).Scan(&signature, &uses)
	if err == nil && uses < poolMaxUses {
		var now string
		if now, err = catalogSignature(ctx, conn, schema); err != nil {
			return err
		}
		if now == signature && empty(ctx, conn, schema) == nil {
			return nil
		}
	}
	return remake(ctx, conn, schema, url)
}

// queryRower is a connection or a transaction.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// catalogSignature sums up everything DDL can change in schema: its
// relations (tables, indexes and their definitions, sequences, views) with
// their columns, column defaults, constraints, non-internal triggers,
// functions and types. Emptying restores rows only, so any difference
// means a test changed the schema itself and it must be made afresh.
func catalogSignature(ctx context.Context, q queryRower, schema string) (string, error) {
	var sig string
	// The catalogs of a test server without autovacuum are mostly dead rows
	// (every test made and dropped a schema), and pg_class, pg_constraint and
	// pg_trigger have no index on the namespace: the schema's relations and
	// types are found in one scan each, the rest by their indexes on them.
	err := q.QueryRow(ctx, `
		WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = $1),
		r AS (SELECT array_agg(oid) AS oids FROM pg_class WHERE relnamespace = (SELECT oid FROM ns)),
		ty AS (SELECT array_agg(oid) AS oids FROM pg_type WHERE typnamespace = (SELECT oid FROM ns))
		SELECT md5(concat_ws(E'\n',
			(SELECT string_agg(c.relname || ':' || c.relkind::text || ':' ||
				coalesce(CASE WHEN c.relkind IN ('i', 'I') THEN pg_get_indexdef(c.oid)
					WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END, '') || ':' ||
				(SELECT coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' ||
					a.attnotnull::text || ' ' || a.attidentity::text || a.attgenerated::text, ',' ORDER BY a.attnum), '')
				 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
				';' ORDER BY c.relname)
			 FROM pg_class c WHERE c.oid = ANY ((SELECT oids FROM r)::oid[])),
			(SELECT string_agg(d.adrelid::regclass::text || '.' || d.adnum::text || ' = ' || pg_get_expr(d.adbin, d.adrelid),
				';' ORDER BY d.adrelid::regclass::text, d.adnum)
			 FROM pg_attrdef d WHERE d.adrelid = ANY ((SELECT oids FROM r)::oid[])),
			(SELECT string_agg(con.conrelid::regclass::text || '.' || con.contypid::regtype::text || '.' ||
				con.conname || ' ' || pg_get_constraintdef(con.oid) || ' ' || con.convalidated::text,
				';' ORDER BY con.conrelid::regclass::text, con.contypid::regtype::text, con.conname)
			 FROM (SELECT * FROM pg_constraint WHERE conrelid = ANY ((SELECT oids FROM r)::oid[])
				UNION ALL SELECT * FROM pg_constraint WHERE contypid = ANY ((SELECT oids FROM ty)::oid[])) con),
			(SELECT string_agg(pg_get_triggerdef(tg.oid) || ' ' || tg.tgenabled::text,
				';' ORDER BY tg.tgrelid::regclass::text, tg.tgname)
			 FROM pg_trigger tg WHERE tg.tgrelid = ANY ((SELECT oids FROM r)::oid[]) AND NOT tg.tgisinternal),
			(SELECT string_agg(p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' ||
				p.prokind::text || ' ' || coalesce(pg_get_function_result(p.oid), '') || ' ' ||
				md5(coalesce(p.prosrc, '')),
				';' ORDER BY p.proname, pg_get_function_identity_arguments(p.oid))
			 FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM ns)),
			(SELECT string_agg(t.typname || ':' || t.typtype::text || ':' ||
				coalesce(format_type(t.typbasetype, t.typtypmod), '') || ':' ||
				(SELECT coalesce(string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder), '')
				 FROM pg_enum e WHERE e.enumtypid = t.oid),
				';' ORDER BY t.typname)
			 FROM pg_type t WHERE t.oid = ANY ((SELECT oids FROM ty)::oid[]))
		))`, schema).Scan(&sig)
	if err != nil {
		return "", fmt.Errorf("read catalog: %w", err)
	}
	return sig, nil
}

// remake drops schema and migrates it anew through the store itself, then
// keeps a copy of every row the migrations wrote, where they left each
// sequence, and the catalog signature.
func remake(ctx context.Context, conn *pgx.Conn, schema, url string) error {
	meta := schema + "_meta"
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE; DROP SCHEMA IF EXISTS `+meta+` CASCADE`); err != nil {
		return dropError{schema, err}
	}
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		return fmt.Errorf("create: %w", err)
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
	seqs, err := poolSequences(ctx, conn, schema)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE SCHEMA %s;", meta)
	for _, t := range tables {
		if t == metaPool || t == metaSequences {
			return fmt.Errorf("the migrations make a table %s, which the pool's own tables would shadow", t)
		}
		var rows bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{schema, t}.Sanitize()+`)`).Scan(&rows); err != nil {
			return fmt.Errorf("read %s: %w", t, err)
		}
		if rows {
			fmt.Fprintf(&b, "CREATE TABLE %s AS SELECT * FROM %s;", pgx.Identifier{meta, t}.Sanitize(), pgx.Identifier{schema, t}.Sanitize())
		}
	}
	fmt.Fprintf(&b, "CREATE TABLE %s.%s (name TEXT NOT NULL, last_value BIGINT NOT NULL, is_called BOOLEAN NOT NULL);", meta, metaSequences)
	for _, s := range seqs {
		fmt.Fprintf(&b, "INSERT INTO %s.%s SELECT %s, last_value, is_called FROM %s;", meta, metaSequences, quoteLiteral(s), pgx.Identifier{schema, s}.Sanitize())
	}
	if _, err := conn.Exec(ctx, b.String()); err != nil {
		return fmt.Errorf("keep the migrations' rows: %w", err)
	}
	sig, err := catalogSignature(ctx, conn, schema)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE `+meta+`.`+metaPool+` (signature TEXT NOT NULL, uses INTEGER NOT NULL); INSERT INTO `+meta+`.`+metaPool+` VALUES (`+quoteLiteral(sig)+`, 0)`); err != nil {
		return fmt.Errorf("record the catalog: %w", err)
	}
	return nil
}

// empty deletes every row of schema, puts the migrations' rows back and
// sets each sequence back where the migrations left it (RESTART would put
// it at its start), in one transaction. Foreign keys are triggers, which
// the replica role does not fire, so the order of the deletes does not
// matter.
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
	var b strings.Builder
	b.WriteString("SET LOCAL session_replication_role = replica;")
	for _, t := range tables {
		fmt.Fprintf(&b, "DELETE FROM %s;", pgx.Identifier{schema, t}.Sanitize())
	}
	for _, t := range kept {
		if t != metaPool && t != metaSequences {
			fmt.Fprintf(&b, "INSERT INTO %s OVERRIDING SYSTEM VALUE SELECT * FROM %s;", pgx.Identifier{schema, t}.Sanitize(), pgx.Identifier{meta, t}.Sanitize())
		}
	}
	fmt.Fprintf(&b, "SELECT setval(format('%%I.%%I', %s, name)::regclass, last_value, is_called) FROM %s.%s;", quoteLiteral(schema), meta, metaSequences)
	fmt.Fprintf(&b, "UPDATE %s.%s SET uses = uses + 1;", meta, metaPool)
	if _, err := conn.Exec(ctx, "BEGIN;"+b.String()+"COMMIT;"); err != nil {
		// A failed statement leaves the explicit transaction open and
		// aborted; end it so the connection can make the schema afresh.
		conn.Exec(ctx, "ROLLBACK") //nolint:errcheck
		return fmt.Errorf("empty: %w", err)
	}
	return nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func poolTables(ctx context.Context, conn *pgx.Conn, schema string) ([]string, error) {
	return names(ctx, conn, `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, schema)
}

func poolSequences(ctx context.Context, conn *pgx.Conn, schema string) ([]string, error) {
	return names(ctx, conn, `SELECT sequencename FROM pg_sequences WHERE schemaname = $1 ORDER BY sequencename`, schema)
}

func names(ctx context.Context, conn *pgx.Conn, query, schema string) ([]string, error) {
	rows, err := conn.Query(ctx, query, schema)
	if err != nil {
		return nil, fmt.Errorf("list the relations of %s: %w", schema, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list the relations of %s: %w", schema, err)
	}
	return list, nil
}

// holds reports whether conn's session holds the advisory lock of schema.
// pg_locks shows a lock on two int4 keys as classid, objid (both oid, so
// unsigned) and objsubid 2.
func holds(ctx context.Context, conn *pgx.Conn, schema string) (bool, error) {
	var held bool
	err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
		WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted
		AND classid::bigint = $1 AND objid::bigint = (hashtext($2)::bigint & 4294967295) AND objsubid = 2)`,
		poolLockClass, schema).Scan(&held)
	return held, err
}

// giveBack lets the schema go. One that grew large is dropped first, so
// the next test neither deletes its rows nor scans what they leave. One
// whose hold was lost (its session ended, or let the lock go) may have been
// taken by another test meanwhile: this test fails, and the schema is
// dropped so that no test after it trusts what it holds.
func giveBack(tb testing.TB, base string, conn *pgx.Conn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defer conn.Close(ctx)
	if held, err := holds(ctx, conn, schema); err != nil || !held {
		why := "its session no longer holds the lock"
		if err != nil {
			why = err.Error()
		}
		tb.Errorf("storetest: lost the hold on pooled schema %s during the test (%s): another test may have shared it; dropping it", schema, why)
		if err != nil { // the session ended, or cannot be trusted to answer
			c, err := pgx.Connect(ctx, base)
			if err != nil {
				tb.Errorf("drop pooled schema %s: %v", schema, err)
				return
			}
			defer c.Close(ctx)
			conn = c
		}
		if err := dropPooled(ctx, conn, schema); err != nil {
			tb.Errorf("%v", err)
		}
		return
	}
	var size int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&size); err != nil {
		tb.Errorf("size of pooled schema %s: %v", schema, err)
		return
	}
	if size > poolMaxBytes {
		if err := dropPooled(ctx, conn, schema); err != nil {
			tb.Errorf("%v", err)
		}
	}
	// Closing the session would release the lock too, but only once its
	// backend has exited, which the close does not wait for: the next hold,
	// often this binary's next test, would find the schema still taken and
	// make another.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, poolLockClass, schema); err != nil {
		tb.Errorf("give back pooled schema %s: %v", schema, err)
	}
}

func dropPooled(ctx context.Context, conn *pgx.Conn, schema string) error {
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+`_meta CASCADE; DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
		return dropError{schema, err}
	}
	return nil
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
		dropPooled(ctx, conn, name)                                                        //nolint:errcheck
		conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, poolLockClass, name) //nolint:errcheck
	}
}
