package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

// migrationLock is the first half of the advisory lock key postgres.Migrate
// takes; the second is hashtext of the schema.
const migrationLock = 727274

// TestReplicasUpgradeTogether is the README's rolling upgrade at its
// sharpest: three replicas with the new binary start on the previous
// release's PostgreSQL database at the same moment. The test holds the
// migration lock until all three are waiting on it, then lets go: the one
// that takes it first applies every pending migration, the other two find
// none left, and all three serve.
func TestReplicasUpgradeTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL, before, pending := previousReleasePostgres(t)
	// The replicas' sessions carry a name of their own, so that the test
	// counts its replicas' waits and not another test's.
	app := "replica-upgrade-" + strings.ToLower(ids.Token(8))
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	replicaURL := u.String()

	lctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	holder, err := pgx.Connect(lctx, storetest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	// Closing the session also lets go of the lock if the test fails early.
	defer holder.Close(context.Background())
	schema := u.Query().Get("search_path")
	if _, err := holder.Exec(lctx, `SELECT pg_advisory_lock($1, hashtext($2))`, migrationLock, schema); err != nil {
		t.Fatal(err)
	}

	const replicas = 3
	hubs := make([]*launchedHub, replicas)
	for i := range hubs {
		hubs[i] = launchHub(t, []string{"serve"}, map[string]string{
			"CITYHUB_DATABASE_URL": replicaURL, "CITYHUB_DATA_DIR": filepath.Join(t.TempDir(), "data"),
			"CITYHUB_INSTANCE_ID": fmt.Sprintf("%s-%d", app, i),
			"CITYHUB_HTTP_ADDR":   "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		})
	}
	testutil.Eventually(t, 30*time.Second, "all three replicas wait on the migration lock", func() bool {
		var waiting int
		err := holder.QueryRow(lctx, `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid::bigint = $1 AND l.objid::bigint = (hashtext($3)::bigint & 4294967295)
				AND NOT l.granted AND a.application_name = $2`,
			migrationLock, app, schema).Scan(&waiting)
		return err == nil && waiting == replicas
	})
	if _, err := holder.Exec(lctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, migrationLock, schema); err != nil {
		t.Fatal(err)
	}

	migrators := 0
	for i, h := range hubs {
		base := h.waitHealthy(t, 60*time.Second)
		testutil.Eventually(t, 30*time.Second, fmt.Sprintf("replica %d's /readyz answers 200", i), func() bool {
			resp, err := http.Get(base + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		if applied := strings.Count(h.stderr.String(), "applied migration"); applied == pending {
			migrators++
		} else if applied != 0 {
			t.Errorf("replica %d applied %d of the %d pending migrations: the lock let two replicas migrate", i, applied, pending)
		}
	}
	if migrators != 1 {
		t.Errorf("%d replicas applied the pending migrations, want exactly one", migrators)
	}
	after, left, err := postgres.MigrationStatus(ctx, dbURL)
	if err != nil || left != 0 || after <= before {
		t.Fatalf("after the replicas started: schema version %d (was %d), %d pending, %v", after, before, left, err)
	}
	t.Logf("three replicas started together on schema version %d: one applied the %d migrations to %d, the others waited and found none", before, pending, after)
}
