package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"cityhub/store/storetest"
)

// The keyed-answer writes rely on two things the server does with a batch
// (one Sync): it runs the batch as one implicit transaction, all or nothing,
// and a set_config(..., true) in it holds until that transaction ends and
// no longer. This test holds the server to both.
func TestBatchIsOneUnsyncedTransaction(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `CREATE TABLE unsynced_probe (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	// The session's own setting is on, whatever the test database's URL
	// or server say, so that the batch's off is seen to end with it.
	if _, err := conn.Exec(ctx, `SET synchronous_commit = on`); err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	b.Queue(`INSERT INTO unsynced_probe VALUES (1)`)
	var inside string
	b.Queue(`SHOW synchronous_commit`).QueryRow(func(r pgx.Row) error { return r.Scan(&inside) })
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	var after string
	if err := conn.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if inside != "off" || after != "on" {
		t.Errorf("synchronous_commit is %q in the batch and %q after it, want off and on", inside, after)
	}
	// A failure later in the batch undoes what the batch wrote before it.
	b = &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	b.Queue(`INSERT INTO unsynced_probe VALUES (2)`)
	b.Queue(`INSERT INTO unsynced_probe VALUES (1)`)
	if err := conn.SendBatch(ctx, b).Close(); err == nil {
		t.Fatal("a batch inserting a duplicate key did not fail")
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM unsynced_probe`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d rows after the failed batch, want 1: the batch was not one transaction", n)
	}
}
