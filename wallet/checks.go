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

// checks keeps the latest check this process ran or read; one check runs
// at a time, and callers that want one while it runs share its result.
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

// LatestCheck returns the latest check that a hub sharing this database
// ran, if it started no more than maxAge ago, and otherwise runs one (maxAge
// 0: always). Every check that runs is kept in the database (Tx.SaveCheck),
// so the hubs behind one balancer show the same latest check, a hub that
// restarts shows it at once, and a hub whose check is due runs none when
// another ran one within maxAge. A check that is running when it is asked
// for is waited for and shared, whatever its age: it started just now. The
// run does not end when ctx does (the other callers may still want it),
// only after checkTimeout; this caller stops waiting.
func (s *Service) LatestCheck(ctx context.Context, maxAge time.Duration) (CheckedAt, error) {
	if maxAge > 0 {
		if c, ok := s.latestKnown(ctx); ok && s.now().Sub(c.At) <= maxAge {
			return c, nil
		}
	}
	ch := s.checks.flight.DoChan("check", func() (any, error) {
		// To the microsecond, as the databases keep it: the time a hub
		// reads back is the time the hub that ran the check gave.
		at := s.now()
		runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkTimeout)
		defer cancel()
		c, err := s.Check(runCtx)
		if err != nil {
			return nil, err
		}
		done := CheckedAt{LedgerCheck: c, At: at}
		s.remember(done)
		// A check that cannot be kept is still this caller's answer and
		// this hub's latest; the other hubs run their own when theirs is due.
		if err := s.store.InTx(runCtx, func(tx Tx) error { return tx.SaveCheck(runCtx, done) }); err != nil {
			s.log.Error("ledger check not kept", slog.Any("error", err))
		}
		return done, nil
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

// latestKnown is the newer of the latest check kept in the database and the
// latest this process ran or read; a kept check that did not run every
// reconciliation this hub registers is not taken. One that cannot be read
// from the database is logged, and this process's own is used.
func (s *Service) latestKnown(ctx context.Context) (CheckedAt, bool) {
	var kept CheckedAt
	var found bool
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		kept, found, err = tx.LatestSavedCheck(ctx)
		return err
	})
	if err != nil {
		s.log.Warn("latest kept ledger check not read", slog.Any("error", err))
	} else if found && s.covers(kept.LedgerCheck) {
		// Kept before reconciliations existed: none ran, none found.
		if kept.Discrepancies == nil {
			kept.Discrepancies = []Discrepancy{}
		}
		if kept.Reconciled == nil {
			kept.Reconciled = []string{}
		}
		if kept.Unreconciled == nil {
			kept.Unreconciled = []string{}
		}
		// Kept before closed accounts were looked at.
		if kept.ClosedWithCredit == nil {
			kept.ClosedWithCredit = []ClosedCredit{}
		}
		s.remember(kept)
	}
	return s.lastCheck()
}

// remember keeps c as this process's latest check unless it knows a newer one.
func (s *Service) remember(c CheckedAt) {
	s.checks.mu.Lock()
	defer s.checks.mu.Unlock()
	if c.At.After(s.checks.at) {
		s.checks.last, s.checks.at = c.LedgerCheck, c.At
	}
}

// lastCheck is the latest check this process ran or read, if any.
func (s *Service) lastCheck() (CheckedAt, bool) {
	s.checks.mu.Lock()
	defer s.checks.mu.Unlock()
	return CheckedAt{LedgerCheck: s.checks.last, At: s.checks.at}, !s.checks.at.IsZero()
}

// RunChecks checks the ledger at once and then every interval (CheckEvery
// when every is 0 or less). At each tick it runs none when a newer check
// than its own last one started within the interval: another hub's sharing
// the database, or one a page of this hub asked for. Of several hubs, the
// one whose turn comes first runs the check and the others find it kept.
// (Two whose turns come within one check's run of each other both run it.)
// Its own last check never stands for the next one, however late after its
// tick it started (a slow first read, a busy machine). Check logs a failed
// one as an error; a check that could not run is logged and tried again at
// the next tick.
func (s *Service) RunChecks(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = CheckEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var mine time.Time // when the last check this loop ran started
	for {
		asked := s.now()
		c, err := s.LatestCheck(ctx, every)
		if err == nil && !mine.IsZero() && c.At.Equal(mine) {
			c, err = s.LatestCheck(ctx, 0)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("ledger check did not run", slog.Any("error", err))
		case err == nil && c.At.Before(asked):
			s.log.Debug("ledger check recent enough", slog.Time("checked_at", c.At), slog.Bool("ok", c.OK()))
		case err == nil:
			mine = c.At
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
