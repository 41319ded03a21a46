package identity

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityhub/audit"
)

// DefaultUnverifiedTTL is how long an account whose address was never
// verified is kept, unless configured otherwise: long enough for a
// verification link (48 h) and a second one, short enough that a stranger's
// address is not held for long by a sign-up its owner never made.
const DefaultUnverifiedTTL = 7 * 24 * time.Hour

const purgeBatch = 100

// PurgeUnverified erases (as DeleteAccount) every account made more than
// ttl ago whose address was never verified: such an account could never
// log in, so it holds nothing but the personal data typed at sign-up,
// which is not kept without a reason. Accounts with a fiscal code, or any
// money moved for them, are never touched; nor one whose e-mailed link
// (a verification sent again, a reset) still works: it is erased once the
// last such link has expired, so a link never outlives its account while
// it says it works. Returns how many it erased.
func (s *Service) PurgeUnverified(ctx context.Context, ttl time.Duration) (int, error) {
	if ttl <= 0 {
		return 0, nil
	}
	total := 0
	for {
		var n int
		err := s.store.InTx(ctx, func(tx Tx) error {
			now := s.now()
			ids, err := tx.UnverifiedAccounts(ctx, now.Add(-ttl), now, purgeBatch)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := erase(ctx, tx, id, now, audit.Entry{ActorID: "system", Action: "account.purge_unverified"}); err != nil {
					return fmt.Errorf("erase account %s: %w", id, err)
				}
			}
			n = len(ids)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("purge unverified accounts: %w", err)
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}

// RunPurge purges unverified accounts older than ttl every `every` until
// ctx ends; failures are logged and retried next time.
func (s *Service) RunPurge(ctx context.Context, ttl, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.PurgeUnverified(ctx, ttl); err != nil && ctx.Err() == nil {
			s.log.Error("purging unverified accounts failed", slog.Any("error", err))
		} else if n > 0 {
			s.log.Info("unverified accounts erased", slog.Int("count", n), slog.Duration("older_than", ttl))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
