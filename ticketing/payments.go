package ticketing

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mail"
	"cityhub/qrtoken"
	"cityhub/wallet"
)

// ---- Payment -------------------------------------------------------------

// issue turns o's claims into sold ones and issues its tickets.
func (s *Service) issue(ctx context.Context, tx Tx, o Order, venueID string, now time.Time) ([]Ticket, error) {
	if err := tx.SellClaims(ctx, o.ID, len(o.Seats)); err != nil {
		return nil, fmt.Errorf("sell seats: %w", err)
	}
	out := make([]Ticket, 0, len(o.Seats))
	for _, os := range o.Seats {
		code, hash := qrtoken.NewCode()
		t := Ticket{ID: ids.New("tkt"), OrderID: o.ID, PerformanceID: o.PerformanceID, VenueID: venueID, SeatID: os.SeatID,
			AccountID: o.AccountID, PriceCents: os.PriceCents, Status: TicketValid, Code: code, CodeHash: hash, IssuedAt: now}
		if err := tx.InsertTicket(ctx, t); err != nil {
			return nil, fmt.Errorf("insert ticket: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// PayWithWallet pays a held order from the caller's credit: one ledger
// transaction citizen → theatre revenue, in the database transaction that
// issues the tickets. A hold that expired still pays if nobody took its
// seats. Paying a paid order again answers it unchanged. A card payment
// started for the order and not completed is canceled at the card
// processor first and detached in the transaction that pays (cancelingCard);
// if the processor refuses to cancel it (it succeeded or is being
// processed), Conflict (payment_started) and nothing changes. NotFound
// unless the caller's; InsufficientFunds; Conflict (hold_lost,
// order_not_payable, not_on_sale, payment_started); Unauthenticated
// (apperr.ErrAccountDeleted) when the caller's account was erased while the
// payment was on its way.
func (s *Service) PayWithWallet(ctx context.Context, c identity.Caller, orderID string) (Order, error) {
	o, _, err := s.payWithWallet(ctx, c, orderID, false)
	return o, err
}

// PayWithWalletTickets is PayWithWallet that also answers the order's
// tickets, read in the same transaction: an app shows them at once, and
// the answer does not grow with every ticket the buyer ever bought.
func (s *Service) PayWithWalletTickets(ctx context.Context, c identity.Caller, orderID string) (Order, []TicketView, error) {
	return s.payWithWallet(ctx, c, orderID, true)
}

// payWithWallet pays; with tickets it also shows the order's tickets (the
// pages show them on a page of their own, so they skip that reading).
//
// Where the store can, the payment's posting rides with the transaction's
// COMMIT (wallet.PostOrQueue): everything the payment writes then goes
// in one exchange, after the one that locks the order and reads what it
// judges. A posting refused there fails the whole transaction, which then
// wrote nothing; the payment is tried again with the posting written at
// once, so that the refusal says what the balance is, or a key posted
// meanwhile is replayed as Post replays it.
func (s *Service) payWithWallet(ctx context.Context, c identity.Caller, orderID string, tickets bool) (Order, []TicketView, error) {
	if err := requireCitizen(c); err != nil {
		return Order{}, nil, err
	}
	var out Order
	var views []TicketView
	err := s.cancelingCard(ctx, c, orderID, func(canceled string) error {
		var queued bool
		try := func(postNow bool) error {
			return s.store.InTx(ctx, func(tx Tx) error {
				var err error
				out, views, err = s.payTx(ctx, tx, c, orderID, tickets, postNow, &queued, canceled)
				return err
			})
		}
		err := try(false)
		if wallet.RetryAtOnce(queued, err) {
			err = try(true)
		}
		return err
	})
	if err != nil {
		// The buyer's credit closed by their erasure, which the payment
		// waited for: answered as the next request is at the door.
		return Order{}, nil, wallet.ForOwner(err)
	}
	return out, views, nil
}

// payTx is one try of payWithWallet in tx; postNow: the posting is
// written at once, and *queued tells whether it rode with the COMMIT
// instead (wallet.PostOrQueue). canceled is a card payment canceled at the
// processor that the order may still hold: it is detached in tx before
// the order is paid (cancelingCard).
func (s *Service) payTx(ctx context.Context, tx Tx, c identity.Caller, orderID string, tickets, postNow bool, queued *bool, canceled string) (Order, []TicketView, error) {
	now := s.now()
	o, reads, err := s.lockOrderToPay(ctx, tx, c, orderID)
	if err != nil {
		return Order{}, nil, err
	}
	perfs, venues := map[string]Performance{}, map[string]Venue{}
	if reads != nil {
		perfs[reads.Performance.ID], venues[reads.Venue.ID] = reads.Performance, reads.Venue
	}
	if o.Status == OrderPaid && o.Method == PayWallet {
		if !tickets {
			return o, nil, nil
		}
		issued, err := tx.OrderTickets(ctx, o.ID)
		if err != nil {
			return Order{}, nil, fmt.Errorf("read the order's tickets: %w", err)
		}
		views, err := s.views(ctx, tx, issued, perfs, venues)
		return o, views, err
	}
	if o.Status != OrderHeld {
		return Order{}, nil, apperr.R(apperr.Conflict, "order_not_payable", "This order cannot be paid with credit now (it is %s).", o.Status)
	}
	if _, err := s.detachCanceled(ctx, tx, c, &o, canceled); err != nil {
		return Order{}, nil, err
	}
	var p Performance
	claimOf := claimsNow(ctx, tx, o.PerformanceID)
	if reads != nil {
		p, claimOf = reads.Performance, readClaims(o.PerformanceID, reads.Claims)
	} else if p, err = tx.Performance(ctx, o.PerformanceID); err != nil {
		return Order{}, nil, err
	}
	perfs[p.ID] = p
	if p.Status != PerformanceScheduled || !now.Before(p.SalesClose) {
		return Order{}, nil, apperr.R(apperr.Conflict, "not_on_sale", "Tickets for this performance are not on sale now.")
	}
	// An expired hold holds nothing: paying it takes its seats again, as a
	// new hold would, and a seat whose category has been taken off sale
	// since (its price removed) is no more for sale to it than to anyone.
	if !now.Before(o.HoldExpiresAt) && !OnSale(o, p) {
		return Order{}, nil, apperr.R(apperr.Conflict, "seats_off_sale", "Your hold expired and some of its seats are no longer on sale; choose your seats again.")
	}
	sale := wallet.Transaction{
		Key: "ticket:sale:" + o.ID, Kind: KindSaleWallet, Memo: p.Title, RefType: "ticket_order", RefID: o.ID,
		Entries: []wallet.Entry{{Account: wallet.CitizenAccount(o.AccountID), Amount: -o.TotalCents}, {Account: wallet.RevenueTheatre, Amount: o.TotalCents}},
	}
	if o.PaymentIntentID != "" {
		// A card payment is attached: the caller cancels it at the
		// processor and tries again, or this is the answer. Checked after
		// the sales: a card payment whose hold still runs after they closed
		// may still issue the tickets, and credit could not. Credit that
		// is short now is refused first: cancelling the card payment for a
		// payment that then fails would leave the buyer with neither.
		if err := wallet.Afford(ctx, tx, sale); err != nil {
			return Order{}, nil, err
		}
		return Order{}, nil, &cardAttached{intent: o.PaymentIntentID,
			refusal: apperr.R(apperr.Conflict, "order_not_payable", "This order cannot be paid with credit now: a card payment for it has started.")}
	}
	ok, err := secure(ctx, tx, o, now, claimOf)
	if err != nil {
		return Order{}, nil, fmt.Errorf("secure seats: %w", err)
	}
	if !ok {
		return Order{}, nil, apperr.R(apperr.Conflict, "hold_lost", "Your hold expired and a seat was taken by someone else.")
	}
	if err := wallet.OpenCitizen(ctx, tx, o.AccountID); err != nil {
		return Order{}, nil, err
	}
	posted, q, err := wallet.PostOrQueue(ctx, tx, sale, now, postNow)
	*queued, o.TransactionID = q, posted.ID
	if err != nil {
		return Order{}, nil, err
	}
	issued, err := s.issue(ctx, tx, o, p.VenueID, now)
	if err != nil {
		return Order{}, nil, err
	}
	o.Status, o.Method, o.PaidAt = OrderPaid, PayWallet, now
	if err := tx.UpdateOrder(ctx, o); err != nil {
		return Order{}, nil, fmt.Errorf("update order: %w", err)
	}
	var buyer *mail.Recipient
	var mailable bool
	if reads != nil {
		r, ok := buyerRecipient(reads.Buyer, reads.BuyerFound)
		buyer, mailable = &r, ok
	}
	if err := s.purchaseEmail(ctx, tx, o, p, issued, venues, buyer, mailable, now); err != nil {
		return Order{}, nil, err
	}
	var views []TicketView
	if tickets {
		if views, err = s.views(ctx, tx, issued, perfs, venues); err != nil {
			return Order{}, nil, err
		}
	}
	return o, views, s.audit(ctx, tx, c, "ticket.sale", "ticket_order", o.ID, map[string]any{"method": PayWallet, "amount_cents": o.TotalCents, "seats": len(o.Seats)})
}

// lockOrderToPay is ownOrder, locked, with what paying it looks at read
// after the lock in the same exchange when the store offers it
// (PaymentReader); the reads are nil when it does not, for the caller to
// make when it needs them.
func (s *Service) lockOrderToPay(ctx context.Context, tx Tx, c identity.Caller, id string) (Order, *PaymentReads, error) {
	r, ok := tx.(PaymentReader)
	if !ok {
		o, err := s.ownOrder(ctx, tx, c, id, true)
		return o, nil, err
	}
	reads, err := r.ReadOrderToPay(ctx, id)
	o, err := owned(c, reads.Order, err)
	if err != nil {
		return Order{}, nil, err
	}
	return o, &reads, nil
}

// readClaims answers secure from the claims read with the order: a seat
// without one has none (NotFound), as Claim answers.
func readClaims(performanceID string, claims []Claim) func(string) (Claim, error) {
	bySeat := make(map[string]Claim, len(claims))
	for _, cl := range claims {
		if cl.PerformanceID == performanceID {
			bySeat[cl.SeatID] = cl
		}
	}
	return func(seatID string) (Claim, error) {
		cl, ok := bySeat[seatID]
		if !ok {
			return Claim{}, apperr.E(apperr.NotFound, "No claim on seat %s.", seatID)
		}
		return cl, nil
	}
}

// CardPayable checks that the caller may start paying a held order by card
// and returns it. NotFound unless the caller's; Conflict when it is not
// held any more (order_not_payable) or its hold expired (hold_expired).
func (s *Service) CardPayable(ctx context.Context, c identity.Caller, orderID string) (Order, error) {
	if err := requireCitizen(c); err != nil {
		return Order{}, err
	}
	var out Order
	err := s.store.View(ctx, func(tx Tx) error {
		o, err := s.ownOrder(ctx, tx, c, orderID, false)
		if err != nil {
			return err
		}
		if o.Status != OrderHeld {
			return apperr.R(apperr.Conflict, "order_not_payable", "This order cannot be paid now (it is %s).", o.Status)
		}
		if !s.now().Before(o.HoldExpiresAt) {
			return apperr.R(apperr.Conflict, "hold_expired", "Your hold has expired; choose your seats again.")
		}
		p, err := tx.Performance(ctx, o.PerformanceID)
		if err != nil {
			return err
		}
		if !p.OnSale(s.now()) {
			return apperr.R(apperr.Conflict, "not_on_sale", "Tickets for this performance are not on sale now.")
		}
		out = o
		return nil
	})
	return out, err
}

// AttachPayment records the card payment (a PaymentIntent id) started for
// a held order. Attaching the same intent again is harmless. NotFound
// unless the caller's; Conflict when the order is not held any more or
// another payment is attached.
func (s *Service) AttachPayment(ctx context.Context, c identity.Caller, orderID, intentID string) (Order, error) {
	if intentID == "" {
		return Order{}, apperr.E(apperr.Invalid, "A card payment needs its payment id.")
	}
	var out Order
	err := s.store.InTx(ctx, func(tx Tx) error {
		o, err := s.ownOrder(ctx, tx, c, orderID, true)
		if err != nil {
			return err
		}
		if o.PaymentIntentID == intentID {
			out = o
			return nil
		}
		if o.Status != OrderHeld || o.PaymentIntentID != "" {
			return apperr.R(apperr.Conflict, "order_not_payable", "This order cannot be paid now (it is %s).", o.Status)
		}
		o.Method, o.PaymentIntentID = PayCard, intentID
		if err := tx.UpdateOrder(ctx, o); err != nil {
			return fmt.Errorf("update order: %w", err)
		}
		out = o
		return nil
	})
	return out, err
}

// ConfirmCardPayment settles a ticket order whose card payment the payment
// provider confirmed (intentID received amount cents in currency). In one
// database transaction it issues the tickets and records StripeClearing →
// theatre revenue, idempotent on the order: a confirmation delivered twice,
// or twice at once, issues once (replayed=true for the repeat). When the
// hold expired and a seat was sold elsewhere meanwhile, or the amount is
// not the order's, the order becomes refund_due and no ticket is issued.
// NotFound for an unknown order; Invalid when intentID is not the order's
// payment.
func (s *Service) ConfirmCardPayment(ctx context.Context, orderID, intentID string, amount int64, currency string) (out Order, replayed bool, err error) {
	err = s.store.InTx(ctx, func(tx Tx) error {
		var err error
		out, replayed, err = s.ConfirmCardPaymentTx(ctx, tx, orderID, intentID, amount, currency)
		return err
	})
	return out, replayed, err
}

// ConfirmCardPaymentTx is ConfirmCardPayment inside the caller's
// transaction tx (which records the Stripe event that confirmed it).
func (s *Service) ConfirmCardPaymentTx(ctx context.Context, tx Tx, orderID, intentID string, amount int64, currency string) (out Order, replayed bool, err error) {
	err = func() error {
		now := s.now()
		o, err := tx.LockOrder(ctx, orderID)
		if err != nil {
			return notFound("order", err)
		}
		if (o.PaymentIntentID != "" && o.PaymentIntentID != intentID) || (o.Status == OrderPaid && o.Method != PayCard) {
			// Money for an order that is someone else's payment, or that
			// was paid with credit meanwhile: a person refunds it at Stripe.
			s.log.ErrorContext(ctx, "card payment does not belong to the ticket order; refund it at Stripe",
				slog.String("order", o.ID), slog.String("payment_intent", intentID), slog.String("order_payment", o.PaymentIntentID))
			return apperr.R(apperr.Invalid, "payment_mismatch", "This payment is not the order's.")
		}
		if o.Status != OrderHeld && o.Status != OrderCancelled {
			out, replayed = o, true
			return nil
		}
		system := identity.Caller{AccountID: "system:stripe"}
		refund := func(note string) error {
			o.Status, o.Method, o.PaymentIntentID, o.Note = OrderRefundDue, PayCard, intentID, note
			if err := tx.DeleteClaims(ctx, o.ID); err != nil {
				return err
			}
			if err := tx.UpdateOrder(ctx, o); err != nil {
				return fmt.Errorf("update order: %w", err)
			}
			if err := oweCardRefund(ctx, tx, o, amount, now); err != nil {
				return err
			}
			if err := s.refundEmail(ctx, tx, o, amount, false, now); err != nil {
				return err
			}
			out = o
			s.log.WarnContext(ctx, "ticket order paid but not issued; refund due", slog.String("order", o.ID),
				slog.String("payment_intent", intentID), slog.String("why", note))
			return s.audit(ctx, tx, system, "ticket.refund_due", "ticket_order", o.ID, map[string]any{"note": note, "amount_cents": amount})
		}
		if o.Status == OrderCancelled {
			return refund(NoteOrderCancelledBeforePay)
		}
		if strings.ToLower(currency) != "eur" || amount != o.TotalCents {
			return refund(fmt.Sprintf("paid %d %s for an order of %d eur cents", amount, currency, o.TotalCents))
		}
		p, err := tx.Performance(ctx, o.PerformanceID)
		if err != nil {
			return err
		}
		if p.Status == PerformanceCancelled {
			return refund(NotePerformanceCancelledPay)
		}
		// A payment method that confirms days later (a bank debit) can
		// arrive after the show; one whose hold lapsed after the sales
		// closed would be a sale the credit path refuses (not_on_sale).
		if !now.Before(p.EndsAt) {
			return refund(NotePaidAfterTheEnd)
		}
		if !now.Before(p.SalesClose) && !now.Before(o.HoldExpiresAt) {
			return refund(NoteHoldExpiredSalesClosed)
		}
		// As the credit path: an expired hold takes its seats again only
		// while they are on sale.
		if !now.Before(o.HoldExpiresAt) && !OnSale(o, p) {
			return refund(NoteHoldExpiredOffSale)
		}
		ok, err := secure(ctx, tx, o, now, claimsNow(ctx, tx, o.PerformanceID))
		if err != nil {
			return fmt.Errorf("secure seats: %w", err)
		}
		if !ok {
			return refund(NoteHoldExpiredSeatSold)
		}
		ltx, err := wallet.Post(ctx, tx, wallet.Transaction{
			Key: "ticket:sale:" + o.ID, Kind: KindSaleCard, Memo: p.Title, RefType: "ticket_order", RefID: o.ID,
			Entries: []wallet.Entry{{Account: wallet.StripeClearing, Amount: -o.TotalCents}, {Account: wallet.RevenueTheatre, Amount: o.TotalCents}},
		}, now)
		if err != nil {
			return err
		}
		tickets, err := s.issue(ctx, tx, o, p.VenueID, now)
		if err != nil {
			return err
		}
		o.Status, o.Method, o.PaymentIntentID, o.PaidAt, o.TransactionID = OrderPaid, PayCard, intentID, now, ltx.ID
		if err := tx.UpdateOrder(ctx, o); err != nil {
			return fmt.Errorf("update order: %w", err)
		}
		if err := s.purchaseEmail(ctx, tx, o, p, tickets, map[string]Venue{}, nil, false, now); err != nil {
			return err
		}
		out = o
		return s.audit(ctx, tx, system, "ticket.sale", "ticket_order", o.ID, map[string]any{"method": PayCard, "amount_cents": o.TotalCents, "seats": len(o.Seats)})
	}()
	return out, replayed, err
}

// OnSale reports whether every seat of o is of a category p prices: an
// expired hold is paid only then.
func OnSale(o Order, p Performance) bool {
	for _, s := range o.Seats {
		if _, ok := p.Prices[s.Category]; !ok {
			return false
		}
	}
	return true
}
