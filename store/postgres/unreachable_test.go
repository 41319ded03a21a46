package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"cityhub/apperr"
)

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// A database that does not answer is the service unavailable for a moment
// (503 with a wait), not an internal error: reads and transactions alike
// say so, with the wait a client is to keep before its retry.
func TestAnUnreachableDatabaseIsUnavailableNotInternal(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://cityhub@"+closedPort(t)+"/cityhub?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := &DB{pool: pool, floors: &floorCache{}}
	errView := db.View(ctx, func(tx *Tx) error {
		_, err := tx.AccountByEmail(ctx, "anna@example.org")
		return err
	})
	errTx := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.AccountByEmail(ctx, "anna@example.org")
		return err
	})
	for name, err := range map[string]error{"view": errView, "transaction": errTx} {
		if !apperr.IsDatabaseUnavailable(err) || apperr.CodeOf(err) != apperr.Unavailable {
			t.Errorf("%s on an unreachable database: %v (code %s), want unavailable, database_unavailable", name, err, apperr.CodeOf(err))
		}
		if d := apperr.RetryAfterOf(err); d != apperr.DatabaseRetryAfter {
			t.Errorf("%s on an unreachable database asks a wait of %v, want %v", name, d, apperr.DatabaseRetryAfter)
		}
	}
}

// A server shutting down or starting, a connection broken mid-statement:
// unavailable too. A statement the server refuses for what it says, or a
// caller that gave up, stays what it was.
func TestTranslateTellsAnOutageFromAFailure(t *testing.T) {
	outages := []error{
		&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"},
		&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"},
		&pgconn.PgError{Code: "08006", Message: "connection failure"},
		&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")},
	}
	for _, cause := range outages {
		if err := translate(fmt.Errorf("read account: %w", cause)); !apperr.IsDatabaseUnavailable(err) {
			t.Errorf("translate(%v) = %v, want database_unavailable", cause, err)
		}
	}
	failures := []error{
		&pgconn.PgError{Code: "42601", Message: "syntax error"},
		context.Canceled,
		fmt.Errorf("dial: %w", context.DeadlineExceeded),
	}
	for _, cause := range failures {
		if err := translate(fmt.Errorf("read account: %w", cause)); apperr.CodeOf(err) != apperr.Internal {
			t.Errorf("translate(%v) = %v (code %s), want an internal error", cause, err, apperr.CodeOf(err))
		}
	}
}
