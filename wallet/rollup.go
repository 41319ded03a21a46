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
// full batch, else every interval (RollUpEvery when zero). Failures are
// logged and retried at the next tick.
func (s *Service) RunRollUp(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = RollUpEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.RollUp(ctx, RollUpBatch)
		if err != nil && ctx.Err() == nil {
			s.log.Error("ledger roll-up failed", slog.Any("error", err))
		}
		if err == nil && n == RollUpBatch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
