package vouchers

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityhub/apperr"
	"cityhub/mail"
)

// DefaultReminderDays is how long before a voucher expires its holder is
// reminded by e-mail, unless configured otherwise.
const DefaultReminderDays = 3

// reminderBatch bounds one reminder transaction.
const reminderBatch = 200

// RemindExpiring enqueues one "about to expire" e-mail for each active
// voucher with value left that expires within `within` from now and whose
// holder was not reminded yet, and returns how many it enqueued. The
// e-mail and the mark that it was sent commit together, so every voucher
// is reminded once, whichever replica runs this and however often.
// Holders without a real address (or gone) are marked without an e-mail.
func (s *Service) RemindExpiring(ctx context.Context, within time.Duration) (int, error) {
	if s.mail == nil || within <= 0 {
		return 0, nil
	}
	total := 0
	for {
		n, more, err := s.remindBatch(ctx, within)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

func (s *Service) remindBatch(ctx context.Context, within time.Duration) (sent int, more bool, err error) {
	err = s.store.InTx(ctx, func(tx Tx) error {
		now := s.now()
		vs, err := tx.VouchersToRemind(ctx, now, now.Add(within), reminderBatch)
		if err != nil {
			return err
		}
		more = len(vs) == reminderBatch
		campaigns := map[string]Campaign{}
		for _, v := range vs {
			ok, err := tx.MarkReminded(ctx, v.ID, now)
			if err != nil {
				return err
			}
			if !ok {
				continue // another reminder got there first
			}
			if v.ClaimedAt.After(v.ExpiresAt.Add(-within)) {
				// Claimed when it already expired within the window: the
				// claim's e-mail, written then, gave its last day, and a
				// reminder would follow it within minutes saying the same.
				// Marked, so it is not looked at again.
				continue
			}
			a, err := tx.AccountByID(ctx, v.AccountID)
			if apperr.Has(err, apperr.NotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read voucher holder: %w", err)
			}
			if !a.Mailable() {
				continue
			}
			camp, ok := campaigns[v.CampaignID]
			if !ok {
				if camp, err = tx.Campaign(ctx, v.CampaignID); err != nil {
					return fmt.Errorf("read campaign: %w", err)
				}
				campaigns[camp.ID] = camp
			}
			if camp.Status == StatusClosed {
				// No shop takes it any more: a reminder to use it would
				// send the holder to a till that refuses it. Marked, so it
				// is not looked at again.
				continue
			}
			m, err := s.mail.VoucherExpiring(mail.Recipient{AccountID: a.ID, Email: a.Email, Name: a.Name, Locale: a.Locale},
				mail.Voucher{Campaign: camp.Name, ValueCents: v.RemainingCents, PercentOff: camp.PercentOff, MinSpendCents: camp.MinSpendCents, ExpiresAt: v.ExpiresAt})
			if err == nil {
				_, err = mail.Enqueue(ctx, tx, m, now)
				if err != nil && !apperr.Has(err, apperr.Invalid) {
					return err // the write failed: the transaction is done for
				}
			}
			if err != nil {
				// A composing defect or an address the outbox refuses: the
				// voucher stays marked, so it is not retried every run.
				s.log.ErrorContext(ctx, "voucher reminder not enqueued", slog.String("voucher", v.ID), slog.Any("error", err))
				continue
			}
			sent++
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("remind expiring vouchers: %w", err)
	}
	return sent, more, nil
}

// RunReminders reminds holders of vouchers expiring within `within`, every
// `every`, until ctx ends. Failures are logged and retried next time.
func (s *Service) RunReminders(ctx context.Context, within, every time.Duration) {
	if within <= 0 || s.mail == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.RemindExpiring(ctx, within); err != nil && ctx.Err() == nil {
			s.log.Error("voucher reminders failed", slog.Any("error", err))
		} else if n > 0 {
			s.log.Info("voucher reminders enqueued", slog.Int("count", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
