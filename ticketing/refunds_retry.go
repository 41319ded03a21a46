package ticketing

import (
	"context"

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
// owed, in a new key round, so the refund loop sends it again under a key
// Stripe has not answered, once a person has fixed what made Stripe refuse
// it (under the refused key Stripe would answer the refusal again for a
// day). Forbidden unless the caller is a city administrator; NotFound when
// the order has no card refund; Conflict (refund_not_failed) for one that
// is owed, sent or done, which changes nothing. Only a refused refund gets
// a new key, and a refusal means Stripe made no refund, so no card is paid
// twice; a refund whose answer was lost stays in its round.
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
		r.KeyRound++
		r.UpdatedAt = s.now()
		if err := tx.FinishCardRefund(ctx, r); err != nil {
			return err
		}
		out = r
		return s.audit(ctx, tx, c, "ticket.card_refund.retry", "ticket_order", r.OrderID,
			map[string]any{"refund": r.ID, "amount_cents": r.AmountCents, "last_error": r.LastError, "key_round": r.KeyRound})
	})
	return out, err
}
