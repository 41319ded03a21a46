package vouchers

import "cityhub/groupcommit/groupcommittest"

// HoldRedemptionBatches puts every redemption in one lane and makes its
// next batch wait, once on its way, until n redemptions have queued behind
// it (groupcommittest.Hold). started is closed when that batch is on its
// way; queued is told the queue's length each time a redemption joins it,
// so that a test can queue them in its own order.
func HoldRedemptionBatches(s *Service, n int) (started <-chan struct{}, queued <-chan int) {
	s.SetRedemptionBatching(1)
	q := make(chan int, 1024)
	return groupcommittest.Hold(s.batches[0], n, q), q
}
