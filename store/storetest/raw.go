package storetest

import (
	"context"
	"testing"

	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
)

// Exec runs statements on db's database behind the hub's back, as a bug or
// a hand at the console would.
func Exec(tb testing.TB, db store.DB, sql string) error {
	tb.Helper()
	ctx := context.Background()
	switch d := db.(type) {
	case *postgres.DB:
		_, err := d.Pool().Exec(ctx, sql)
		return err
	case *sqlite.DB:
		_, err := d.Writer().ExecContext(ctx, sql)
		return err
	}
	tb.Fatalf("no raw SQL for %T", db)
	return nil
}

// Strings runs query on db's database and gives each row's first column
// as a string (text or bytes alike), in the query's order.
func Strings(tb testing.TB, db store.DB, query string) []string {
	tb.Helper()
	ctx := context.Background()
	// What both engines' result sets offer, so one loop reads either.
	var rows interface {
		Next() bool
		Scan(...any) error
		Err() error
	}
	switch d := db.(type) {
	case *postgres.DB:
		r, err := d.Pool().Query(ctx, query)
		if err != nil {
			tb.Fatal(err)
		}
		defer r.Close()
		rows = r
	case *sqlite.DB:
		r, err := d.Writer().QueryContext(ctx, query)
		if err != nil {
			tb.Fatal(err)
		}
		defer r.Close()
		rows = r
	default:
		tb.Fatalf("no raw SQL for %T", db)
	}
	var out []string
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			tb.Fatal(err)
		}
		out = append(out, string(b))
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
