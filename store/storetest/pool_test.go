package storetest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"cityhub/ids"
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

func count(t *testing.T, conn *pgx.Conn, query string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// testPool is a pool of its own for one test, so that no other test (in
// this binary or another running beside it) takes its schemas between two
// holds: the next holder of prefix0 is the test itself. It starts with no
// schema, so the first hold makes one, and its schemas are dropped when
// the test ends.
func testPool(t *testing.T, name string) schemaPool {
	t.Helper()
	digest := migrationsDigest()
	p := schemaPool{base: BaseURL(), prefix: "pool_" + digest + "_t" + name + "_", probe: &processProbe}
	admin := connect(t, BaseURL())
	if !p.probe.usable(context.Background(), t, admin) {
		t.Skip("the test role may not set session_replication_role, so there is no pool")
	}
	drop := func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, BaseURL())
		if err != nil {
			t.Errorf("drop the test's pool: %v", err)
			return
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, p.prefix)
		if err != nil {
			t.Errorf("list the test's pool: %v", err)
			return
		}
		schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Errorf("list the test's pool: %v", err)
			return
		}
		for _, s := range schemas {
			if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{s}.Sanitize()+` CASCADE`); err != nil {
				t.Errorf("drop %s: %v", s, err)
			}
		}
	}
	drop()
	t.Cleanup(drop)
	return p
}

// pooledState is what tells how a schema was readied: the schema's oid
// changes when it is made afresh, and uses counts the times it was emptied.
type pooledState struct {
	oid  uint32
	uses int
}

func stateOf(t *testing.T, conn *pgx.Conn, schema string) pooledState {
	t.Helper()
	var s pooledState
	if err := conn.QueryRow(context.Background(), `SELECT oid FROM pg_namespace WHERE nspname = $1`, schema).Scan(&s.oid); err != nil {
		t.Fatalf("oid of %s: %v", schema, err)
	}
	s.uses = count(t, conn, `SELECT uses FROM `+schema+`_meta.pool`)
	return s
}

// A schema whose rows and sequences a test changed, without DDL, comes to
// the next test emptied in place: the same schema, one more use, the rows
// gone, the migrations' own rows back, each sequence where the migrations
// left it.
func TestPooledSchemaIsEmptiedInPlace(t *testing.T) {
	p := testPool(t, "empty")
	var schema string
	var before pooledState
	var migrations int
	t.Run("dirty", func(t *testing.T) {
		dbURL := p.hold(t)
		schema = schemaOf(t, dbURL)
		conn := connect(t, dbURL)
		if before = stateOf(t, conn, schema); before.uses != 0 {
			t.Fatalf("a new test pool's schema was used %d times", before.uses)
		}
		migrations = count(t, conn, `SELECT count(*) FROM schema_migrations`)
		if migrations == 0 {
			t.Fatal("no migrations recorded in a migrated schema")
		}
		// No migration moves a sequence; say one did, so that putting it
		// back at its start would show.
		exec(t, conn, `UPDATE `+schema+`_meta.pool_sequences SET last_value = 41, is_called = true WHERE name = 'login_failures_id_seq'`)
		exec(t, conn, `INSERT INTO ledger_accounts (id, kind) VALUES ('citizen:x', 'citizen');
			DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations);
			SELECT nextval('audit_log_id_seq'), nextval('audit_log_id_seq'), nextval('login_failures_id_seq')`)
	})
	t.Run("next", func(t *testing.T) {
		dbURL := p.hold(t)
		if got := schemaOf(t, dbURL); got != schema {
			t.Fatalf("the test's own pool gave %s, want %s again", got, schema)
		}
		conn := connect(t, dbURL)
		after := stateOf(t, conn, schema)
		if after.oid != before.oid {
			t.Errorf("schema %s was made afresh, not emptied", schema)
		}
		if after.uses != before.uses+1 {
			t.Errorf("schema %s used %d times, want %d", schema, after.uses, before.uses+1)
		}
		if n := count(t, conn, `SELECT count(*) FROM ledger_accounts`); n != 0 {
			t.Errorf("%d ledger accounts left by the previous test", n)
		}
		if n := count(t, conn, `SELECT count(*) FROM schema_migrations`); n != migrations {
			t.Errorf("%d migrations recorded, want %d", n, migrations)
		}
		if n := count(t, conn, `SELECT nextval('audit_log_id_seq')`); n != 1 {
			t.Errorf("audit_log_id_seq gives %d, want 1 as after the migrations", n)
		}
		if n := count(t, conn, `SELECT nextval('login_failures_id_seq')`); n != 42 {
			t.Errorf("login_failures_id_seq gives %d, want 42 after the 41 the migrations left", n)
		}
	})
}

// DDL a test runs on its schema is not undone by emptying: the next test
// gets the schema made afresh.
func TestPooledSchemaIsRemadeAfterDDL(t *testing.T) {
	for _, c := range []struct{ name, ddl, gone string }{
		{"new table", `CREATE TABLE pool_probe (id INTEGER)`,
			`SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'pool_probe'`},
		{"changed default", `ALTER TABLE ledger_accounts ALTER COLUMN owner_id SET DEFAULT 'probe'`,
			`SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()
				AND table_name = 'ledger_accounts' AND column_name = 'owner_id' AND column_default LIKE '%probe%'`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testPool(t, strings.ReplaceAll(c.name, " ", ""))
			var schema string
			var before pooledState
			t.Run("ddl", func(t *testing.T) {
				dbURL := p.hold(t)
				schema = schemaOf(t, dbURL)
				conn := connect(t, dbURL)
				before = stateOf(t, conn, schema)
				exec(t, conn, c.ddl)
			})
			t.Run("next", func(t *testing.T) {
				dbURL := p.hold(t)
				if got := schemaOf(t, dbURL); got != schema {
					t.Fatalf("the test's own pool gave %s, want %s again", got, schema)
				}
				conn := connect(t, dbURL)
				if after := stateOf(t, conn, schema); after.oid == before.oid || after.uses != 0 {
					t.Errorf("schema %s was not made afresh: %+v, before %+v", schema, after, before)
				}
				if n := count(t, conn, c.gone); n != 0 {
					t.Error("the previous test's DDL is still there")
				}
			})
		})
	}
}

// Every kind of DDL changes the catalog signature, and undoing it gives the
// signature back. Each runs in a transaction rolled back, so one schema
// serves them all.
func TestCatalogSignatureSeesDDL(t *testing.T) {
	p := testPool(t, "signature")
	dbURL := p.hold(t)
	schema := schemaOf(t, dbURL)
	conn := connect(t, dbURL)
	ctx := context.Background()
	want, err := catalogSignature(ctx, conn, schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, ddl := range []string{
		`CREATE TABLE pool_probe (id INTEGER)`,
		`ALTER TABLE ledger_accounts ADD COLUMN probe INTEGER`,
		`ALTER TABLE ledger_accounts ALTER COLUMN floor TYPE NUMERIC`,
		`ALTER TABLE ledger_accounts ALTER COLUMN floor SET NOT NULL`,
		`ALTER TABLE ledger_accounts ALTER COLUMN owner_id SET DEFAULT 'probe'`,
		`ALTER TABLE ledger_accounts ALTER COLUMN balance DROP DEFAULT`,
		`ALTER TABLE ledger_accounts ADD CONSTRAINT pool_probe CHECK (balance > -1000)`,
		`ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_amount_check`,
		`ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_amount_check, ADD CONSTRAINT ledger_entries_amount_check CHECK (amount > 0)`,
		`CREATE INDEX pool_probe ON ledger_accounts (kind)`,
		`DROP INDEX ledger_accounts_owner; CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_id)`,
		`CREATE VIEW pool_probe AS SELECT id FROM ledger_accounts`,
		`CREATE FUNCTION pool_probe() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
		 CREATE TRIGGER pool_probe BEFORE INSERT ON ledger_accounts FOR EACH ROW EXECUTE FUNCTION pool_probe()`,
		`CREATE FUNCTION pool_probe(x INTEGER) RETURNS INTEGER LANGUAGE sql AS 'SELECT x'`,
		`CREATE TYPE pool_probe AS ENUM ('a', 'b')`,
		`CREATE DOMAIN pool_probe AS INTEGER CHECK (VALUE > 0)`,
		`CREATE SEQUENCE pool_probe`,
	} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, ddl); err != nil {
			tx.Rollback(ctx) //nolint:errcheck
			t.Fatalf("%s: %v", ddl, err)
		}
		got, err := catalogSignature(ctx, tx, schema)
		tx.Rollback(ctx) //nolint:errcheck
		if err != nil {
			t.Fatal(err)
		}
		if got == want {
			t.Errorf("the catalog signature did not change with %s", ddl)
		}
	}
	if got, err := catalogSignature(ctx, conn, schema); err != nil || got != want {
		t.Errorf("signature after every change was rolled back: %q, %v; want %q", got, err, want)
	}
}

// Tests running at once never share a schema: each is held by its own
// session's lock until its test ends.
func TestPooledSchemasAreHeldAlone(t *testing.T) {
	seen := map[string]bool{}
	for i := range 6 {
		s := schemaOf(t, MigratedPostgresURL(t))
		if seen[s] {
			t.Fatalf("claim %d got %s, which this test already holds", i, s)
		}
		seen[s] = true
	}
}

// recorder keeps what is logged and reported as errors instead of failing
// the test, so a test can check that they are.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
	logs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func (r *recorder) counts() (errs, logs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs), len(r.logs)
}

func schemaExists(t *testing.T, conn *pgx.Conn, schema string) bool {
	t.Helper()
	return count(t, conn, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema) == 1
}

// A test whose session lost the hold on its schema (here: the session was
// ended under it) fails, and the schema is dropped, since another test may
// have taken it meanwhile.
func TestLostHoldFailsTheTest(t *testing.T) {
	p := testPool(t, "lost")
	admin := connect(t, BaseURL())
	rec := &recorder{}
	var schema string
	t.Run("holder", func(t *testing.T) {
		rec.TB = t
		schema = schemaOf(t, p.hold(rec))
		exec(t, admin, fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_locks
			WHERE locktype = 'advisory' AND classid::bigint = %d AND objid::bigint = (hashtext('%s')::bigint & 4294967295) AND objsubid = 2`,
			poolLockClass, schema))
	})
	if errs, _ := rec.counts(); errs == 0 {
		t.Error("the test that lost its hold did not fail")
	}
	if schemaExists(t, admin, schema) || schemaExists(t, admin, schema+"_meta") {
		t.Errorf("%s, whose hold was lost, was not dropped", schema)
	}

	// A session that let the lock go while it was still connected.
	p2 := testPool(t, "letgo")
	rec = &recorder{TB: t}
	schema = schemaOf(t, p2.hold(rec))
	conn := connect(t, BaseURL())
	giveBack(rec, BaseURL(), conn, schema) // conn never held it
	if errs, _ := rec.counts(); errs == 0 {
		t.Error("giving back a schema not held did not fail")
	}
	if schemaExists(t, admin, schema) {
		t.Errorf("%s, whose hold was lost, was not dropped", schema)
	}
}

// ordinaryRole makes a login role that is not a superuser and may create
// schemas in the test database, and returns the test server's URL as it.
func ordinaryRole(t *testing.T) string {
	t.Helper()
	admin := connect(t, BaseURL())
	u, err := url.Parse(BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	role := "pooltest_" + strings.ToLower(strings.TrimPrefix(ids.New("x"), "x_"))
	database := strings.TrimPrefix(u.Path, "/")
	exec(t, admin, `CREATE ROLE `+role+` LOGIN NOSUPERUSER`)
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, BaseURL())
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP OWNED BY `+role+` CASCADE; DROP ROLE `+role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	exec(t, admin, `GRANT CREATE ON DATABASE `+pgx.Identifier{database}.Sanitize()+` TO `+role)
	u.User = url.User(role)
	return u.String()
}

// On a server where the test role is not a superuser the pool is not used,
// which the first test to ask says once.
func TestOrdinaryRoleGoesWithoutThePool(t *testing.T) {
	digest := migrationsDigest()
	roleURL := ordinaryRole(t)
	ctx := context.Background()

	if !(&replicaProbe{}).usable(ctx, t, connect(t, BaseURL())) {
		t.Skip("the test role itself may not set session_replication_role")
	}
	p := schemaPool{base: roleURL, prefix: "pool_" + digest + "_tordinary_", probe: &replicaProbe{}}
	rec := &recorder{TB: t}
	for range 2 {
		if got := p.hold(rec); got != "" {
			t.Fatalf("a role that may not empty schemas got pooled schema %s", got)
		}
	}
	if errs, logs := rec.counts(); errs != 0 || logs != 1 {
		t.Errorf("%d errors and %d log lines, want none and one: %q %q", errs, logs, rec.errs, rec.logs)
	}
}

// A pooled schema this role may not drop (another role made it) sends the
// test to a fresh schema instead of failing it.
func TestUndroppablePoolGoesWithoutIt(t *testing.T) {
	p := testPool(t, "others")
	t.Run("made by the test role", func(t *testing.T) { p.hold(t) })
	// Say the other role may set the replica role (from PostgreSQL 15 a
	// superuser can grant it), so that it does use the pool.
	other := schemaPool{base: ordinaryRole(t), prefix: p.prefix, probe: &replicaProbe{done: true, ok: true}}
	rec := &recorder{TB: t}
	if got := other.hold(rec); got != "" {
		t.Fatalf("a role that may not drop %s0 got it: %s", p.prefix, got)
	}
	if errs, logs := rec.counts(); errs != 0 || logs != 1 || !strings.Contains(rec.logs[0], "drop pooled schema") {
		t.Errorf("%d errors and log %q, want none and the failed drop", errs, rec.logs)
	}
	if !schemaExists(t, connect(t, BaseURL()), p.prefix+"0") {
		t.Errorf("%s0 is gone", p.prefix)
	}
}
