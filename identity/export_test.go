package identity

import "cityhub/groupcommit/groupcommittest"

// HoldCallerReads makes the next grouped read of callers' accounts wait,
// once on its way, until n more have queued behind it
// (groupcommittest.Hold); started is closed when that read is on its way.
// grouped is false when the service reads one account at a time (its
// store is no AccountsReader): then nothing is held.
func HoldCallerReads(s *Service, n int) (started <-chan struct{}, grouped bool) {
	if s.callerReads == nil {
		return nil, false
	}
	return groupcommittest.Hold(s.callerReads, n, nil), true
}
