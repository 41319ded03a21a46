package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// A statement run in a transaction is prepared once the transaction ends
// and reused by the next one; a read is prepared on the read pool; a
// migration's script is never kept.
func TestStatementsArePreparedOnceAndKept(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "data", "test.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, c := range map[string]*stmtCache{"writer": db.wstmts, "reader": db.rstmts} {
		for q := range c.m {
			if len(q) > 200 {
				t.Errorf("%s keeps a migration's script: %.60q…", name, q)
			}
		}
	}
	const write = `UPDATE schema_migrations SET applied_at = applied_at WHERE version = ?`
	run := func() (missed int) {
		err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.q.ExecContext(ctx, write, 1)
			missed = len(tx.q.(*txQuerier).missed)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return missed
	}
	if n := run(); n != 1 {
		t.Fatalf("first run: %d statements run as text, want 1", n)
	}
	if db.wstmts.lookup(write) == nil {
		t.Fatal("the statement was not prepared after its transaction")
	}
	if n := run(); n != 0 {
		t.Fatalf("second run: %d statements run as text, want 0 (the kept one)", n)
	}
	const read = `SELECT count(*) FROM schema_migrations`
	var n int
	if err := db.View(ctx, func(tx *Tx) error { return tx.q.QueryRowContext(ctx, read).Scan(&n) }); err != nil || n == 0 {
		t.Fatalf("read: %d, %v", n, err)
	}
	if db.rstmts.lookup(read) == nil {
		t.Fatal("a read was not prepared on the read pool")
	}
}
