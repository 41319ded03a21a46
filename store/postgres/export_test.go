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
