package ticketing

import (
	"context"
	"fmt"

	"cityhub/apperr"
	"cityhub/identity"
)

// What RefundOrder would do to an order, as it stands (RefundPlan.Action).
const (
	// RefundReleasesHold: the order is a purchase not yet paid; its seats
	// go back on sale and no money moves.
	RefundReleasesHold = "release_hold"
	// RefundReturnsMoney: Amount goes back, to the buyer's credit or, for
	// a card payment, to the card.
	RefundReturnsMoney = "return_money"
	// RefundClosesDue: the order's card payment arrived when its seats
	// could no longer be issued, and its card refund is recorded already
	// (Amount, in state RefundState): refunding closes the order as
	// refunded, and moves nothing more.
	RefundClosesDue = "close_due"
	// RefundNothing: the order was refunded or cancelled already.
	RefundNothing = "nothing"
)

// RefundPlan is what refunding an order would do, for a page that asks an
// administrator to confirm it first.
type RefundPlan struct {
	Order  Order
	Action string
	// Amount is what goes back (RefundReturnsMoney), or what the
	// recorded card refund gives back (RefundClosesDue).
	Amount int64
	// RefundState is the recorded card refund's state (RefundClosesDue):
	// owed, sent, done or failed.
	RefundState string
}

// RefundNone is a plan's RefundState for an order due a refund that holds
// no card payment to refund: nothing is owed.
const RefundNone = "none"

// errOrderChanged refuses a refund confirmed for an order that is no
// longer as its page described it (RefundOrderAsPlanned).
var errOrderChanged = apperr.R(apperr.Conflict, "order_changed", "The order changed since its refund was shown: look at it again.")

// refundAction is what refunding an order of status does (RefundPlan.
// Action), as refundTx does it.
func refundAction(status string) string {
	switch status {
	case OrderHeld:
		return RefundReleasesHold
	case OrderRefundDue:
		return RefundClosesDue
	case OrderPaid:
		return RefundReturnsMoney
	}
	return RefundNothing
}

// PlanRefund says what RefundOrder would do to the order as it stands, and
// refuses what it would refuse, changing nothing: Forbidden unless admin;
// NotFound; Conflict when a ticket was checked in already (ticket_used) or
// the order's card payment is disputed (order_disputed). RefundOrder
// decides again, under the order's lock.
func (s *Service) PlanRefund(ctx context.Context, c identity.Caller, orderID string) (RefundPlan, error) {
	if err := requireAdmin(c); err != nil {
		return RefundPlan{}, err
	}
	var plan RefundPlan
	err := s.store.View(ctx, func(tx Tx) error {
		o, err := tx.Order(ctx, orderID)
		if err != nil {
			return notFound("order", err)
		}
		plan.Order, plan.Action = o, refundAction(o.Status)
		switch plan.Action {
		case RefundClosesDue:
			// refundTx keeps the refund recorded when the payment
			// arrived, with the amount paid; only an order older than
			// that record gets one of its total (oweCardRefund), and
			// none when it holds no card payment.
			plan.Amount, plan.RefundState = o.TotalCents, RefundOwed
			if o.PaymentIntentID == "" {
				plan.Amount, plan.RefundState = 0, RefundNone
			}
			r, err := tx.CardRefundOfOrder(ctx, o.ID)
			switch {
			case err == nil:
				plan.Amount, plan.RefundState = r.AmountCents, r.State
			case !apperr.Has(err, apperr.NotFound):
				return fmt.Errorf("read the order's card refund: %w", err)
			}
		case RefundReturnsMoney:
			if o.Disputed() {
				return errOrderDisputed
			}
			ts, err := tx.OrderTickets(ctx, o.ID)
			if err != nil {
				return err
			}
			if plan.Amount, err = paidRefund(o, ts, false); err != nil {
				return err
			}
		}
		return nil
	})
	return plan, err
}
