package postgres

import (
	"context"
	"sync"
)

// HoldClaims makes db's next batch of answer claims wait, once it is on
// its way, until n claims have queued behind it: the tests put chosen
// claims into one batch with it. The channel it returns is closed when
// that batch is on its way.
func HoldClaims(db *DB, n int) <-chan struct{} {
	started, held := make(chan struct{}), make(chan struct{})
	var once sync.Once
	write := db.claims.write
	first := true // batches are written one at a time: no lock needed
	db.claims.queued = func(q int) {
		if q >= n {
			once.Do(func() { close(held) })
		}
	}
	db.claims.write = func(ctx context.Context, reqs []answerClaim) ([]claimResult, error) {
		if first {
			first = false
			close(started)
			<-held
		}
		return write(ctx, reqs)
	}
	return started
}

// HoldTxGroup makes the next grouped transaction of key wait, once it is
// on its way, until n fns have queued behind it: the tests put chosen fns
// into one grouped transaction with it. The channel it returns is closed
// when that transaction is on its way.
func HoldTxGroup(db *DB, key string, n int) <-chan struct{} {
	g := db.txGroup(key)
	started, held := make(chan struct{}), make(chan struct{})
	var once sync.Once
	write := g.write
	first := true
	g.queued = func(q int) {
		if q >= n {
			once.Do(func() { close(held) })
		}
	}
	g.write = func(ctx context.Context, reqs []groupedTx) ([]error, error) {
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
