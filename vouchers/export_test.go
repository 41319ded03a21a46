package vouchers

import (
	"context"
	"sync"
)

// HoldRedemptionBatches puts every redemption in one lane and makes its
// next batch wait, once on its way, until n redemptions have queued behind
// it. started is closed when that batch is on its way; queued is told the
// queue's length each time a redemption joins it, so that a test can queue
// them in its own order.
func HoldRedemptionBatches(s *Service, n int) (started <-chan struct{}, queued <-chan int) {
	s.SetRedemptionBatching(1)
	g := s.batches[0]
	st, held, q := make(chan struct{}), make(chan struct{}), make(chan int, 1024)
	var once sync.Once
	write := g.Write
	first := true // batches are written one at a time: no lock needed
	g.Queued = func(k int) {
		q <- k
		if k >= n {
			once.Do(func() { close(held) })
		}
	}
	g.Write = func(ctx context.Context, reqs []batchRedemption) ([]batchAnswer, error) {
		if first {
			first = false
			close(st)
			<-held
		}
		return write(ctx, reqs)
	}
	return st, q
}
