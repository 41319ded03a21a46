package cardpay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/money"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// Service applies Stripe's events to the wallet and to ticket orders.
type Service struct {
	store   Store
	tickets *ticketing.Service
	log     *slog.Logger
	now     func() time.Time
	// mail composes receipts; nil sends none.
	mail *mail.Composer
}

// NewService returns the service on store; tickets applies the events of
// ticket orders (nil: ticket payments are left for an operator).
func NewService(store Store, tickets *ticketing.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, tickets: tickets, log: log, now: time.Now}
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SendReceipts makes every card top-up credited from now on enqueue a
// receipt to the citizen, in the transaction that credits it. Call it once,
// while wiring, before the service handles events.
func (s *Service) SendReceipts(c *mail.Composer) { s.mail = c }

// Record notes a PaymentIntent the hub has just created, so that Stripe's
// events about it are recognised as the hub's own. Idempotent. Invalid for
// a payment without id, account, known purpose or positive amount;
// Unauthenticated (apperr.ErrAccountDeleted) for a top-up of an account
// erased while its request was on its way: its client secret is never
// given, so the card is never charged.
func (s *Service) Record(ctx context.Context, p Payment) error {
	if p.ID == "" || p.AccountID == "" || p.AmountCents <= 0 || p.AmountCents > wallet.MaxAmount ||
		(p.Purpose != PurposeTopUp && p.Purpose != PurposeTicketOrder) || (p.Purpose == PurposeTicketOrder && p.OrderID == "") {
		return apperr.R(apperr.Invalid, "payment_record", "A card payment needs its id, account, purpose and amount.")
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	p.CreditedCents, p.RefundedCents, p.CreatedAt, p.UpdatedAt = 0, 0, now, now
	return s.store.InTx(ctx, func(tx Tx) error {
		if p.Purpose == PurposeTopUp {
			// Under the credit's lock, which the erasure holds from the
			// moment it reads the balance: a top-up recorded first is
			// one the erasure may still see confirmed (paid), one that
			// comes after finds the credit closed.
			credit, err := wallet.LockCitizen(ctx, tx, p.AccountID)
			if err != nil {
				return err
			}
			if credit.Closed() {
				return apperr.ErrAccountDeleted
			}
		}
		return tx.InsertPayment(ctx, p)
	})
}

// MaxAttentionPage bounds a page of AttentionEvents; DefaultAttentionPage
// is the page the lists show when not asked for another size.
const (
	MaxAttentionPage     = 200
	DefaultAttentionPage = 50
)

// errNotAdminEvents refuses the payment events to all but a city
// administrator.
var errNotAdminEvents = apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator may see payment events.")

// AttentionPage is a page of the events kept for an operator.
type AttentionPage struct {
	Events []Record
	// Next is the cursor of the page after this one: empty on the last.
	Next string
}

// AttentionEvents lists the events an operator must look at (payments the
// hub did not create, foreign currencies, refusals), newest first, limit
// at most, from the one after the event cursor names (a page's Next;
// empty: from the newest). Forbidden unless the
// caller is a city administrator; Invalid (bad_limit) for a limit outside
// 1 to MaxAttentionPage, (bad_cursor) for a cursor that is no event kept
// for an operator.
func (s *Service) AttentionEvents(ctx context.Context, c identity.Caller, cursor string, limit int) (AttentionPage, error) {
	if !c.Has(identity.RoleAdmin) {
		return AttentionPage{}, errNotAdminEvents
	}
	if limit < 1 || limit > MaxAttentionPage {
		return AttentionPage{}, apperr.R(apperr.Invalid, "bad_limit", "limit must be a whole number from 1 to %d.", MaxAttentionPage)
	}
	var out []Record
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if cursor != "" {
			if ev, err := tx.Event(ctx, cursor); apperr.Has(err, apperr.NotFound) || (err == nil && ev.Attention == "") {
				return apperr.R(apperr.Invalid, "bad_cursor", "The cursor is no payment event of this list.")
			} else if err != nil {
				return fmt.Errorf("read the cursor's event: %w", err)
			}
		}
		// One more than the page: whether another page follows.
		out, err = tx.AttentionEvents(ctx, cursor, limit+1)
		return err
	})
	if err != nil {
		return AttentionPage{}, err
	}
	page := AttentionPage{Events: out}
	if len(out) > limit {
		page.Events = out[:limit]
		page.Next = page.Events[limit-1].ID
	}
	if page.Events == nil {
		page.Events = []Record{}
	}
	return page, nil
}

// AttentionCount is how many events an operator must look at, all of
// them (a page lists some). Forbidden unless the caller is a city
// administrator.
func (s *Service) AttentionCount(ctx context.Context, c identity.Caller) (int, error) {
	if !c.Has(identity.RoleAdmin) {
		return 0, errNotAdminEvents
	}
	var n int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		n, err = tx.CountAttentionEvents(ctx)
		return err
	})
	return n, err
}

// Handle applies a verified event once. A repeated delivery (also a
// concurrent one) answers the first outcome with Replayed. Events of types
// the hub does not act on are acknowledged and not recorded. An event that
// cannot be applied for a reason no retry can fix is recorded for an
// operator; any other error leaves nothing recorded, so that Stripe
// delivers the event again.
func (s *Service) Handle(ctx context.Context, ev Event) (Outcome, error) {
	if !Handles(ev.Type) {
		return Outcome{}, nil
	}
	if ev.ID == "" {
		return Outcome{}, apperr.R(apperr.Invalid, "event_id", "The event has no id.")
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	rec := Record{ID: ev.ID, Type: ev.Type, PaymentIntentID: ev.PaymentIntentID, ObjectID: ev.ObjectID, AmountCents: ev.Amount,
		Currency: ev.Currency, Livemode: ev.Livemode, ReceivedAt: now}
	var out Outcome
	err := s.store.InTx(ctx, func(tx Tx) error {
		first, err := tx.InsertEvent(ctx, rec)
		if err != nil {
			return err
		}
		if !first {
			prev, err := tx.Event(ctx, ev.ID)
			if err != nil {
				return err
			}
			out = Outcome{Handled: prev.Outcome != OutcomeAttention, TransactionID: prev.TransactionID, Replayed: true,
				Attention: prev.Attention, Note: prev.Note}
			return nil
		}
		out, err = s.apply(ctx, tx, ev, now)
		if err != nil {
			return err
		}
		return tx.FinishEvent(ctx, finish(rec, out))
	})
	if err == nil || !final(err) {
		return out, err
	}
	// No retry can apply it (an amount that does not fit, an order that is
	// not there): keep it for a person, applied to nothing.
	s.log.ErrorContext(ctx, "stripe event not applied; recorded for an operator", slog.String("event", ev.ID),
		slog.String("type", ev.Type), slog.String("payment_intent", ev.PaymentIntentID), slog.Any("error", err))
	out = Outcome{Attention: AttentionRefused, Note: apperr.MessageOf(err)}
	if ferr := s.store.InTx(ctx, func(tx Tx) error {
		first, err := tx.InsertEvent(ctx, rec)
		if err != nil || !first {
			return err
		}
		return tx.FinishEvent(ctx, finish(rec, out))
	}); ferr != nil {
		return Outcome{}, fmt.Errorf("record refused stripe event: %w", ferr)
	}
	return out, nil
}

// final reports whether err is one that a new delivery cannot change.
func final(err error) bool {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.NotFound, apperr.Conflict, apperr.InsufficientFunds:
		return !errors.Is(err, context.Canceled)
	}
	return false
}

func finish(rec Record, out Outcome) Record {
	rec.TransactionID, rec.Attention, rec.Note = out.TransactionID, out.Attention, out.Note
	switch {
	case out.Attention != "":
		rec.Outcome = OutcomeAttention
	case out.Replayed || out.TransactionID == "":
		rec.Outcome = OutcomeNoEffect
	default:
		rec.Outcome = OutcomeApplied
	}
	return rec
}

// attention is an outcome for an operator.
func attention(why, note string, args ...any) Outcome {
	return Outcome{Attention: why, Note: fmt.Sprintf(note, args...)}
}

// apply makes ev's effect inside tx, after it was recorded as first.
func (s *Service) apply(ctx context.Context, tx Tx, ev Event, now time.Time) (Outcome, error) {
	if ev.Type == EventPaymentFailed {
		return s.attemptFailed(ctx, tx, ev)
	}
	p, found, err := s.match(ctx, tx, ev.PaymentIntentID, now)
	if err != nil {
		return Outcome{}, err
	}
	if !found {
		s.log.WarnContext(ctx, "stripe event for a payment the hub did not create; recorded for an operator",
			slog.String("event", ev.ID), slog.String("type", ev.Type), slog.String("payment_intent", ev.PaymentIntentID))
		return attention(AttentionUnmatched, "No payment of the hub has PaymentIntent %q; nothing was credited.", ev.PaymentIntentID), nil
	}
	if cur := strings.ToLower(ev.Currency); cur != "eur" {
		return attention(AttentionCurrency, "The event is in %q, the hub counts in euros; nothing was applied.", ev.Currency), nil
	}
	if p.Purpose == PurposeTicketOrder && s.tickets == nil {
		return attention(AttentionRefused, "Ticketing is off on this hub."), nil
	}
	switch ev.Type {
	case EventPaymentSucceeded:
		return s.paid(ctx, tx, &p, ev.Amount, now)
	case EventChargeRefunded:
		booked, err := s.paid(ctx, tx, &p, ev.Amount, now)
		if err != nil {
			return Outcome{}, err
		}
		out, err := s.refunded(ctx, tx, &p, ev, now)
		if err == nil && booked.Attention != "" {
			// The payment booked first asks for an operator (another
			// amount than asked): kept with the refund's own outcome.
			out.Attention, out.Note = booked.Attention, strings.TrimPrefix(booked.Note+"; "+out.Note, "; ")
		}
		return out, err
	case EventDisputeCreated, EventDisputeFundsWithdrawn:
		if _, err := s.paid(ctx, tx, &p, p.AmountCents, now); err != nil {
			return Outcome{}, err
		}
		return s.disputeOpened(ctx, tx, &p, ev, now)
	case EventDisputeClosed:
		if _, err := s.paid(ctx, tx, &p, p.AmountCents, now); err != nil {
			return Outcome{}, err
		}
		// A close that arrives before its creation opens the dispute first.
		if _, err := s.disputeOpened(ctx, tx, &p, ev, now); err != nil {
			return Outcome{}, err
		}
		return s.disputeClosed(ctx, tx, &p, ev, now)
	case EventDisputeFundsReinstated:
		// The money comes back with charge.dispute.closed (won); nothing to do here.
		return Outcome{Handled: true}, nil
	}
	return Outcome{}, nil
}

// match finds and locks the hub's payment for a PaymentIntent. Ticket
// orders paid before payments were recorded are found through the order.
func (s *Service) match(ctx context.Context, tx Tx, intentID string, now time.Time) (Payment, bool, error) {
	if intentID == "" {
		return Payment{}, false, nil
	}
	p, err := tx.LockPayment(ctx, intentID)
	if err == nil {
		return p, true, nil
	}
	if !apperr.Has(err, apperr.NotFound) {
		return Payment{}, false, fmt.Errorf("lock card payment: %w", err)
	}
	o, err := tx.OrderByPaymentIntent(ctx, intentID)
	if apperr.Has(err, apperr.NotFound) {
		return Payment{}, false, nil
	}
	if err != nil {
		return Payment{}, false, err
	}
	if err := tx.InsertPayment(ctx, Payment{ID: intentID, Purpose: PurposeTicketOrder, AccountID: o.AccountID, OrderID: o.ID,
		AmountCents: o.TotalCents, CreatedAt: now, UpdatedAt: now}); err != nil {
		return Payment{}, false, err
	}
	p, err = tx.LockPayment(ctx, intentID)
	return p, err == nil, err
}

// paid makes sure the payment is booked: a top-up credited, a ticket order
// confirmed. Refunds and disputes call it first, so an event that arrives
// before payment_intent.succeeded still finds the money where it belongs,
// and the late succeeded event then replays.
func (s *Service) paid(ctx context.Context, tx Tx, p *Payment, amount int64, now time.Time) (Outcome, error) {
	if amount <= 0 {
		amount = p.AmountCents
	}
	if p.Purpose == PurposeTicketOrder {
		o, replayed, err := s.tickets.ConfirmCardPaymentTx(ctx, tx, p.OrderID, p.ID, amount, "eur")
		if err != nil {
			return Outcome{}, err
		}
		return Outcome{Handled: true, TransactionID: o.TransactionID, Replayed: replayed}, nil
	}
	t := wallet.CardTopUp(p.AccountID, amount, p.ID)
	if p.CreditedCents > 0 {
		// The key names the payment alone, whatever amount was credited.
		prev, err := tx.TransactionByKey(ctx, t.Key)
		if err != nil {
			return Outcome{}, fmt.Errorf("read top-up credit: %w", err)
		}
		if amount != p.CreditedCents {
			// Credited before Stripe said what it received (a dispute's
			// event, which names no charge amount, came first, and the
			// asked amount was booked), and Stripe received another: the
			// money is held or disputed already, so nothing moves again
			// here; an operator settles the difference.
			s.log.WarnContext(ctx, "card top-up credited another amount than Stripe received", slog.String("payment_intent", p.ID),
				slog.Int64("credited_cents", p.CreditedCents), slog.Int64("received_cents", amount))
			return Outcome{Handled: true, TransactionID: prev.ID, Replayed: true, Attention: AttentionAmount,
				Note: fmt.Sprintf("The top-up was credited %s before Stripe reported %s received: settle the difference by hand.",
					money.Cents(p.CreditedCents), money.Cents(amount))}, nil
		}
		return Outcome{Handled: true, TransactionID: prev.ID, Replayed: true}, nil
	}
	credit, err := wallet.LockCitizen(ctx, tx, p.AccountID)
	if err != nil {
		return Outcome{}, err
	}
	booked := credit.ID
	if credit.Closed() {
		// Paid after its account was erased (a payment still being
		// confirmed at the erasure, or recorded just before it): the
		// closed credit takes nothing, and nobody could spend it. The
		// money is booked to the city, which owes it back to the card at
		// once, as the erasure's refunds are owed.
		booked = wallet.CityFunding
		t.Memo, t.Entries[1].Account = "Card top-up paid after its account was erased: owed back to the card", booked
	}
	ltx, err := wallet.Post(ctx, tx, t, now)
	if err != nil {
		return Outcome{}, err
	}
	p.CreditedCents, p.UpdatedAt = amount, now
	if err := tx.UpdatePayment(ctx, *p); err != nil {
		return Outcome{}, err
	}
	if amount != p.AmountCents && !ltx.Replayed {
		// Stripe received another amount than the citizen asked to top up
		// (the intent changed outside the hub): the money came in, so it is
		// booked, and all of it goes back to the card at once, as a ticket
		// order paid with another amount is refunded; an operator looks.
		if err := oweRefund(ctx, tx, p, booked, amount, "Top-up paid with another amount than asked, refunded to the card", now); err != nil {
			return Outcome{}, err
		}
		s.log.WarnContext(ctx, "card top-up of another amount than asked owed back to its card", slog.String("payment_intent", p.ID),
			slog.Int64("asked_cents", p.AmountCents), slog.Int64("received_cents", amount))
		return Outcome{Handled: true, TransactionID: ltx.ID, Attention: AttentionAmount,
			Note: fmt.Sprintf("The top-up asked for %s and Stripe reports %s received: all of it is owed back to the card, nothing stays credited.",
				money.Cents(p.AmountCents), money.Cents(amount))}, nil
	}
	if credit.Closed() && !ltx.Replayed {
		if err := oweRefund(ctx, tx, p, booked, amount, "Top-up paid after its account was erased, refunded to the card", now); err != nil {
			return Outcome{}, err
		}
		s.log.InfoContext(ctx, "top-up of an erased account owed back to its card", slog.String("payment_intent", p.ID),
			slog.Int64("amount_cents", amount))
		return Outcome{Handled: true, TransactionID: ltx.ID, Note: "the account was erased: the top-up is owed back to the card"}, nil
	}
	s.log.InfoContext(ctx, "card top-up credited", slog.String("payment_intent", p.ID), slog.String("account", p.AccountID),
		slog.Int64("amount_cents", amount))
	if !ltx.Replayed {
		if err := s.receipt(ctx, tx, p, amount, now); err != nil {
			return Outcome{}, err
		}
	}
	return Outcome{Handled: true, TransactionID: ltx.ID, Replayed: ltx.Replayed}, nil
}

// receipt enqueues a credited top-up's receipt in tx. Only a failure to
// write it fails the credit (and Stripe delivers the event again); an
// account that is gone or a receipt that cannot be composed is logged and
// the money still goes where it belongs.
func (s *Service) receipt(ctx context.Context, tx Tx, p *Payment, amount int64, now time.Time) error {
	if s.mail == nil {
		return nil
	}
	log := s.log.With(slog.String("payment_intent", p.ID), slog.String("account", p.AccountID))
	a, err := tx.AccountByID(ctx, p.AccountID)
	if apperr.Has(err, apperr.NotFound) || (err == nil && !a.Mailable()) {
		log.InfoContext(ctx, "no top-up receipt: the account is gone or has no address to write to")
		return nil
	}
	if err != nil {
		return fmt.Errorf("read account for receipt: %w", err)
	}
	credit, err := tx.Account(ctx, wallet.CitizenAccount(p.AccountID))
	if err != nil {
		return fmt.Errorf("read credit for receipt: %w", err)
	}
	m, err := s.mail.TopUpReceipt(mail.Recipient{AccountID: a.ID, Email: a.Email, Name: a.Name, Locale: a.Locale},
		mail.TopUp{AmountCents: amount, BalanceCents: credit.Balance, PaymentID: p.ID, At: now})
	if err != nil {
		log.ErrorContext(ctx, "top-up receipt not composed", slog.Any("error", err))
		return nil
	}
	if _, err := mail.Enqueue(ctx, tx, m, now); err != nil {
		if apperr.Has(err, apperr.Invalid) {
			log.WarnContext(ctx, "top-up receipt not enqueued", slog.Any("error", err))
			return nil
		}
		return err
	}
	return nil
}
