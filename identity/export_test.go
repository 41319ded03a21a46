package identity

// CallerReadsQueued tells, on the channel it returns, the length of the
// queue of callers' account reads each time a request joins it. grouped is
// false when the service reads one account at a time (its store is no
// AccountsReader). Call it before the service is used.
func CallerReadsQueued(s *Service) (queued <-chan int, grouped bool) {
	if s.callerReads == nil {
		return nil, false
	}
	q := make(chan int, 1024)
	s.callerReads.Queued = func(n int) { q <- n }
	return q, true
}

// HoldHashing takes every password-hashing slot of s, as a burst of
// logins would, until release is called.
func HoldHashing(s *Service) (release func()) {
	for range cap(s.hashing) {
		s.hashing <- struct{}{}
	}
	return func() {
		for range cap(s.hashing) {
			<-s.hashing
		}
	}
}
