package cardpay

import (
	"context"

	"cityhub/apperr"
	"cityhub/identity"
)

// Top-up states as the citizen sees them.
const (
	// TopUpPending: the hub created the payment; Stripe has not confirmed
	// it (the card may not have been charged, or the webhook is late).
	TopUpPending = "pending"
	// TopUpCredited: the webhook confirmed it and the credit was booked.
	TopUpCredited = "credited"
	// TopUpRefunded: credited, then (partly) refunded to the card.
	TopUpRefunded = "refunded"
)

// TopUpState is what the citizen is told about a top-up payment. Only a
// confirmed Stripe event moves a payment out of pending, never the
// citizen's return from the payment page.
func TopUpState(p Payment) string {
	switch {
	case p.RefundedCents > 0:
		return TopUpRefunded
	case p.CreditedCents > 0:
		return TopUpCredited
	}
	return TopUpPending
}

// MyTopUps lists the caller's latest card top-ups, newest first, at most
// limit (1 to 100). Forbidden unless the caller is a citizen.
func (s *Service) MyTopUps(ctx context.Context, c identity.Caller, limit int) ([]Payment, error) {
	if !c.Has(identity.RoleCitizen) || c.AccountID == "" {
		return nil, apperr.E(apperr.Forbidden, "Only a citizen has top-ups.")
	}
	limit = min(max(limit, 1), 100)
	var out []Payment
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.RecentTopUpPayments(ctx, c.AccountID, limit)
		return err
	})
	return out, err
}
