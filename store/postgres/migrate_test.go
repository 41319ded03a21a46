package postgres_test

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/internal/testutil"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

// Replicas of one hub share a schema and wait for each other's migrations;
// a hub in another schema of the same database does not wait for them. The
// test holds the migration lock of schema A from outside: a hub opening in
// schema B migrates meanwhile, and a hub opening in A finishes only after
// the lock is let go.
func TestMigrationLockIsPerSchema(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	urlA, urlB := storetest.PostgresURL(t), storetest.PostgresURL(t)
	u, err := url.Parse(urlA)
	if err != nil {
		t.Fatal(err)
	}
	schemaA := u.Query().Get("search_path")

	holder, err := pgx.Connect(ctx, storetest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock(727274, hashtext($1))`, schemaA); err != nil {
		t.Fatal(err)
	}

	openedA := make(chan error, 1)
	go func() {
		// A's logger does not write to t: if the test fails before A
		// finishes, A logs after the test has ended.
		db, err := postgres.Open(ctx, urlA, slog.New(slog.DiscardHandler))
		if err == nil {
			db.Close()
		}
		openedA <- err
	}()

	dbB, err := postgres.Open(ctx, urlB, storetest.Logger(t))
	if err != nil {
		t.Fatalf("open in schema B while A's migration lock is held: %v", err)
	}
	dbB.Close()
	// A must have reached its migration lock and be waiting on it, or A not
	// having finished would prove nothing. pg_locks shows a lock on two int4
	// keys as classid, objid (oids, so unsigned) and objsubid 2.
	testutil.Eventually(t, time.Minute, "the hub in schema A waits on its migration lock", func() bool {
		var waiting bool
		err := holder.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = 727274
			AND objid::bigint = (hashtext($1)::bigint & 4294967295) AND objsubid = 2)`, schemaA).Scan(&waiting)
		if err != nil {
			t.Fatalf("read pg_locks: %v", err)
		}
		return waiting
	})
	select {
	case err := <-openedA:
		t.Fatalf("the hub in schema A migrated while its lock was held (err %v)", err)
	default:
	}

	if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock(727274, hashtext($1))`, schemaA); err != nil {
		t.Fatal(err)
	}
	if err := <-openedA; err != nil {
		t.Fatalf("open in schema A after the lock was let go: %v", err)
	}
}

// Replicas starting together in one schema apply each migration once.
func TestReplicasMigrateTogether(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dbURL := storetest.PostgresURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(ctx, dbURL, storetest.Logger(t))
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a replica failed to start: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// version is the table's primary key, so a migration applied twice
	// would have failed its replica; what is left to check is that every
	// embedded file was applied, by exactly one of them.
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			want[e.Name()] = true
		}
	}
	rows, err := conn.Query(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]int{}
	for _, n := range names {
		applied[n]++
	}
	if len(names) != len(want) || len(want) == 0 {
		t.Errorf("schema_migrations holds %d rows for %d migration files", len(names), len(want))
	}
	for name := range want {
		if applied[name] != 1 {
			t.Errorf("%s applied %d times, want once", name, applied[name])
		}
	}
}
