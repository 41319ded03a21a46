package ticketing

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/paging"
	"cityhub/wallet"
)

// ---- Holds and orders -----------------------------------------------------

// Hold keeps seats of a performance for the caller for HoldTTL while they
// pay. Seats whose earlier hold expired are released first. Forbidden
// unless citizen; NotFound for an unknown performance; Invalid for no,
// too many, repeated or unknown seats; Conflict when sales are closed
// (reason not_on_sale) or a seat is taken (reason seat_taken; nothing held).
func (s *Service) Hold(ctx context.Context, c identity.Caller, performanceID string, seatIDs []string) (Order, error) {
	o, _, err := s.HoldWithKey(ctx, c, performanceID, seatIDs, "")
	return o, err
}

// HoldWithKey is Hold made idempotent by the client's key (none when
// empty): a retry with the same key and seats answers the first hold
// (replayed=true) instead of failing on the seats it holds itself; the
// same key for other seats is Conflict (idempotency_key_reused).
//
// A refusal is the key's answer too (idem.DoKeeping): a retry of a hold
// refused because a seat was taken or sales were closed is refused again
// alike (replayed=true), even once the seat is free again. The API keeps
// no second copy of these answers (OwnAnswerRoutes).
func (s *Service) HoldWithKey(ctx context.Context, c identity.Caller, performanceID string, seatIDs []string, key string) (out Order, replayed bool, err error) {
	if err := requireCitizen(c); err != nil {
		return Order{}, false, err
	}
	sorted := slices.Clone(seatIDs)
	slices.Sort(sorted)
	var invalid error
	switch {
	case len(seatIDs) == 0 || len(seatIDs) > MaxSeatsPerOrder:
		invalid = apperr.R(apperr.Invalid, "invalid_seats", "Choose 1 to %d seats.", MaxSeatsPerOrder)
	case len(slices.Compact(slices.Clone(sorted))) != len(sorted):
		// The bound too, as the refusal above: the pages' words for
		// invalid_seats name both rules.
		invalid = apperr.R(apperr.Invalid, "invalid_seats", "A seat is chosen twice; choose 1 to %d seats, each once.", MaxSeatsPerOrder)
	}
	if key == "" {
		if invalid != nil {
			return Order{}, false, invalid
		}
		try := func(claimNow bool) error {
			return s.store.InTx(ctx, func(tx Tx) error {
				var err error
				out, err = s.holdTx(ctx, tx, c, performanceID, sorted, claimNow)
				return err
			})
		}
		err = claimAtCommitFirst(try)
		if refusal, late := idem.LateRefusal(err); late {
			err = refusal
		}
		return out, false, err
	}
	if err := idem.ValidateKey(key); err != nil {
		return Order{}, false, err
	}
	scope := "ticket.hold:" + c.AccountID
	request := struct {
		Performance string   `json:"performance"`
		Seats       []string `json:"seats"`
	}{performanceID, sorted}
	var refused error
	try := func(claimNow bool) error {
		return s.store.InTx(ctx, func(tx Tx) error {
			now := s.now()
			var target holdTarget
			var err error
			// The key's claim goes with the hold's reads (one round trip for
			// both, where the store can); a refusal judged before the hold
			// writes is kept with the key in this transaction.
			out, refused, replayed, err = idem.DoKeepingAfterRead(ctx, tx, scope, key, request, func() error {
				if invalid != nil {
					// Kept like any refusal: a retry is answered alike.
					return invalid
				}
				var err error
				target, err = holdRead(ctx, tx, c, performanceID, sorted, now)
				return err
			}, func() (Order, error) {
				return s.holdWrite(ctx, tx, c, target, sorted, now, claimNow)
			})
			return err
		})
	}
	err = claimAtCommitFirst(try)
	if refusal, late := idem.LateRefusal(err); late {
		// A seat taken under the hold once it had written: its
		// transaction rolled back with the key, which keeps the refusal in
		// one of its own.
		err = s.store.InTx(ctx, func(tx Tx) error {
			var err error
			out, refused, replayed, err = idem.KeepRefusal[Order](ctx, tx, scope, key, request, refusal)
			return err
		})
	}
	if err == nil && refused != nil {
		out, err = Order{}, refused
	}
	return out, replayed, err
}

// claimAtCommitFirst runs a hold's try with its claims riding with the
// COMMIT, and when a seat was claimed by another between its reads and the
// COMMIT (ReasonSeatTakenAtCommit), once more claiming one seat at a time:
// that run reads the seats anew and is refused as any hold whose seat is
// taken (or holds them all, if that seat was let go meanwhile).
func claimAtCommitFirst(try func(claimNow bool) error) error {
	err := try(false)
	if apperr.ReasonOf(err) == ReasonSeatTakenAtCommit {
		err = try(true)
	}
	return err
}

func (s *Service) holdTx(ctx context.Context, tx Tx, c identity.Caller, performanceID string, sorted []string, claimNow bool) (Order, error) {
	now := s.now()
	target, err := holdRead(ctx, tx, c, performanceID, sorted, now)
	if err != nil {
		return Order{}, err
	}
	return s.holdWrite(ctx, tx, c, target, sorted, now, claimNow)
}

// holdTarget is what a hold read: the performance and its seats, and,
// when the store read it with them (BuyerHoldReader), the seats the buyer
// holds already.
type holdTarget struct {
	p     Performance
	seats []Seat
	held  *int
}

// holdRead reads (and locks) what a hold checks before it writes, and
// refuses when the performance is not on sale or a seat is not free.
func holdRead(ctx context.Context, tx Tx, c identity.Caller, performanceID string, sorted []string, now time.Time) (holdTarget, error) {
	// The performance, the seats and whether they may be tried for, read
	// together (with the buyer's held seats, where the store can); the
	// performance's rules are checked first all the same.
	var t holdTarget
	var free bool
	var err error
	if r, ok := tx.(BuyerHoldReader); ok {
		var held int
		t.p, free, t.seats, held, err = r.HoldTargetOf(ctx, c.AccountID, performanceID, sorted, now)
		t.held = &held
	} else {
		t.p, free, t.seats, err = tx.HoldTarget(ctx, performanceID, sorted, now)
	}
	if err != nil {
		return holdTarget{}, notFound("performance", err)
	}
	if !t.p.OnSale(now) {
		return holdTarget{}, apperr.R(apperr.Conflict, "not_on_sale", "Tickets for this performance are not on sale now.")
	}
	// In a rush most buyers lose: they are told before anything is written.
	if !free {
		return holdTarget{}, apperr.R(apperr.Conflict, "seat_taken", "A seat you chose has just been taken; choose another.")
	}
	return t, nil
}

// holdWrite holds the seats holdRead found free. Its refusals before the
// first write are plain; one after it is marked idem.AfterWrites. Where
// the store can (CommitClaimer) and claimNow is false, the seats' claims
// ride with the COMMIT, and a seat claimed meanwhile fails it
// (ReasonSeatTakenAtCommit).
func (s *Service) holdWrite(ctx context.Context, tx Tx, c identity.Caller, t holdTarget, sorted []string, now time.Time, claimNow bool) (Order, error) {
	p := t.p
	byID := make(map[string]Seat, len(t.seats))
	for _, st := range t.seats {
		byID[st.ID] = st
	}
	o := Order{ID: ids.New("tord"), AccountID: c.AccountID, PerformanceID: p.ID, Status: OrderHeld,
		HoldExpiresAt: now.Add(HoldTTL), CreatedAt: now}
	for _, id := range sorted {
		st, ok := byID[id]
		price := p.Prices[st.Category]
		if !ok || price == 0 {
			return Order{}, apperr.R(apperr.Invalid, "unknown_seat", "Seat %q is not on sale for this performance.", id)
		}
		o.Seats = append(o.Seats, OrderSeat{SeatID: id, Category: st.Category, PriceCents: price})
		o.TotalCents += price
	}
	var held int
	if t.held != nil {
		held = *t.held
	} else {
		var err error
		if held, err = tx.LiveHeldSeats(ctx, c.AccountID, p.ID, now); err != nil {
			return Order{}, err
		}
	}
	if held+len(sorted) > MaxSeatsPerOrder {
		return Order{}, apperr.R(apperr.Conflict, "too_many_held", "You already hold %d seats for this performance; pay for them or let them go first.", held)
	}
	if err := tx.ReleaseExpiredClaims(ctx, p.ID, sorted, now); err != nil {
		return Order{}, fmt.Errorf("release expired holds: %w", err)
	}
	if err := tx.InsertOrder(ctx, o); err != nil {
		return Order{}, fmt.Errorf("insert order: %w", err)
	}
	// Seat id order is the global lock order, so two buyers of overlapping
	// seats cannot deadlock.
	if cc, ok := tx.(CommitClaimer); ok && !claimNow {
		claims := make([]Claim, len(sorted))
		for i, id := range sorted {
			claims[i] = Claim{PerformanceID: p.ID, SeatID: id, OrderID: o.ID, State: ClaimHeld, ExpiresAt: o.HoldExpiresAt}
		}
		if err := cc.ClaimAtCommit(ctx, claims); err != nil {
			return Order{}, fmt.Errorf("hold seats: %w", err)
		}
		return o, nil
	}
	for _, id := range sorted {
		ok, err := tx.TryClaim(ctx, Claim{PerformanceID: p.ID, SeatID: id, OrderID: o.ID, State: ClaimHeld, ExpiresAt: o.HoldExpiresAt})
		if err != nil {
			return Order{}, fmt.Errorf("hold seat: %w", err)
		}
		if !ok {
			return Order{}, idem.AfterWrites(apperr.R(apperr.Conflict, "seat_taken", "Seat %s has just been taken; choose another.", id))
		}
	}
	return o, nil
}

// secure makes sure every seat of o is claimed by o at now: its own claim
// (even one whose hold expired, while nobody took the seat), or the seat
// freed and claimed again. It reports false when another order holds or
// bought a seat. claimOf is the claim on a seat (NotFound if none): read
// now, or earlier in tx with the order locked.
func secure(ctx context.Context, tx Tx, o Order, now time.Time, claimOf func(seatID string) (Claim, error)) (bool, error) {
	for _, os := range o.Seats {
		cl, err := claimOf(os.SeatID)
		switch {
		case err == nil && cl.OrderID == o.ID:
			continue
		case err == nil && cl.Live(now):
			return false, nil
		case err == nil:
			if err := tx.ReleaseExpiredClaims(ctx, o.PerformanceID, []string{os.SeatID}, now); err != nil {
				return false, err
			}
		case !apperr.Has(err, apperr.NotFound):
			return false, err
		}
		ok, err := tx.TryClaim(ctx, Claim{PerformanceID: o.PerformanceID, SeatID: os.SeatID, OrderID: o.ID, State: ClaimHeld, ExpiresAt: now})
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// claimsNow reads each seat's claim when secure asks for it.
func claimsNow(ctx context.Context, tx Tx, performanceID string) func(string) (Claim, error) {
	return func(seatID string) (Claim, error) { return tx.Claim(ctx, performanceID, seatID) }
}

func (s *Service) ownOrder(ctx context.Context, tx Tx, c identity.Caller, id string, lock bool) (Order, error) {
	read := tx.Order
	if lock {
		read = tx.LockOrder
	}
	o, err := read(ctx, id)
	return owned(c, o, err)
}

// owned is the order read, if it is the caller's: NotFound
// (order_not_found) alike for another's order and for none.
func owned(c identity.Caller, o Order, err error) (Order, error) {
	if err != nil || c.AccountID == "" || o.AccountID != c.AccountID {
		if err != nil && !apperr.Has(err, apperr.NotFound) {
			return Order{}, err
		}
		return Order{}, apperr.R(apperr.NotFound, "order_not_found", "No such order.")
	}
	return o, nil
}

// ReleaseHold gives up a held order: its seats are free again at once.
// Releasing an order that is not held any more answers it unchanged. A
// card payment started for the order and not completed is canceled at the
// card processor first and detached in the transaction that releases
// (cancelingCard). Forbidden unless a citizen; NotFound unless the
// caller's; Conflict (payment_started)
// when the processor refuses to cancel it (it succeeded or is being
// processed: its webhook decides), or when no canceler is set.
func (s *Service) ReleaseHold(ctx context.Context, c identity.Caller, orderID string) (Order, error) {
	if err := requireCitizen(c); err != nil {
		return Order{}, err
	}
	var out Order
	err := s.cancelingCard(ctx, c, orderID, func(canceled string) error {
		return s.store.InTx(ctx, func(tx Tx) error {
			var err error
			out, err = s.releaseTx(ctx, tx, c, orderID, canceled)
			return err
		})
	})
	if err != nil {
		return Order{}, err
	}
	return out, nil
}

// releaseTx is one try of ReleaseHold in tx; canceled is a card payment
// canceled at the processor that the order may still hold, detached here.
func (s *Service) releaseTx(ctx context.Context, tx Tx, c identity.Caller, orderID, canceled string) (Order, error) {
	o, err := s.ownOrder(ctx, tx, c, orderID, true)
	if err != nil {
		return Order{}, err
	}
	if o.Status != OrderHeld {
		return o, nil
	}
	if _, err := s.detachCanceled(ctx, tx, c, &o, canceled); err != nil {
		return Order{}, err
	}
	if o.PaymentIntentID != "" {
		return Order{}, &cardAttached{intent: o.PaymentIntentID,
			refusal: apperr.R(apperr.Conflict, "payment_started", "A card payment for this order has started.")}
	}
	if err := tx.DeleteClaims(ctx, o.ID); err != nil {
		return Order{}, err
	}
	o.Status, o.Note = OrderCancelled, NoteReleased
	if err := tx.UpdateOrder(ctx, o); err != nil {
		return Order{}, fmt.Errorf("update order: %w", err)
	}
	return o, nil
}

// paidRefund is what refunding the paid order o with tickets ts gives
// back: its total less what was refunded at Stripe already, outside the
// hub (not refunded, nor reversed in the ledger, a second time). A ticket
// checked in refuses it (errTicketUsed), unless the show was cancelled.
// RefundOrder and PlanRefund both judge by it.
func paidRefund(o Order, ts []Ticket, showCancelled bool) (int64, error) {
	for _, t := range ts {
		if t.Status == TicketCheckedIn && !showCancelled {
			return 0, errTicketUsed
		}
	}
	return o.TotalCents - o.CardRefundedCents, nil
}

// errTicketUsed refuses to refund an order whose ticket was checked in.
var errTicketUsed = apperr.R(apperr.Conflict, "ticket_used", "A ticket of this order was already checked in.")

// RefundOrder cancels an order as an administrator: a paid one has its
// tickets cancelled, its seats released and its money returned (one
// reversing ledger transaction, to the citizen's credit or to Stripe
// clearing for a card refund), exactly once; a held one is released; a
// refund_due one is closed as refunded. Refunding again answers the order
// unchanged. Forbidden unless admin; NotFound; Conflict when a ticket was
// already checked in (ticket_used) or the order's card payment is disputed,
// open or lost (order_disputed).
func (s *Service) RefundOrder(ctx context.Context, c identity.Caller, orderID string) (Order, error) {
	if err := requireAdmin(c); err != nil {
		return Order{}, err
	}
	var out Order
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = s.refundTx(ctx, tx, c, orderID, false, "")
		return err
	})
	return out, err
}

// RefundOrderAsPlanned is RefundOrder for an administrator who confirmed
// a page saying what it would do (PlanRefund's Action, expect): Conflict
// (order_changed), and nothing done, when the order, under its lock, is no
// longer as that page described it (a hold paid meanwhile, an order
// refunded by someone else).
func (s *Service) RefundOrderAsPlanned(ctx context.Context, c identity.Caller, orderID, expect string) (Order, error) {
	if err := requireAdmin(c); err != nil {
		return Order{}, err
	}
	var out Order
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = s.refundTx(ctx, tx, c, orderID, false, expect)
		return err
	})
	return out, err
}

// refundTx is RefundOrder inside tx; a non-empty expect is
// RefundOrderAsPlanned's. With showCancelled, tickets already
// checked in are refunded too: the show they were for did not happen. A
// paid order whose card payment is disputed (open or lost) is not refunded:
// refused (order_disputed), or with showCancelled its tickets are cancelled
// and it stays paid, the money being the dispute's.
func (s *Service) refundTx(ctx context.Context, tx Tx, c identity.Caller, orderID string, showCancelled bool, expect string) (Order, error) {
	return s.refundNoted(ctx, tx, c, orderID, showCancelled, expect, "")
}

// refundNoted is refundTx adding note to a paid order it refunds: the
// buyer's own cancel says so, for a repeat of it to be told from a refund
// made by someone else. NotePerformanceCancelled is a held order's note
// too, in place of an administrator's.
func (s *Service) refundNoted(ctx context.Context, tx Tx, c identity.Caller, orderID string, showCancelled bool, expect, note string) (Order, error) {
	now := s.now()
	o, err := tx.LockOrder(ctx, orderID)
	if err != nil {
		return Order{}, notFound("order", err)
	}
	if expect != "" && refundAction(o.Status) != expect {
		return Order{}, errOrderChanged
	}
	// refunded is what this refund gives back, for the audit log: nothing
	// for a hold, and not what Stripe refunded before.
	var refunded int64
	switch o.Status {
	case OrderRefunded, OrderCancelled:
		return o, nil
	case OrderHeld:
		// No money was taken: the order is only cancelled, and says why,
		// the performance's cancellation as its paid orders do, for its
		// holder to learn the show will not happen.
		o.Status, o.Note = OrderCancelled, NoteCancelledByAdmin
		if note == NotePerformanceCancelled {
			o.Note = note
		}
	case OrderRefundDue:
		// The record written when the payment arrived (with the amount
		// actually paid) wins; this one only covers older orders.
		if err := oweCardRefund(ctx, tx, o, o.TotalCents, now); err != nil {
			return Order{}, err
		}
		o.Status, refunded = OrderRefunded, o.TotalCents
	case OrderPaid:
		if o.Disputed() {
			if !showCancelled {
				return Order{}, errOrderDisputed
			}
			return s.voidDisputed(ctx, tx, c, o, now)
		}
		ts, err := tx.LockOrderTickets(ctx, o.ID)
		if err != nil {
			return Order{}, err
		}
		amount, err := paidRefund(o, ts, showCancelled)
		if err != nil {
			return Order{}, err
		}
		to, memo := wallet.CitizenAccount(o.AccountID), "Ticket refund"
		refunded = amount
		if o.Method == PayCard {
			// The card refund itself is made at Stripe; the ledger returns
			// the money to clearing, where it came from.
			to = wallet.StripeClearing
			if err := oweCardRefund(ctx, tx, o, amount, now); err != nil {
				return Order{}, err
			}
		} else {
			credit, err := wallet.LockCitizen(ctx, tx, o.AccountID)
			if err != nil {
				return Order{}, err
			}
			switch {
			case credit.Closed() && c.AccountID == o.AccountID:
				// The buyer's own cancel, which waited for their erasure:
				// answered as their next request is at the door, and
				// nothing changes.
				return Order{}, apperr.ErrAccountDeleted
			case credit.Closed():
				// The buyer's account was erased since: its credit is
				// closed and takes nothing (nobody could spend it). The
				// refund goes to the city, which settles it with the
				// person by hand, as it does what the erasure sent it.
				to, memo = wallet.CityFunding, "Ticket refund of an erased account: to the city"
			}
		}
		if amount > 0 {
			if _, err := wallet.Post(ctx, tx, wallet.Transaction{
				Key: "ticket:refund:" + o.ID, Kind: KindRefund, Memo: memo, RefType: "ticket_order", RefID: o.ID,
				Entries: []wallet.Entry{{Account: wallet.RevenueTheatre, Amount: -amount}, {Account: to, Amount: amount}},
			}, now); err != nil {
				return Order{}, err
			}
		}
		if err := tx.CancelOrderTickets(ctx, o.ID); err != nil {
			return Order{}, err
		}
		o.Status = OrderRefunded
		if note != "" {
			o.Note = joinNote(o.Note, note)
		}
		if err := s.refundEmail(ctx, tx, o, amount, showCancelled, now); err != nil {
			return Order{}, err
		}
	}
	if err := tx.DeleteClaims(ctx, o.ID); err != nil {
		return Order{}, err
	}
	if err := tx.UpdateOrder(ctx, o); err != nil {
		return Order{}, fmt.Errorf("update order: %w", err)
	}
	return o, s.audit(ctx, tx, c, "ticket.refund", "ticket_order", o.ID, map[string]any{"amount_cents": refunded, "method": o.Method})
}

// voidDisputed cancels the tickets of a disputed paid order whose
// performance was cancelled: the show will not happen, and the money is
// the dispute's to settle, not a refund's. The order stays paid, the buyer
// is told so, and the audit log says nothing was refunded.
func (s *Service) voidDisputed(ctx context.Context, tx Tx, c identity.Caller, o Order, now time.Time) (Order, error) {
	if err := tx.CancelOrderTickets(ctx, o.ID); err != nil {
		return Order{}, err
	}
	if err := tx.DeleteClaims(ctx, o.ID); err != nil {
		return Order{}, err
	}
	note := NoteCancelledWhileDisputed
	if o.Note != "" {
		note = o.Note + "; " + note
	}
	o.Note = note
	if err := tx.UpdateOrder(ctx, o); err != nil {
		return Order{}, fmt.Errorf("update order: %w", err)
	}
	if err := s.voidedEmail(ctx, tx, o, now); err != nil {
		return Order{}, err
	}
	return o, s.audit(ctx, tx, c, "ticket.void_disputed", "ticket_order", o.ID, map[string]any{"dispute": o.Dispute, "refunded_cents": 0})
}

// Order returns an order to its buyer or an administrator. NotFound otherwise.
func (s *Service) Order(ctx context.Context, c identity.Caller, id string) (Order, error) {
	var out Order
	err := s.store.View(ctx, func(tx Tx) error {
		o, err := tx.Order(ctx, id)
		if err != nil || (o.AccountID != c.AccountID && !c.Has(identity.RoleAdmin)) || c.AccountID == "" {
			if err != nil && !apperr.Has(err, apperr.NotFound) {
				return err
			}
			return apperr.R(apperr.NotFound, "order_not_found", "No such order.")
		}
		out = o
		return nil
	})
	return out, err
}

// OrderPage is one page of a buyer's orders, newest first.
type OrderPage struct {
	Orders []Order `json:"orders"`
	// Next is the cursor of the following (older) page, the id of this
	// page's last order; empty when no order follows it, however full the
	// page is.
	Next string `json:"next_cursor,omitempty"`
}

// MaxOrderPage bounds a page of MyOrders.
const MaxOrderPage = 200

// MaxExportedOrders bounds the orders of a data download, as the wallet's
// history and the rides are bounded: a person with more gets the newest
// and asks the city for the rest.
const MaxExportedOrders = 10000

// MyOrders is a page of the caller's orders, newest first: at most limit
// (1 to MaxOrderPage) of them after the order cursor names (from the
// newest when empty), a page's Next. Forbidden unless citizen; Invalid
// (bad_limit; bad_cursor for a cursor that is none of the caller's
// orders).
func (s *Service) MyOrders(ctx context.Context, c identity.Caller, cursor string, limit int) (OrderPage, error) {
	if err := requireCitizen(c); err != nil {
		return OrderPage{}, err
	}
	if err := paging.CheckLimit(limit, MaxOrderPage); err != nil {
		return OrderPage{}, err
	}
	page := OrderPage{Orders: []Order{}}
	err := s.store.View(ctx, func(tx Tx) error {
		// A cursor is one of the caller's orders, as the pages give them:
		// another's would page the caller's list from that order's time,
		// and tell its creation time away; one that never was would read
		// as the list from its start.
		if cursor != "" {
			o, err := tx.Order(ctx, cursor)
			if apperr.Has(err, apperr.NotFound) || (err == nil && o.AccountID != c.AccountID) {
				return apperr.R(apperr.Invalid, "bad_cursor", "This cursor was not given by your list of orders.")
			}
			if err != nil {
				return err
			}
		}
		os, next, err := paging.Read(cursor, limit, MaxOrderPage, func(after string, n int) ([]Order, error) {
			return tx.ListOrders(ctx, c.AccountID, after, n)
		}, func(o Order) string { return o.ID })
		if err != nil {
			return err
		}
		if os != nil {
			page.Orders = os
		}
		page.Next = next
		return nil
	})
	if err != nil {
		return OrderPage{}, err
	}
	return page, nil
}

// OrdersForDownload lists the caller's own orders, newest first, for their
// data download: the newest MaxExportedOrders, whatever the account's
// roles now (a person who bought seats as a citizen and now works for the
// city still gets them). Unauthenticated without an account.
func (s *Service) OrdersForDownload(ctx context.Context, c identity.Caller) ([]Order, error) {
	if c.AccountID == "" || c.IsSystem() {
		return nil, apperr.R(apperr.Unauthenticated, "login_required", "Sign in to download your data.")
	}
	var out []Order
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListOrders(ctx, c.AccountID, "", MaxExportedOrders)
		return err
	})
	if out == nil {
		out = []Order{}
	}
	return out, err
}

// Stats are a performance's sales. Forbidden unless admin; NotFound.
func (s *Service) Stats(ctx context.Context, c identity.Caller, performanceID string) (SalesStats, error) {
	if err := requireAdmin(c); err != nil {
		return SalesStats{}, err
	}
	var out SalesStats
	err := s.store.View(ctx, func(tx Tx) error {
		p, err := tx.Performance(ctx, performanceID)
		if err != nil {
			return notFound("performance", err)
		}
		out, err = salesOf(ctx, tx, p, s.now(), map[string]int{})
		return err
	})
	return out, err
}
