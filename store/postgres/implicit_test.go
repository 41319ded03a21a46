package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

// A transaction whose statements all wait in its queue until the end (a
// transfer: its one posting) goes as one batch without BEGIN and COMMIT,
// the server's implicit transaction up to the batch's Sync. It is as
// atomic as one with them: a statement that fails undoes those before it
// in the batch and skips those after it; one that passes commits them all.
func TestWholeQueuedTransactionIsOneImplicitTransaction(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var trips []postgres.RoundTrip
	db, err := postgres.OpenTraced(ctx, storetest.PostgresURL(t), storetest.Logger(t), func(_ context.Context, rt postgres.RoundTrip) {
		mu.Lock()
		trips = append(trips, rt)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Pool().Exec(ctx, `CREATE TABLE implicit_probe (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	rows := func() []int {
		t.Helper()
		var ids []int
		r, err := db.Pool().Query(ctx, `SELECT id FROM implicit_probe ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var id int
			if err := r.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	run := func(ids ...int) ([]postgres.RoundTrip, error) {
		t.Helper()
		mu.Lock()
		trips = nil
		mu.Unlock()
		err := db.InTx(ctx, func(tx *postgres.Tx) error {
			for _, id := range ids {
				if err := postgres.TxLater(ctx, tx, `INSERT INTO implicit_probe (id) VALUES ($1)`, id); err != nil {
					return err
				}
			}
			return nil
		})
		mu.Lock()
		defer mu.Unlock()
		var sent []postgres.RoundTrip
		for _, rt := range trips {
			if rt.Kind != "prepare" {
				sent = append(sent, rt)
			}
		}
		return sent, err
	}

	sent, err := run(1, 2)
	if err != nil || !slices.Equal(rows(), []int{1, 2}) {
		t.Fatalf("two writes: rows %v, %v", rows(), err)
	}
	if len(sent) != 1 || len(sent[0].SQL) != 2 || slices.ContainsFunc(sent[0].SQL, func(s string) bool {
		s = strings.ToLower(s)
		return s == "begin" || s == "commit"
	}) {
		t.Fatalf("a transaction all in its queue went as %+v, want its two writes in one batch", sent)
	}
	// The third write fails (its key is taken): the two before it in the
	// batch are undone, the one after it never runs.
	sent, err = run(3, 4, 1, 5)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("a batch with a failing write: %v", err)
	}
	if got := rows(); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("after the failed batch the table holds %v, want [1 2]", got)
	}
	// Nothing is left to roll back: no ROLLBACK follows the failed batch.
	for _, rt := range sent {
		if slices.ContainsFunc(rt.SQL, func(s string) bool { return strings.EqualFold(s, "rollback") }) {
			t.Fatalf("a failed implicit transaction was followed by %+v", sent)
		}
	}
	// The connection is usable, outside any transaction, for what follows.
	if _, err := run(6); err != nil || !slices.Equal(rows(), []int{1, 2, 6}) {
		t.Fatalf("after a failed batch: rows %v, %v", rows(), err)
	}
	// A write whose command tag the hub judges needs the transaction still
	// open after it: that transaction keeps its BEGIN and COMMIT.
	mu.Lock()
	trips = nil
	mu.Unlock()
	if err := db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := postgres.TxLater(ctx, tx, `INSERT INTO implicit_probe (id) VALUES (7)`); err != nil {
			return err
		}
		return postgres.TxLaterChecked(ctx, tx, `UPDATE implicit_probe SET id = id WHERE id = 7`)
	}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	all := slices.Concat(func() [][]string {
		var out [][]string
		for _, rt := range trips {
			out = append(out, rt.SQL)
		}
		return out
	}()...)
	mu.Unlock()
	if !slices.ContainsFunc(all, func(s string) bool { return strings.EqualFold(s, "begin") }) ||
		!slices.ContainsFunc(all, func(s string) bool { return strings.EqualFold(s, "commit") }) {
		t.Fatalf("a transaction with a checked write went as %q, without BEGIN and COMMIT", all)
	}
}
