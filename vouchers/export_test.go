package vouchers

import "cityhub/groupcommit/groupcommittest"

// HoldRedemptionBatches makes the next batch of redemptions wait, once on
// its way, until n redemptions have queued behind it
// (groupcommittest.Hold). started is closed when that batch is on its way;
// queued is told the queue's length each time a redemption joins it, so
// that a test can queue them in its own order.
func HoldRedemptionBatches(s *Service, n int) (started <-chan struct{}, queued <-chan int) {
	q := make(chan int, 1024)
	return groupcommittest.Hold(s.batch, n, q), q
}
