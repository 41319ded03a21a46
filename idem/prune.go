package idem

import (
	"context"
	"log/slog"
	"time"
)

// Pruner forgets what was kept for retries long ago: the answers of keyed
// requests (AnswerStore) and the results of keyed operations (Do's). A
// client retries within minutes or hours; what was kept longer only holds
// people's data (a report as first answered, its reporter's name in it)
// that nothing reads again.
type Pruner interface {
	// PruneKept deletes up to limit kept answers and up to limit kept
	// results made before before, and says how many went. The answers
	// include keys left lost (their request committed, their answer never
	// came: dated by their claim, see ReleaseAnswer): a retry after their
	// pruning runs again. A claim still held stays.
	PruneKept(ctx context.Context, before time.Time, limit int) (int, error)
}

// PrunedAnswerStore keeps answers and forgets them in time: what a
// database holds for the hub's keyed requests.
type PrunedAnswerStore interface {
	AnswerStore
	Pruner
}

// pruneBatch bounds one statement's deletions, so that a first pruning
// of a large backlog holds no lock for long.
const pruneBatch = 1000

// Prune deletes everything p kept from before ttl ago, a batch at a time,
// and says how much went. A retry with a key older than ttl then runs
// again, as a new request.
func Prune(ctx context.Context, p Pruner, ttl time.Duration, now time.Time) (int, error) {
	total := 0
	for {
		n, err := p.PruneKept(ctx, now.Add(-ttl), pruneBatch)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}

// RunPrune prunes every `every` until ctx ends; a failure is logged and
// tried again next time.
func RunPrune(ctx context.Context, p Pruner, ttl, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := Prune(ctx, p, ttl, time.Now()); err != nil && ctx.Err() == nil {
			log.Error("pruning kept answers failed", slog.Any("error", err))
		} else if n > 0 {
			log.Info("kept answers pruned", slog.Int("count", n), slog.Duration("older_than", ttl))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
