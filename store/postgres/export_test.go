package postgres

import (
	"cityhub/groupcommit"
	"context"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// RideStartsSQL is the statement of RideStarts.
const RideStartsSQL = rideStartsSQL

// HistorySQL is the statement of History.
const HistorySQL = historySQL

// HoldClaims makes db's next batch of answer claims wait, once it is on
// its way, until n claims have queued behind it: the tests put chosen
// claims into one batch with it. The channel it returns is closed when
// that batch is on its way.
func HoldClaims(db *DB, n int) <-chan struct{} { return hold(db.claims, n) }

// HoldTxGroup is HoldClaims for the next grouped transaction of key.
func HoldTxGroup(db *DB, key string, n int) <-chan struct{} { return hold(db.txGroup(key), n) }

// hold makes g's next batch wait, once on its way, until n requests have
// queued behind it, and closes the channel it returns when that batch is
// on its way.
func hold[Req, Res any](g *groupcommit.Group[Req, Res], n int) <-chan struct{} {
	started, held := make(chan struct{}), make(chan struct{})
	var once sync.Once
	write := g.Write
	first := true // batches are written one at a time: no lock needed
	g.Queued = func(q int) {
		if q >= n {
			once.Do(func() { close(held) })
		}
	}
	g.Write = func(ctx context.Context, reqs []Req) ([]Res, error) {
		if first {
			first = false
			close(started)
			<-held
		}
		return write(ctx, reqs)
	}
	return started
}

// TxExec runs a statement in tx, for tests that write rows of their own.
func TxExec(ctx context.Context, tx *Tx, sql string, args ...any) error {
	_, err := tx.q.Exec(ctx, sql, args...)
	return err
}

// ErrNoRowUpdated is TxLaterChecked's check failing.
var ErrNoRowUpdated = errors.New("no row updated")

// TxLaterChecked queues a write in tx whose command tag must count one row.
func TxLaterChecked(ctx context.Context, tx *Tx, sql string, args ...any) error {
	return tx.later(ctx, deferred{what: "checked write", sql: sql, args: args,
		check: func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return ErrNoRowUpdated
			}
			return nil
		}})
}
