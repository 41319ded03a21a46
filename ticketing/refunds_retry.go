package ticketing

import (
	"context"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
)

// AdminCardRefunds lists the card refunds, newest first, for a city
// administrator. Forbidden for anyone else.
func (s *Service) AdminCardRefunds(ctx context.Context, c identity.Caller) ([]CardRefund, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	return s.CardRefunds(ctx)
}

// RetryCardRefund puts a failed card refund (Stripe refused it) back to
// owed, so the refund loop sends it again under the same idempotency key,
// once a person has fixed what made Stripe refuse it. Forbidden unless the
// caller is a city administrator; NotFound when the order has no card
// refund; Conflict (refund_not_failed) for one that is owed, sent or done,
// which changes nothing. The same key at Stripe means that even a retry
// racing the loop cannot pay a card twice.
func (s *Service) RetryCardRefund(ctx context.Context, c identity.Caller, orderID string) (CardRefund, error) {
	if err := requireAdmin(c); err != nil {
		return CardRefund{}, err
	}
	var out CardRefund
	err := s.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.CardRefundOfOrder(ctx, orderID)
		if err != nil {
			if apperr.Has(err, apperr.NotFound) {
				return apperr.R(apperr.NotFound, "refund_not_found", "This order has no card refund.")
			}
			return err
		}
		if r.State != RefundFailed {
			return apperr.R(apperr.Conflict, "refund_not_failed", "Only a failed card refund can be sent again; this one is %s.", r.State)
		}
		r.State = RefundOwed
		r.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
		if err := tx.FinishCardRefund(ctx, r); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, c, "ticket.card_refund.retry", "ticket_order", r.OrderID,
			map[string]any{"refund": r.ID, "amount_cents": r.AmountCents, "last_error": r.LastError})
	})
	return out, err
}
