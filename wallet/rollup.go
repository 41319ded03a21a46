package wallet

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// RollUpBatch is how many pending rows one roll-up moves into cached
// balances: large enough that a busy city-wide account is brought up to date
// in one short transaction, small enough that the transaction stays short.
const RollUpBatch = 5000

// RollUpEvery is how often every hub runs the roll-up when nothing is
// waiting. Reads are exact either way; the roll-up only keeps the number of
// entries a read adds up small.
const RollUpEvery = 250 * time.Millisecond

// RollUp adds at most limit pending rows of appended entries of accounts
// without a floor to their cached balances (Tx.RollUp), in a transaction of
// its own, and returns how many rows.
// It is safe to run on every replica at once and to kill at any moment: the
// entries it takes are marked rolled up in the transaction that adds them,
// and a roll-up that finds another one running does nothing.
func (s *Service) RollUp(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = RollUpBatch
	}
	var n int
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		n, err = tx.RollUp(ctx, limit)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("roll up ledger entries: %w", err)
	}
	return n, nil
}

// RunRollUp rolls up appended entries until ctx ends: at once again after a
// full batch, else every interval (RollUpEvery when zero). Failures (the
// database away) are retried less and less often, up to rollUpMaxWait
// apart, and logged when they begin, at most once a minute while they
// last, and when they end: four error lines a second per replica for as
// long as the database is away would bury the log.
func (s *Service) RunRollUp(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = RollUpEvery
	}
	t := time.NewTimer(every)
	defer t.Stop()
	fails := 0
	var logged time.Time
	for {
		n, err := s.RollUp(ctx, RollUpBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			fails++
			if fails == 1 || time.Since(logged) >= time.Minute {
				s.log.Error("ledger roll-up failed", slog.Int("failures", fails), slog.Duration("next_try_in", rollUpWait(every, fails)), slog.Any("error", err))
				logged = time.Now()
			}
		case err == nil && fails > 0:
			s.log.Info("ledger roll-up works again", slog.Int("failures", fails))
			fails = 0
		}
		if err == nil && n == RollUpBatch {
			continue
		}
		t.Reset(rollUpWait(every, fails))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// rollUpMaxWait is the longest wait between roll-ups that fail.
const rollUpMaxWait = 30 * time.Second

// rollUpWait is the wait before the next roll-up after fails failures in a
// row: every, doubled with each failure, at most rollUpMaxWait.
func rollUpWait(every time.Duration, fails int) time.Duration {
	d := every
	for range min(fails, 20) {
		d *= 2
		if d >= rollUpMaxWait {
			return rollUpMaxWait
		}
	}
	return d
}
