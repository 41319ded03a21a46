package ticketing

import (
	"context"
	"fmt"
	"strconv"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mail"
	"cityhub/money"
	"cityhub/wallet"
)

// What Stripe reports after a card sale: refunds made at Stripe (outside
// the hub) and disputes. The card payments package calls these inside the
// transaction that records Stripe's event, so each event changes an order
// once; these functions keep the order's rules.

// systemStripe is who the audit log names for changes Stripe reported.
var systemStripe = identity.Caller{AccountID: "system:stripe"}

// CardRefundResult says what a refund reported by Stripe did to an order.
type CardRefundResult struct {
	// Cents is the part of the refund newly accounted now (0: it was
	// already accounted, for instance the hub's own refund of the order).
	Cents         int64
	TransactionID string
	Order         Order
	// Attention, when set, says why a person must look at the refund.
	Attention string
}

// CardRefundedTx applies a refund that Stripe reports for an order's card
// payment. refundedCents is the charge's total refunded so far, so a
// repeated or older report changes nothing. The hub's own refund of the
// order (a card refund record) counts as already accounted, so a refund is
// never reversed twice. On a paid order the newly refunded part goes from
// theatre revenue back to Stripe clearing; once the whole order is
// refunded, it is refunded as by an administrator (tickets cancelled, seats
// released) and no further card refund is owed. NotFound for an unknown
// order.
func (s *Service) CardRefundedTx(ctx context.Context, tx Tx, orderID, intentID string, refundedCents int64) (CardRefundResult, error) {
	now := s.now()
	o, err := tx.LockOrder(ctx, orderID)
	if err != nil {
		return CardRefundResult{}, notFound("order", err)
	}
	own, err := tx.CardRefundOfOrder(ctx, o.ID)
	if err != nil && !apperr.Has(err, apperr.NotFound) {
		return CardRefundResult{}, fmt.Errorf("read card refund: %w", err)
	}
	hasOwn := err == nil
	// The charge's refunds beyond those already accounted on the order
	// (made at Stripe before the hub decided its own, which counted them)
	// cover the refund the hub owes only when they reach its amount.
	if hasOwn && own.State == RefundOwed && refundedCents-o.CardRefundedCents >= own.AmountCents {
		// The refund the hub owed was made at Stripe before the hub sent
		// it: close it so that it is never sent. A smaller refund made at
		// Stripe meanwhile leaves it owed: the hub's refund then exceeds
		// what the charge has left, Stripe refuses it and it fails for a
		// person to look at, where closing it would have refunded the
		// buyer less than the ledger says.
		own.State, own.StripeRefundID, own.LastError, own.UpdatedAt = RefundDone, "", "refunded at Stripe", now
		if err := tx.FinishCardRefund(ctx, own); err != nil {
			return CardRefundResult{}, err
		}
	}
	accounted := o.CardRefundedCents + own.AmountCents
	delta := refundedCents - accounted
	res := CardRefundResult{Order: o}
	if delta <= 0 {
		return res, nil
	}
	switch {
	case o.Status == OrderPaid && o.Method == PayCard:
		delta = min(delta, o.TotalCents-o.CardRefundedCents)
		if delta <= 0 {
			return res, nil
		}
		ltx, err := wallet.Post(ctx, tx, wallet.Transaction{
			Key: "stripe:refund:" + intentID + ":" + strconv.FormatInt(refundedCents, 10), Kind: KindRefund,
			Memo: "Refund made at Stripe", RefType: "ticket_order", RefID: o.ID,
			Entries: []wallet.Entry{{Account: wallet.RevenueTheatre, Amount: -delta}, {Account: wallet.StripeClearing, Amount: delta}},
		}, now)
		if err != nil {
			return res, err
		}
		res.Cents, res.TransactionID = delta, ltx.ID
		o.CardRefundedCents += delta
		if o.CardRefundedCents >= o.TotalCents {
			if err := tx.CancelOrderTickets(ctx, o.ID); err != nil {
				return res, err
			}
			if err := tx.DeleteClaims(ctx, o.ID); err != nil {
				return res, err
			}
			o.Status, o.Note = OrderRefunded, NoteRefundedAtStripe
			// Recorded as done, so the hub never sends a refund of its own.
			if err := tx.InsertCardRefund(ctx, CardRefund{ID: ids.New("crf"), OrderID: o.ID, PaymentIntentID: intentID,
				AmountCents: o.TotalCents, State: RefundDone, LastError: "refunded at Stripe", CreatedAt: now, UpdatedAt: now}); err != nil {
				return res, err
			}
		} else {
			o.Note = PartialRefundNote(money.Cents(o.CardRefundedCents))
		}
	case o.Status == OrderRefundDue:
		// The payment was never booked (the refund was owed): the money
		// went back at Stripe and nothing moves in the ledger.
		res.Cents = delta
		o.CardRefundedCents += delta
	default:
		res.Attention = "refund_unexpected"
		return res, nil
	}
	if err := tx.UpdateOrder(ctx, o); err != nil {
		return res, fmt.Errorf("update order: %w", err)
	}
	res.Order = o
	// The buyer hears of a refund made at Stripe as of the hub's own: the
	// whole order (its tickets now cancelled) or part of it. An order
	// whose refund was owed was told so when it was decided.
	if o.Status != OrderRefundDue {
		if err := s.refundEmailOf(ctx, tx, o, mail.Refund{AmountCents: res.Cents, Partial: o.Status == OrderPaid}, now); err != nil {
			return res, err
		}
	}
	return res, s.audit(ctx, tx, systemStripe, "ticket.refunded_at_stripe", "ticket_order", o.ID,
		map[string]any{"amount_cents": res.Cents, "refunded_total_cents": refundedCents, "status": o.Status})
}

// CardDisputeOpenedTx marks an order's payment disputed and holds the
// disputed amount (at most what is left of the sale) from theatre revenue
// in Stripe disputes. The tickets stay valid while the dispute is open.
// held is 0, with no change, when the order is not a paid card sale (a
// refunded one was already given back). NotFound for an unknown order.
func (s *Service) CardDisputeOpenedTx(ctx context.Context, tx Tx, orderID, disputeID string, amount int64) (held int64, txID string, o Order, err error) {
	now := s.now()
	o, err = tx.LockOrder(ctx, orderID)
	if err != nil {
		return 0, "", o, notFound("order", err)
	}
	if o.Status != OrderPaid || o.Method != PayCard {
		return 0, "", o, nil
	}
	held = min(amount, o.TotalCents-o.CardRefundedCents)
	if held > 0 {
		ltx, err := wallet.Post(ctx, tx, wallet.Transaction{
			Key: "stripe:dispute:" + disputeID + ":hold", Kind: KindDisputeHold, Memo: "Card dispute opened", RefType: "ticket_order", RefID: o.ID,
			Entries: []wallet.Entry{{Account: wallet.RevenueTheatre, Amount: -held}, {Account: wallet.StripeDisputes, Amount: held}},
		}, now)
		if err != nil {
			return 0, "", o, err
		}
		txID = ltx.ID
	}
	o.Dispute = DisputeOpen
	if err := tx.UpdateOrder(ctx, o); err != nil {
		return 0, "", o, fmt.Errorf("update order: %w", err)
	}
	return held, txID, o, s.audit(ctx, tx, systemStripe, "ticket.dispute_opened", "ticket_order", o.ID,
		map[string]any{"dispute": disputeID, "held_cents": held})
}

// CardDisputeClosedTx settles an order's dispute that held cents. Won: the
// money goes back to theatre revenue. Lost: it goes back to Stripe
// clearing (the cardholder has it), the order's tickets are void, and their
// seats stay taken: a lost chargeback is often fraud, and whether to sell
// those seats again is the theatre's decision, not an automatic one.
// NotFound for an unknown order.
func (s *Service) CardDisputeClosedTx(ctx context.Context, tx Tx, orderID, disputeID string, held int64, won bool) (txID string, o Order, err error) {
	now := s.now()
	o, err = tx.LockOrder(ctx, orderID)
	if err != nil {
		return "", o, notFound("order", err)
	}
	to, state, kind := wallet.RevenueTheatre, DisputeWon, KindDisputeWon
	if !won {
		to, state, kind = wallet.StripeClearing, DisputeLost, KindDisputeLost
	}
	if held > 0 {
		ltx, err := wallet.Post(ctx, tx, wallet.Transaction{
			Key: "stripe:dispute:" + disputeID + ":" + state, Kind: kind, Memo: "Card dispute " + state, RefType: "ticket_order", RefID: o.ID,
			Entries: []wallet.Entry{{Account: wallet.StripeDisputes, Amount: -held}, {Account: to, Amount: held}},
		}, now)
		if err != nil {
			return "", o, err
		}
		txID = ltx.ID
	}
	if !won {
		if err := tx.CancelOrderTickets(ctx, o.ID); err != nil {
			return "", o, err
		}
		lost := NoteDisputeLost
		if o.Note != "" {
			lost = o.Note + "; " + lost
		}
		o.Note = lost
	}
	// Its performance cancelled while the dispute was open, the order was
	// left to the dispute (voidDisputed); won, the money is the theatre's
	// again and goes back to the card as every other order's of that
	// performance did.
	refund := false
	if won && o.Status == OrderPaid {
		p, err := tx.Performance(ctx, o.PerformanceID)
		if err != nil {
			return "", o, notFound("performance", err)
		}
		if refund = p.Status == PerformanceCancelled; refund {
			o.Note = NoteDisputeWonRefunded
		}
	}
	o.Dispute = state
	if err := tx.UpdateOrder(ctx, o); err != nil {
		return "", o, fmt.Errorf("update order: %w", err)
	}
	if err := s.audit(ctx, tx, systemStripe, "ticket.dispute_"+state, "ticket_order", o.ID,
		map[string]any{"dispute": disputeID, "held_cents": held}); err != nil {
		return "", o, err
	}
	if refund {
		if o, err = s.refundTx(ctx, tx, systemStripe, o.ID, true, ""); err != nil {
			return "", o, fmt.Errorf("refund the order of a cancelled performance: %w", err)
		}
	}
	return txID, o, nil
}
