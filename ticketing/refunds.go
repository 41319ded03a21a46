package ticketing

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
)

// Card refund states: owed when the refund is decided, sent while a
// refunder has it in hand, done when Stripe accepted it, failed when
// Stripe refused it for good (a person must look at it).
const (
	RefundOwed   = "owed"
	RefundSent   = "sent"
	RefundDone   = "done"
	RefundFailed = "failed"
)

// CardRefund is card money the hub owes back to a card. It is written in
// the transaction that decides the refund, so a refund is never forgotten,
// and its id is the idempotency key at Stripe, so it is never sent twice.
//
// No ledger movement follows Stripe's answer: a refund_due payment was never
// posted (StripeClearing did not move), and a refunded card sale already
// reversed revenue into StripeClearing, bringing that payment back to zero.
type CardRefund struct {
	ID              string
	OrderID         string
	PaymentIntentID string
	AmountCents     int64
	State           string
	StripeRefundID  string
	Attempts        int
	LastError       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// KeyRound counts the times an administrator sent the refund again
	// after Stripe refused it: each round has a key of its own.
	KeyRound int
}

// IdempotencyKey is the key the refund is sent to Stripe under in its
// round. Stripe answers a key it saw in the last day with its first
// answer, a refusal too, so a refund sent again once the cause of its
// refusal is fixed needs a new key; within a round every send (a lost
// answer, a refunder gone silent) keeps the same one, so Stripe refunds
// once.
func (r CardRefund) IdempotencyKey() string { return RefundKey(r.ID, r.KeyRound) }

// RefundKey is the idempotency key of refund id in round: the id alone in
// round 0, as every refund was sent before rounds existed.
func RefundKey(id string, round int) string {
	if round == 0 {
		return id
	}
	return fmt.Sprintf("%s-round%d", id, round)
}

// RefundFunc sends a refund to the card processor and returns its refund id.
// Unavailable errors leave the refund owed for a later try.
type RefundFunc func(ctx context.Context, paymentIntentID string, amountCents int64, idempotencyKey string) (string, error)

// systemRefunder is who the audit log names for refunds sent to Stripe.
var systemRefunder = identity.Caller{AccountID: "system:refunder"}

// refundLease is how long a sent refund may stay unanswered before another
// refunder takes it again (safe: the idempotency key is the same).
const refundLease = 2 * time.Minute

// oweCardRefund records a card refund inside the deciding transaction; a
// second decision for the same order keeps the first record.
func oweCardRefund(ctx context.Context, tx Tx, o Order, amount int64, now time.Time) error {
	if o.PaymentIntentID == "" || amount <= 0 {
		return nil
	}
	return tx.InsertCardRefund(ctx, CardRefund{ID: ids.New("crf"), OrderID: o.ID, PaymentIntentID: o.PaymentIntentID,
		AmountCents: amount, State: RefundOwed, CreatedAt: now, UpdatedAt: now})
}

// CardRefunds lists the card refunds, newest first, for administrators.
func (s *Service) CardRefunds(ctx context.Context) ([]CardRefund, error) {
	var out []CardRefund
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListCardRefunds(ctx, 200)
		return err
	})
	return out, err
}

// RefundOutcome is what a send through a RefundFunc leaves a refund record
// at: done with Stripe's refund id; still owed when Stripe could not be
// reached (the next round sends it again under the same idempotency key);
// failed, for a person to look at, when Stripe refused it. stripeID is the
// record's id so far, kept when the send did not succeed.
func RefundOutcome(stripeID, refundID string, err error) (state, newStripeID, lastError string) {
	switch {
	case err == nil:
		return RefundDone, refundID, ""
	case apperr.Has(err, apperr.Unavailable):
		return RefundOwed, stripeID, err.Error()
	default:
		return RefundFailed, stripeID, err.Error()
	}
}

// SendRefunds sends every owed card refund (and sent ones whose refunder
// went silent) to send. Each is claimed by one conditional write first, so
// concurrent refunders send each once. It returns how many Stripe accepted.
func (s *Service) SendRefunds(ctx context.Context, send RefundFunc) (int, error) {
	if send == nil {
		return 0, apperr.E(apperr.Unavailable, "Card refunds cannot be sent: Stripe is not configured.")
	}
	var due []CardRefund
	if err := s.store.View(ctx, func(tx Tx) error {
		var err error
		due, err = tx.DueCardRefunds(ctx, s.now().Add(-refundLease), 100)
		return err
	}); err != nil {
		return 0, err
	}
	done := 0
	for _, listed := range due {
		// Sent as claimed, not as listed: a retry may have moved its key's
		// round since.
		var r CardRefund
		var ok bool
		if err := s.store.InTx(ctx, func(tx Tx) error {
			now := s.now()
			var err error
			r, ok, err = tx.ClaimCardRefund(ctx, listed.ID, now.Add(-refundLease), now)
			return err
		}); err != nil {
			return done, err
		}
		if !ok {
			continue
		}
		refundID, err := send(ctx, r.PaymentIntentID, r.AmountCents, r.IdempotencyKey())
		r.UpdatedAt = s.now()
		r.State, r.StripeRefundID, r.LastError = RefundOutcome(r.StripeRefundID, refundID, err)
		if ferr := s.store.InTx(ctx, func(tx Tx) error {
			if err := tx.FinishCardRefund(ctx, r); err != nil {
				return err
			}
			return s.audit(ctx, tx, systemRefunder, "ticket.card_refund."+r.State, "ticket_order", r.OrderID,
				map[string]any{"refund": r.ID, "amount_cents": r.AmountCents, "stripe_refund": r.StripeRefundID})
		}); ferr != nil {
			return done, fmt.Errorf("record card refund: %w", ferr)
		}
		if err != nil {
			s.log.WarnContext(ctx, "card refund not sent", slog.String("refund", r.ID), slog.String("order", r.OrderID),
				slog.String("state", r.State), slog.Any("err", err))
			continue
		}
		done++
	}
	return done, nil
}

// RunRefunds sends owed card refunds every interval until ctx ends. Without
// a sender (Stripe not configured) it does nothing: the refunds stay owed.
func (s *Service) RunRefunds(ctx context.Context, send RefundFunc, every time.Duration) {
	if send == nil || every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SendRefunds(ctx, send); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "sending card refunds failed", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
