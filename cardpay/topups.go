package cardpay

import (
	"context"
	"fmt"

	"cityhub/apperr"
	"cityhub/identity"
)

// Top-up states as the citizen sees them.
const (
	// TopUpPending: the hub created the payment; Stripe has not confirmed
	// it (the card may not have been charged yet, or the webhook is late).
	TopUpPending = "pending"
	// TopUpFailed: Stripe reported a declined attempt and no success yet.
	// Another attempt on the same payment may still succeed.
	TopUpFailed = "failed"
	// TopUpCredited: the webhook confirmed it and the credit was booked.
	TopUpCredited = "credited"
	// TopUpRefunded: credited, then (partly) refunded to the card.
	TopUpRefunded = "refunded"
	// TopUpDisputed: the cardholder disputed the payment and the dispute
	// is open; its amount is held from the credit until it closes. A
	// dispute won (or an inquiry closed) gives it back, and the top-up is
	// credited (or refunded) again.
	TopUpDisputed = "disputed"
	// TopUpDisputeLost: the dispute was lost; the money went back to the
	// card and the credit stays debited.
	TopUpDisputeLost = "dispute_lost"
)

// TopUpStates lists every state a top-up can be shown in.
var TopUpStates = []string{TopUpPending, TopUpFailed, TopUpCredited, TopUpRefunded, TopUpDisputed, TopUpDisputeLost}

// TopUpRecord is a top-up payment as the store reads it for the wallet.
type TopUpRecord struct {
	Payment
	// Failed: a payment_intent.payment_failed event was recorded for it.
	Failed bool
	// Dispute is the status of the payment's dispute that matters most to
	// the citizen: open over lost over won; "" when it has none.
	Dispute string
}

// TopUp is a card top-up with the state the citizen is shown.
type TopUp struct {
	Payment
	State string `json:"state"`
}

// TopUpState is what the citizen is told about a top-up payment. Only a
// verified Stripe event moves a payment out of pending, never the
// citizen's return from the payment page. A dispute open or lost says more
// than a refund: it is what moved the credit last, or will.
func TopUpState(r TopUpRecord) string {
	switch {
	case r.Dispute == DisputeOpen:
		return TopUpDisputed
	case r.Dispute == DisputeLost:
		return TopUpDisputeLost
	case r.RefundedCents > 0:
		return TopUpRefunded
	case r.CreditedCents > 0:
		return TopUpCredited
	case r.Failed:
		return TopUpFailed
	}
	return TopUpPending
}

// MyTopUps lists the caller's latest card top-ups, newest first, at most
// limit (1 to 100). Forbidden unless the caller is a citizen.
func (s *Service) MyTopUps(ctx context.Context, c identity.Caller, limit int) ([]TopUp, error) {
	if !c.Has(identity.RoleCitizen) || c.AccountID == "" {
		return nil, apperr.R(apperr.Forbidden, "not_citizen", "Only a citizen has top-ups.")
	}
	limit = min(max(limit, 1), 100)
	var recs []TopUpRecord
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		recs, err = tx.RecentTopUpPayments(ctx, c.AccountID, limit)
		return err
	})
	out := make([]TopUp, 0, len(recs))
	for _, r := range recs {
		out = append(out, TopUp{Payment: r.Payment, State: TopUpState(r)})
	}
	return out, err
}

// attemptFailed applies payment_intent.payment_failed: no money moves; the
// recorded event is what makes a pending top-up show as failed. An event
// about a payment the hub did not create concerns nobody here.
func (s *Service) attemptFailed(ctx context.Context, tx Tx, ev Event) (Outcome, error) {
	if ev.PaymentIntentID == "" {
		return Outcome{}, nil
	}
	_, err := tx.LockPayment(ctx, ev.PaymentIntentID)
	switch {
	case apperr.Has(err, apperr.NotFound):
		return Outcome{}, nil
	case err != nil:
		return Outcome{}, fmt.Errorf("lock card payment: %w", err)
	}
	return Outcome{Handled: true}, nil
}
