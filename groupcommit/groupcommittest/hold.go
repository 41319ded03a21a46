// Package groupcommittest lets tests put chosen requests into one batch of
// a groupcommit.Group.
package groupcommittest

import (
	"context"
	"sync"

	"cityhub/groupcommit"
)

// Hold makes g's next batch wait, once on its way, until n requests have
// queued behind it, and closes the channel it returns when that batch is
// on its way. queued, when not nil, is told the queue's length each time a
// request joins it, so that a test can queue requests in an order of its
// own (each send waits for the test to read it, or for room in queued).
// Call it before g is used.
func Hold[Req, Res any](g *groupcommit.Group[Req, Res], n int, queued chan<- int) <-chan struct{} {
	started, held := make(chan struct{}), make(chan struct{})
	var once sync.Once
	write := g.Write
	first := true // batches are written one at a time: no lock needed
	g.Queued = func(q int) {
		if queued != nil {
			queued <- q
		}
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
