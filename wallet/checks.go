package wallet

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// CheckEvery is how often every hub checks its whole ledger in the
// background (RunChecks). The check reads every entry (about a second and a
// half at a million entries), so pages show the latest one instead of
// running their own, and a failed check reaches the log within this time
// whether or not anyone looks.
const CheckEvery = 10 * time.Minute

// checkTimeout bounds one check: the callers that share it may all have
// gone, and a check stuck on the database would otherwise hold every later
// one (they join it) until the hub restarts.
const checkTimeout = 5 * time.Minute

// checks keeps the latest check this process ran; one check runs at a time,
// and callers that want one while it runs share its result.
type checks struct {
	flight singleflight.Group
	mu     sync.Mutex
	last   LedgerCheck
	at     time.Time
}

// CheckedAt is a ledger check and when it started.
type CheckedAt struct {
	LedgerCheck
	At time.Time
}

// LatestCheck returns the latest check this hub ran if it started no more
// than maxAge ago, and otherwise runs one (maxAge 0: always). A check that
// is running when it is asked for is waited for and shared, whatever its
// age: it started just now. The run does not end when ctx does (the other
// callers may still want it), only after checkTimeout; this caller stops
// waiting.
func (s *Service) LatestCheck(ctx context.Context, maxAge time.Duration) (CheckedAt, error) {
	if c, ok := s.lastCheck(); ok && maxAge > 0 && s.now().Sub(c.At) <= maxAge {
		return c, nil
	}
	ch := s.checks.flight.DoChan("check", func() (any, error) {
		at := s.now()
		runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkTimeout)
		defer cancel()
		c, err := s.Check(runCtx)
		if err != nil {
			return nil, err
		}
		s.checks.mu.Lock()
		defer s.checks.mu.Unlock()
		if at.After(s.checks.at) {
			s.checks.last, s.checks.at = c, at
		}
		return CheckedAt{LedgerCheck: c, At: at}, nil
	})
	select {
	case <-ctx.Done():
		return CheckedAt{}, fmt.Errorf("wait for the ledger check: %w", ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return CheckedAt{}, r.Err
		}
		return r.Val.(CheckedAt), nil
	}
}

// lastCheck is the latest check this process ran, if any.
func (s *Service) lastCheck() (CheckedAt, bool) {
	s.checks.mu.Lock()
	defer s.checks.mu.Unlock()
	return CheckedAt{LedgerCheck: s.checks.last, At: s.checks.at}, !s.checks.at.IsZero()
}

// RunChecks checks the ledger at once and then every interval (CheckEvery
// when zero) until ctx ends. Check logs a failed one as an error; a check
// that could not run is logged and tried again at the next tick.
func (s *Service) RunChecks(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = CheckEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.LatestCheck(ctx, 0); err != nil && ctx.Err() == nil {
			s.log.Error("ledger check did not run", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
