package ticketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"cityhub/apperr"
	"cityhub/identity"
)

// A buyer who opened the card form may change their mind: pay with credit
// or let the seats go. The card payment attached to the order is then
// canceled at the card processor first (a canceled PaymentIntent can never
// be paid), and only then detached from the order, in the transaction that
// pays with credit or releases the hold. When the processor refuses (the
// payment succeeded or is being processed) the card payment decides and
// nothing changes here. No money moves on a cancel: a card payment is
// booked only when the processor confirms it.

// CancelFunc cancels a card payment (a PaymentIntent) at the card
// processor. nil means it is canceled, now or before: it can never be
// paid. Conflict when the processor refuses because the payment succeeded,
// is being processed or otherwise cannot be canceled; Unavailable when it
// cannot be reached.
type CancelFunc func(ctx context.Context, paymentIntentID string) error

// SetCardCanceler lets paying with credit and releasing a hold cancel the
// card payment attached to the order (wiring; call it before the service
// is used). Without one, an attached card payment refuses both until its
// webhook or the end of the hold decides.
func (s *Service) SetCardCanceler(cancel CancelFunc) { s.cancelCard = cancel }

// CardCancelable reports whether a started card payment can give way to
// credit or to giving the seats up (a canceler is set), so that the pages
// offer it only then.
func (s *Service) CardCancelable() bool { return s.cancelCard != nil }

// CardAttemptID names the order's current card payment attempt: the order
// id for the first one, as before attempts were counted, and the id with
// the attempt's number after a card payment was canceled. Card payments are
// started under keys made from it, so that a retried request of an attempt
// gets that attempt's payment again while a new attempt after a cancel gets
// a new one (the canceled one could never be paid).
func (o Order) CardAttemptID() string {
	if o.CardAttempt == 0 {
		return o.ID
	}
	return o.ID + "-attempt" + strconv.Itoa(o.CardAttempt)
}

// cardAttached is the refusal of paying with credit or releasing an order
// whose card payment intent is attached: the refusal itself, with the
// intent, so that the caller may cancel it and try again.
type cardAttached struct {
	intent  string
	refusal error
}

func (e *cardAttached) Error() string { return e.refusal.Error() }
func (e *cardAttached) Unwrap() error { return e.refusal }

// errCardUnderWay answers paying with credit or releasing an order whose
// card payment the processor would not cancel.
var errCardUnderWay = apperr.R(apperr.Conflict, "payment_started",
	"A card payment for this order is under way; its outcome decides the order.")

// detachCanceled takes the card payment canceled (a PaymentIntent the
// processor canceled) off o when o is held and still has it: the order may
// then be paid with credit, released, or paid by card in a new attempt.
// It reports whether it did; the caller writes the order. The audit entry
// goes in tx with the change.
func (s *Service) detachCanceled(ctx context.Context, tx Tx, c identity.Caller, o *Order, canceled string) (bool, error) {
	if canceled == "" || o.Status != OrderHeld || o.PaymentIntentID != canceled {
		return false, nil
	}
	o.PaymentIntentID, o.Method = "", ""
	o.CardAttempt++
	return true, s.audit(ctx, tx, c, "ticket.card_payment_canceled", "ticket_order", o.ID,
		map[string]any{"payment_intent": canceled, "attempt": o.CardAttempt})
}

// cancelingCard runs do (one paying or releasing of orderID, all in one
// database transaction) once with no card payment to detach. When do
// refuses because a card payment is attached (cardAttached) and a canceler
// is set, the payment is canceled at the processor and do runs again,
// allowed to detach that payment (and only that one, while the order is
// held). A refusal of the cancel answers payment_started and changes
// nothing. Should the second run refuse anyway (not enough credit, a seat
// lost), the canceled payment is detached on its own: it can never be paid,
// and left attached it would block every other way to pay.
func (s *Service) cancelingCard(ctx context.Context, c identity.Caller, orderID string, do func(canceled string) error) error {
	err := do("")
	var attached *cardAttached
	if !errors.As(err, &attached) || s.cancelCard == nil {
		return err
	}
	if cerr := s.cancelCard(ctx, attached.intent); cerr != nil {
		if apperr.Has(cerr, apperr.Conflict) {
			s.log.InfoContext(ctx, "card payment not canceled: it decides the order", slog.String("order", orderID),
				slog.String("payment_intent", attached.intent), slog.Any("why", cerr))
			return errCardUnderWay
		}
		return fmt.Errorf("cancel the order's card payment: %w", cerr)
	}
	err = do(attached.intent)
	if err == nil {
		return nil
	}
	if derr := s.store.InTx(ctx, func(tx Tx) error {
		o, err := tx.LockOrder(ctx, orderID)
		if err != nil {
			return err
		}
		done, err := s.detachCanceled(ctx, tx, c, &o, attached.intent)
		if err != nil || !done {
			return err
		}
		return tx.UpdateOrder(ctx, o)
	}); derr != nil {
		return errors.Join(err, fmt.Errorf("detach the canceled card payment: %w", derr))
	}
	// Still attached after its cancel: another card payment was attached
	// meanwhile, which decides in its turn.
	if errors.As(err, &attached) {
		return errCardUnderWay
	}
	return err
}

// DropCanceledPayment takes off the caller's held order the card payment
// intentID once the card processor has canceled it, so that a new card
// attempt can start: the card processor answered a new card payment with
// that canceled intent (a cancel whose detach was cut short answers the
// attempt's key so). The canceler confirms it first (nil for an intent
// already canceled). It answers the order as it is now; one that no longer
// holds that intent is left alone. NotFound unless the caller's; Conflict
// (payment_started) when the processor does not cancel it or no canceler
// is set.
func (s *Service) DropCanceledPayment(ctx context.Context, c identity.Caller, orderID, intentID string) (Order, error) {
	if err := requireCitizen(c); err != nil {
		return Order{}, err
	}
	if s.cancelCard == nil {
		return Order{}, errCardUnderWay
	}
	if err := s.cancelCard(ctx, intentID); err != nil {
		if apperr.Has(err, apperr.Conflict) {
			return Order{}, errCardUnderWay
		}
		return Order{}, fmt.Errorf("cancel the order's card payment: %w", err)
	}
	var out Order
	err := s.store.InTx(ctx, func(tx Tx) error {
		o, err := s.ownOrder(ctx, tx, c, orderID, true)
		if err != nil {
			return err
		}
		done, err := s.detachCanceled(ctx, tx, c, &o, intentID)
		if err != nil {
			return err
		}
		if done {
			if err := tx.UpdateOrder(ctx, o); err != nil {
				return fmt.Errorf("update order: %w", err)
			}
		}
		out = o
		return nil
	})
	return out, err
}
