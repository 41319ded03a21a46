package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"cityhub/ids"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// TestPostgresDumpWhileServingRestores runs the README's PostgreSQL backup
// steps (the commands cityhub backup prints) against a hub's database while
// transfers are posted to it: pg_dump of the live database, createdb and
// pg_restore into a new one. A hub opened on the restored database finds
// its schema current, its ledger check passes, every transfer committed
// before the dump began is there, and none begun after it ended.
func TestPostgresDumpWhileServingRestores(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore", "createdb"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (PostgreSQL's client tools)", tool)
		}
	}
	t.Parallel()
	ctx := context.Background()
	suffix := strings.ToLower(ids.Token(8))
	liveName, restoredName := "cityhub_dump_"+suffix, "cityhub_restored_"+suffix
	admin, err := pgx.Connect(ctx, storetest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+liveName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, storetest.BaseURL())
		if err != nil {
			t.Errorf("drop the test's databases: %v", err)
			return
		}
		defer c.Close(ctx)
		for _, db := range []string{liveName, restoredName} {
			if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
				t.Errorf("drop %s: %v", db, err)
			}
		}
	})
	liveURL := databaseURL(t, liveName)
	live, err := postgres.Open(ctx, liveURL, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	load := startTransferLoad(t, ctx, live.Wallet(), 4)
	before, started := load.waitEnough(t)

	// The README's commands, with this test's database names and file.
	dir := t.TempDir()
	dump := filepath.Join(dir, "cityhub.dump")
	sh := func(command string, env ...string) {
		t.Helper()
		c := exec.CommandContext(ctx, "sh", "-c", command)
		c.Dir = dir
		c.Env = append(os.Environ(), env...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", command, err, out)
		}
	}
	sh(`pg_dump --format=custom --file=cityhub.dump "$CITYHUB_DATABASE_URL"`, "CITYHUB_DATABASE_URL="+liveURL)
	begunByEnd := load.seq.Load()
	load.halt(t)
	if load.seq.Load() <= started {
		t.Fatal("no transfer ran during the dump")
	}
	base, _ := url.Parse(storetest.BaseURL())
	// createdb takes the server from the environment, as the README's
	// command does: the test server's address, user, password and TLS mode.
	pgEnv := []string{"PGHOST=" + base.Hostname(), "PGPORT=" + base.Port(), "PGUSER=" + base.User.Username()}
	if pw, ok := base.User.Password(); ok {
		pgEnv = append(pgEnv, "PGPASSWORD="+pw)
	}
	if mode := base.Query().Get("sslmode"); mode != "" {
		pgEnv = append(pgEnv, "PGSSLMODE="+mode)
	}
	sh("createdb "+restoredName, pgEnv...)
	sh(`pg_restore --no-owner --dbname="`+databaseURL(t, restoredName)+`" `+dump, pgEnv...)

	status, pending, err := postgres.MigrationStatus(ctx, databaseURL(t, restoredName))
	if err != nil || pending != 0 {
		t.Fatalf("restored database: schema version %d, %d migrations pending, %v", status, pending, err)
	}
	back, err := postgres.Open(ctx, databaseURL(t, restoredName), storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	check, err := wallet.NewService(back.Wallet(), storetest.Logger(t)).Check(ctx)
	if err != nil || !check.OK() {
		t.Fatalf("ledger check of the restored database: %+v, %v", check, err)
	}
	rows, err := back.Pool().Query(ctx, `SELECT idem_key FROM ledger_transactions WHERE kind = 'test.transfer'`)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	inDump := map[string]bool{}
	for _, k := range keys {
		inDump[k] = true
		var n int64
		fmt.Sscanf(k, "load-%d", &n)
		if n > begunByEnd {
			t.Fatalf("transfer %s began after the dump ended but is in it", k)
		}
	}
	for k := range before {
		if !inDump[k] {
			t.Fatalf("transfer %s committed before the dump began is missing from it", k)
		}
	}
	t.Logf("the dump holds %d of %d transfers (%d committed before it began); ledger check: %d transactions", len(keys), len(load.committedNow()), len(before), check.Transactions)
}

// databaseURL is the test server's URL for another database on it.
func databaseURL(t *testing.T, name string) string {
	t.Helper()
	u, err := url.Parse(storetest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
