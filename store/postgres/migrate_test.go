package postgres_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
		db, err := postgres.Open(ctx, urlA, storetest.Logger(t))
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
	var rows, versions int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions || rows == 0 {
		t.Fatalf("schema_migrations holds %d rows for %d versions", rows, versions)
	}
}
