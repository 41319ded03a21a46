package ticketing

import (
	"context"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
)

// CancelMyOrder cancels one of the caller's own paid orders under the
// performance's self-cancellation rule: its tickets are cancelled, its
// seats go back on sale and the money returns the way it came (to the
// credit, or to the card by a refund sent to Stripe), exactly once, as an
// administrator's refund does. Cancelling an order already refunded
// answers it unchanged when the buyer cancelled it (its note says so); one
// refunded by anyone else is refused, as the buyer never cancelled it:
// self_cancel_not_allowed where the performance allows no cancellation,
// already_refunded where it does. NotFound unless the caller's; Conflict when the
// performance allows no cancellation (self_cancel_not_allowed), its
// deadline passed (self_cancel_closed, naming it), the order is not paid
// (order_not_cancellable), a card dispute is open or lost (order_disputed) or a
// ticket was used (ticket_used).
func (s *Service) CancelMyOrder(ctx context.Context, c identity.Caller, orderID string) (Order, error) {
	if err := requireCitizen(c); err != nil {
		return Order{}, err
	}
	var out Order
	err := s.store.InTx(ctx, func(tx Tx) error {
		now := s.now()
		o, err := s.ownOrder(ctx, tx, c, orderID, true)
		if err != nil {
			return err
		}
		if o.Status == OrderRefunded && HasNote(o.Note, NoteCancelledByBuyer) {
			// The buyer's own cancel, repeated: its answer again.
			out = o
			return nil
		}
		if o.Status != OrderPaid && o.Status != OrderRefunded {
			return apperr.R(apperr.Conflict, "order_not_cancellable", "Only a paid order can be cancelled (this one is %s).", o.Status)
		}
		if o.Status == OrderPaid && o.Disputed() {
			return errOrderDisputed
		}
		p, err := tx.Performance(ctx, o.PerformanceID)
		if err != nil {
			return notFound("performance", err)
		}
		deadline, ok := p.SelfCancelDeadline()
		if !ok || p.Status != PerformanceScheduled {
			return apperr.R(apperr.Conflict, "self_cancel_not_allowed", "Tickets for this performance cannot be cancelled by the buyer.")
		}
		if o.Status == OrderRefunded {
			// Refunded by someone else (an administrator, the performance's
			// cancellation, Stripe): the buyer did not cancel it, and is not
			// answered as if they had.
			return apperr.R(apperr.Conflict, "already_refunded", "This order was already refunded by the city; there is nothing to cancel.")
		}
		if !now.Before(deadline) {
			return selfCancelClosed(deadline, s.zone)
		}
		out, err = s.refundNoted(ctx, tx, c, o.ID, false, "", NoteCancelledByBuyer)
		return err
	})
	return out, err
}

// SelfCancelClosedError is the cause of a cancellation refused because
// the performance's deadline for buyers passed (self_cancel_closed): Until
// is that deadline, for a page to name in its own language.
type SelfCancelClosedError struct{ Until time.Time }

func (e SelfCancelClosedError) Error() string {
	return "self-cancellation closed at " + e.Until.Format(time.RFC3339)
}

func selfCancelClosed(deadline time.Time, zone *time.Location) error {
	e := apperr.Wrap(SelfCancelClosedError{Until: deadline}, apperr.Conflict,
		"Tickets for this performance could be cancelled until %s.", cityDateTime(deadline, zone))
	e.Reason = "self_cancel_closed"
	return e
}

// Disputed reports whether the order's card payment is under a dispute the
// hub must not refund around: open, its amount is held for the dispute
// (and Stripe refunds no charged-back payment); lost, the cardholder has
// the money back already. A won dispute gave the money back to the
// theatre, and the order refunds as any other.
func (o Order) Disputed() bool { return o.Dispute == DisputeOpen || o.Dispute == DisputeLost }

var errOrderDisputed = apperr.R(apperr.Conflict, "order_disputed", "This order's card payment is disputed; the theatre office settles it with the card's bank, not by a refund.")
