package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/demo"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// upgradeFixture is the demo database made by the previous release, and
// upgradeFixturePostgres the same release's demo on PostgreSQL, as
// pg_dump wrote it (see testdata/upgrade/README.md).
const (
	upgradeFixture         = "../../testdata/upgrade/cityhub-6adaff3.db"
	upgradeFixturePostgres = "../../testdata/upgrade/cityhub-6adaff3.postgres.sql"
	// upgradeFixtureSchema is the schema the release's demo ran in; the
	// test loads the dump into a schema of its own instead.
	upgradeFixtureSchema = "cityhub_upgrade_fixture"
	// upgradeFixtureMigrations is the SHA-256 of every migration file of
	// the release, both engines', as sha256sum writes it.
	upgradeFixtureMigrations = "../../testdata/upgrade/cityhub-6adaff3.migrations.sha256"
)

// TestUpgradeFromPreviousRelease starts today's hub on the database the
// previous release left, on each engine: the migrations it lacks apply
// forward, the ledger it wrote still checks, and its demo accounts still
// log in.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := upgradeDataDir(t)
		b, err := os.ReadFile(upgradeFixture)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, store.SQLiteFile)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		before, pending, err := sqlite.MigrationStatus(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			t.Fatalf("the fixture (schema version %d) has no migration to apply: it no longer tests an upgrade", before)
		}
		base, _ := startHub(t, []string{"serve"}, map[string]string{
			"CITYHUB_DATA_DIR": dir, "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		})
		after, pending, err := sqlite.MigrationStatus(ctx, path)
		if err != nil || pending != 0 || after <= before {
			t.Fatalf("after the upgrade: schema version %d (was %d), %d pending, %v", after, before, pending, err)
		}
		t.Logf("upgraded from schema version %d to %d", before, after)
		db, err := sqlite.Open(ctx, path, storetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		checkUpgraded(t, base, db.Wallet())
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dbURL, before, pending := previousReleasePostgres(t)
		base, _ := startHub(t, []string{"serve"}, map[string]string{
			"CITYHUB_DATABASE_URL": dbURL, "CITYHUB_DATA_DIR": upgradeDataDir(t),
			"CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		})
		after, pending, err := postgres.MigrationStatus(ctx, dbURL)
		if err != nil || pending != 0 || after <= before {
			t.Fatalf("after the upgrade: schema version %d (was %d), %d pending, %v", after, before, pending, err)
		}
		t.Logf("upgraded from schema version %d to %d", before, after)
		db, err := postgres.Open(ctx, dbURL, storetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		checkUpgraded(t, base, db.Wallet())
	})
}

// upgradeDataDir is a private data directory holding the release's demo
// logins, as its data directory did.
func upgradeDataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(upgradeFixture), demo.LoginsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, demo.LoginsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// previousReleasePostgres is a fresh schema holding the previous release's
// PostgreSQL fixture, with its schema version and the migrations this one
// has yet to apply; it fails the test if there are none to apply (the
// fixture no longer tests an upgrade).
func previousReleasePostgres(t *testing.T) (dbURL string, version, pending int) {
	t.Helper()
	dbURL = storetest.PostgresURL(t)
	loadPostgresFixture(t, dbURL, upgradeFixturePostgres)
	version, pending, err := postgres.MigrationStatus(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if pending == 0 {
		t.Fatalf("the fixture (schema version %d) has no migration to apply: it no longer tests an upgrade", version)
	}
	return dbURL, version, pending
}

// loadPostgresFixture runs a plain pg_dump of the fixture's schema in the
// test's own schema (dbURL's search_path): the dump names every object
// with its schema, which is renamed; the CREATE SCHEMA (the test's exists)
// and psql's own commands (\restrict) are left out, as the rest is plain
// SQL that one simple-protocol Exec runs.
func loadPostgresFixture(t *testing.T, dbURL, file string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	if schema == "" {
		t.Fatalf("%s names no schema", dbURL)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var sql strings.Builder
	for _, line := range strings.SplitAfter(string(raw), "\n") {
		if strings.HasPrefix(line, "\\") || strings.HasPrefix(line, "CREATE SCHEMA ") {
			continue
		}
		sql.WriteString(strings.ReplaceAll(line, upgradeFixtureSchema+".", schema+"."))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// The dump empties the session's search_path: this connection is
	// closed once it has run.
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql.String()); err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
}

// checkUpgraded: the ledger the previous release wrote still checks, read
// by today's code, and its demo accounts log in with the passwords it
// generated.
func checkUpgraded(t *testing.T, base string, ledger wallet.Store) {
	t.Helper()
	ctx := context.Background()
	check, err := wallet.NewService(ledger, storetest.Logger(t)).Check(ctx)
	if err != nil || !check.OK() || check.Entries == 0 {
		t.Fatalf("ledger check after the upgrade: %+v, %v", check, err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(upgradeFixture), demo.LoginsFile))
	if err != nil {
		t.Fatal(err)
	}
	var logins map[string]string
	if err := json.Unmarshal(b, &logins); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"cittadino@demo.cityhub.test", "comune@demo.cityhub.test"} {
		resp, err := http.Post(base+"/api/v1/auth/login", "application/json",
			strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, logins[email])))
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
			t.Fatalf("login of %s after the upgrade = %d", email, resp.StatusCode)
		}
		req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/me as %s after the upgrade = %d", email, resp.StatusCode)
		}
		if email != "comune@demo.cityhub.test" {
			continue
		}
		// The hub's own check, as its administrator asks for it, reconciles
		// the vouchers the previous release wrote with their accounts.
		req, _ = http.NewRequest("GET", base+"/api/v1/admin/ledger/check", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var hubCheck struct {
			OK         bool     `json:"ok"`
			Reconciled []string `json:"reconciled"`
		}
		json.NewDecoder(resp.Body).Decode(&hubCheck)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !hubCheck.OK || !slices.Contains(hubCheck.Reconciled, "vouchers") {
			t.Fatalf("the hub's ledger check after the upgrade: %d %+v", resp.StatusCode, hubCheck)
		}
	}
}

// TestNewerDatabaseIsRefused: migrations only move forward. A database a
// newer release migrated is refused, by both engines, with an error that
// says so, and nothing is written to it.
func TestNewerDatabaseIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "data", store.SQLiteFile)
		db, err := sqlite.Open(ctx, path, storetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		raw := openRW(t, path)
		if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99999, '99999_future.sql', 0)`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		if db, err := sqlite.Open(ctx, path, storetest.Logger(t)); err == nil {
			db.Close()
			t.Fatal("opened a database migrated by a newer release")
		} else if !strings.Contains(err.Error(), "newer cityhub") || !strings.Contains(err.Error(), "99999") {
			t.Fatalf("error %q does not say the database is newer", err)
		}
		// Nor does a restore take it.
		backup := filepath.Join(t.TempDir(), "b.db")
		if err := sqlite.Backup(ctx, path, backup); err != nil {
			t.Fatal(err)
		}
		if err := sqlite.Restore(ctx, backup, filepath.Join(t.TempDir(), "new"), store.SQLiteFile); err == nil || !strings.Contains(err.Error(), "newer cityhub") {
			t.Fatalf("restore of a newer backup: %v, want refused", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresURL(t)
		db, err := postgres.Open(ctx, url, storetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (99999, '99999_future.sql')`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if db, err := postgres.Open(ctx, url, storetest.Logger(t)); err == nil {
			db.Close()
			t.Fatal("opened a database migrated by a newer release")
		} else if !strings.Contains(err.Error(), "newer cityhub") {
			t.Fatalf("error %q does not say the database is newer", err)
		}
	})
}

// TestReleasedMigrationsAreUnchanged: migrations only move forward, so a
// migration a release shipped is never edited. A database that release
// migrated has already applied it and never runs it again: an edit would
// reach new databases only, and upgraded ones would silently differ from
// them. A schema change is a new migration. The release's files are known
// by their SHA-256 (testdata/upgrade/*.migrations.sha256), and they are
// exactly the migrations its fixtures record as applied.
func TestReleasedMigrationsAreUnchanged(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(upgradeFixtureMigrations)
	if err != nil {
		t.Fatal(err)
	}
	released := map[string][]string{} // engine -> file names
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		want, path, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("%s: line %q is not sha256sum's", upgradeFixtureMigrations, sc.Text())
		}
		b, err := os.ReadFile(filepath.Join("../..", path))
		if err != nil {
			t.Errorf("%s, shipped by the release, is gone: %v", path, err)
			continue
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s was changed after the release shipped it; put the change in a new migration", path)
		}
		engine := filepath.Base(filepath.Dir(filepath.Dir(path))) // store/<engine>/migrations/<file>
		released[engine] = append(released[engine], filepath.Base(path))
	}
	if len(released["sqlite"]) == 0 || len(released["postgres"]) == 0 {
		t.Fatalf("%s lists no migration of an engine: %v", upgradeFixtureMigrations, released)
	}

	// What each fixture records as applied is what the list holds.
	var applied []string
	rows, err := openRO(t, upgradeFixture).Query(`SELECT name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		applied = append(applied, name)
	}
	rows.Close()
	if !slices.Equal(applied, released["sqlite"]) {
		t.Errorf("the SQLite fixture applied %v, the release's list holds %v", applied, released["sqlite"])
	}
	dump, err := os.ReadFile(upgradeFixturePostgres)
	if err != nil {
		t.Fatal(err)
	}
	applied = nil
	for _, m := range regexp.MustCompile(`(?m)^INSERT INTO \S+\.schema_migrations VALUES \(\d+, '([^']+)'`).FindAllSubmatch(dump, -1) {
		applied = append(applied, string(m[1]))
	}
	if !slices.Equal(applied, released["postgres"]) {
		t.Errorf("the PostgreSQL fixture applied %v, the release's list holds %v", applied, released["postgres"])
	}
}
