// Package groupcommit writes the requests that arrive while one batch of
// them is being written as the next batch: group commit. It knows neither
// HTTP nor SQL; stores and domains give it the write of a batch.
package groupcommit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Group writes the requests that arrive while one batch of them is on its
// way to the server as the next batch, in one statement and one
// transaction: group commit. Under load a hundred keyed API requests claim
// their keys in one round trip and one commit instead of a hundred; alone, a
// request is written at once, as it would be without the group. Nothing
// waits for a batch to fill.
//
// The caller that finds no batch on its way writes one: its own request and
// whatever queued before it took them. Whoever queues meanwhile waits; when
// the batch is written, the first of them is woken to write the next one.
// So every caller waits for at most the batch before its own and its own
// (while no more than Max wait: beyond, for the batches that take those
// queued before it), and no goroutine runs beside the callers.
type Group[Req, Res any] struct {
	// Write writes one batch: a result per request, in order, or an error
	// for all of them.
	Write func(ctx context.Context, reqs []Req) ([]Res, error)
	// Max bounds a batch; what is over waits for the next one.
	Max int
	// Queued, when set (tests), is told the queue's length after each
	// request joins it.
	Queued func(n int)

	mu    sync.Mutex
	queue []*call[Req, Res]
	busy  bool // a batch is being written; busy == false means queue is empty
}

type call[Req, Res any] struct {
	req  Req
	res  Res
	err  error
	done chan struct{}
	// lead: woken not with a result but to write the next batch, which
	// begins with this call.
	lead bool
}

// Do writes req in the next batch and returns its result. The batch is
// written under the context of the caller that writes it, without its
// cancellation (the others in the batch did not ask for that) but within
// WriteTimeout, so that a server that stops answering fails the batch
// instead of holding its callers for good. A caller whose context ends
// while its request still waits in the queue leaves it, unwritten, with
// the context's error: a client that went away takes no place in a batch,
// and a server that stalls does not hold the callers who gave up. Once a
// batch has taken the request, or its caller is to write the next one, it
// waits for the batch: what is on its way is not taken back.
func (g *Group[Req, Res]) Do(ctx context.Context, req Req) (Res, error) {
	c := &call[Req, Res]{req: req, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	n, busy := len(g.queue), g.busy
	g.busy = true
	g.mu.Unlock()
	if g.Queued != nil {
		g.Queued(n)
	}
	if busy {
		select {
		case <-c.done:
		case <-ctx.Done():
			if g.leave(c) {
				var zero Res
				return zero, ctx.Err()
			}
			<-c.done
		}
		if !c.lead {
			return c.res, c.err
		}
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), WriteTimeout)
	defer cancel()
	g.writeNext(wctx)
	return c.res, c.err
}

// leave takes c out of the queue unless a batch took it, or it was made the
// next batch's writer, meanwhile; it reports whether c left.
func (g *Group[Req, Res]) leave(c *call[Req, Res]) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.lead {
		return false
	}
	i := slices.Index(g.queue, c)
	if i < 0 {
		return false
	}
	g.queue = slices.Delete(g.queue, i, i+1)
	return true
}

// WriteTimeout bounds the writing of one batch.
const WriteTimeout = 30 * time.Second

// writeNext writes the batch at the head of the queue, tells its callers,
// and hands the next batch to the first caller left waiting.
func (g *Group[Req, Res]) writeNext(ctx context.Context) {
	g.mu.Lock()
	k := min(len(g.queue), max(g.Max, 1))
	batch := g.queue[:k:k]
	g.queue = g.queue[k:]
	g.mu.Unlock()

	reqs := make([]Req, len(batch))
	for i, c := range batch {
		reqs[i] = c.req
	}
	res, crashed, err := g.safeWrite(ctx, reqs)
	for i, c := range batch {
		if err != nil {
			c.err = err
		} else {
			c.res = res[i]
		}
		if i > 0 {
			close(c.done) // batch[0] is the writer: it is not waiting
		}
	}

	g.mu.Lock()
	if len(g.queue) == 0 {
		g.busy = false
	} else {
		next := g.queue[0]
		next.lead = true
		close(next.done)
	}
	g.mu.Unlock()
	if crashed != nil {
		panic(crashed) // the writer's own, once the others are told
	}
}

// safeWrite is write with a panic turned into every caller's error, so
// that the callers waiting on the batch are not left waiting for good.
func (g *Group[Req, Res]) safeWrite(ctx context.Context, reqs []Req) (res []Res, crashed any, err error) {
	defer func() {
		if crashed = recover(); crashed != nil {
			err = fmt.Errorf("write a batch of %d: panic: %v", len(reqs), crashed)
		}
	}()
	res, err = g.Write(ctx, reqs)
	if err == nil && len(res) != len(reqs) {
		err = fmt.Errorf("write a batch of %d: %d results", len(reqs), len(res))
	}
	return res, nil, err
}
