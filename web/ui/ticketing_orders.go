package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// The citizen's order page: what a held order costs, until when its seats
// are kept, and the ways to pay it. When the credit is short it offers a
// top-up (coming back here) and the card; while a card payment waits for
// Stripe's confirmation it says so and refreshes; once paid it shows the
// tickets, whose QR codes are in the wallet.

type orderPage struct {
	Order       ticketing.Order
	Performance ticketing.Performance
	Balance     int64
	// Short is what the credit lacks to pay the order.
	Short int64
	// SalesClosed: held, no card payment started, and the performance's
	// sales have closed (or it was cancelled): nothing can pay it any more,
	// and the seats are only to give up.
	SalesClosed bool
	// Payable: held, no card payment started, hold not expired.
	Payable bool
	// OffSale: held, its hold run out, and some of its seats taken off
	// sale since: only to give up.
	OffSale bool
	// Expired: held, but its hold ran out (it may still pay by credit if
	// nobody took the seats, after a top-up when the credit is short; a
	// card payment cannot start). Its seats can be given up, as while held.
	Expired bool
	// CardPending: a card payment started; the webhook decides.
	CardPending bool
	// CardHoldRanOut: a card payment started and the hold ran out before
	// Stripe confirmed it (the buyer left the card form, Stripe did not
	// answer): its seats are anyone's again, a confirmation issues the
	// tickets only if they are still free (else the card is refunded),
	// and the card payment cannot be taken up again (hold_expired).
	CardHoldRanOut bool
	// SwitchFromCard: a started card payment may still give way to credit
	// or to giving the seats up (the hub cancels it at Stripe first; if
	// Stripe will not, the card payment decides).
	SwitchFromCard bool
	// TopUpPending: the credit is short and a card top-up just started
	// waits for Stripe's confirmation (the citizen came back from it).
	TopUpPending bool
	Card         bool
	TopUp        bool
	TopUpURL     string
	Tickets      []ticketing.TicketView
	// Seats are the order's seats as a person reads them, with prices.
	Seats []orderSeatLine
	Error string
	// CancelUntil is when the buyer may cancel the paid order themself
	// (the performance's rule); Cancellable while that is still ahead.
	CancelUntil time.Time
	Cancellable bool
	// Refund is what a cancellation returns, and ToCard where it goes.
	Refund int64
	ToCard bool
	// ReceiptEmailed: the paid order's receipt goes by e-mail too
	// (emailsTickets), so the page may say so.
	ReceiptEmailed bool
}

type orderSeatLine struct {
	Name  string
	Cents int64
}

// seatName reads a seat id (section/row/number) as "Platea, fila A, posto
// 3" ("Stalls, row A, seat 3": the section as the page's language reads
// it, ticketing.SectionName); an id of another shape is shown as it is.
func seatName(l *locale, id string) string {
	parts := strings.Split(id, "/")
	if len(parts) == 3 {
		if n, err := strconv.Atoi(parts[2]); err == nil {
			return l.T("theatre.seat_place", ticketing.SectionName(parts[0], l.Lang), parts[1], n)
		}
	}
	return id
}

func orderPath(id string) string { return "/theatre/orders/" + url.PathEscape(id) }

// orderPageFor reads the caller's order and what the page offers for it.
// NotFound for another citizen's order.
func (s *theatrePages) orderPageFor(ctx context.Context, l *locale, c identity.Caller, id string) (orderPage, error) {
	o, err := s.ticketing.Order(ctx, c, id)
	if err != nil {
		return orderPage{}, err
	}
	if o.AccountID != c.AccountID {
		// An administrator's view of others' orders is the admin page's.
		return orderPage{}, apperr.R(apperr.NotFound, "order_not_found", "No such order.")
	}
	page := orderPage{Order: o, Card: s.pay.cardEnabled(), TopUp: s.pay.cardEnabled() || s.pay.testEnabled()}
	for _, st := range ticketing.SortBySeat(o.Seats, func(s ticketing.OrderSeat) string { return s.SeatID }) {
		page.Seats = append(page.Seats, orderSeatLine{Name: seatName(l, st.SeatID), Cents: st.PriceCents})
	}
	if page.Performance, err = s.ticketing.Performance(ctx, o.PerformanceID); err != nil {
		return orderPage{}, err
	}
	if s.pay != nil && s.pay.wallet != nil {
		acct, err := s.pay.wallet.AccountFor(ctx, c, wallet.CitizenAccount(c.AccountID))
		switch {
		case err == nil:
			page.Balance = acct.Balance
		case apperr.CodeOf(err) != apperr.NotFound:
			return orderPage{}, err
		}
	}
	// The page's clock; the ticketing service checks expiry again itself.
	now := time.Now()
	switch {
	case o.Status == ticketing.OrderHeld && o.PaymentIntentID != "":
		page.CardPending = true
		page.CardHoldRanOut = !now.Before(o.HoldExpiresAt)
		page.SwitchFromCard = s.ticketing.CardCancelable()
	case o.Status == ticketing.OrderHeld && (page.Performance.Status != ticketing.PerformanceScheduled || !now.Before(page.Performance.SalesClose)):
		page.SalesClosed = true
	case o.Status == ticketing.OrderHeld && now.Before(o.HoldExpiresAt):
		page.Payable = true
	case o.Status == ticketing.OrderHeld && !ticketing.OnSale(o, page.Performance):
		// Run out, and its seats off sale since: nothing would pay it.
		page.OffSale = true
	case o.Status == ticketing.OrderHeld:
		page.Expired = true
	case o.Status == ticketing.OrderPaid:
		if until, ok := page.Performance.SelfCancelDeadline(); ok && page.Performance.Status == ticketing.PerformanceScheduled &&
			!o.Disputed() && now.Before(until) {
			page.CancelUntil, page.Cancellable = until, true
			page.Refund, page.ToCard = o.TotalCents-o.CardRefundedCents, o.Method == ticketing.PayCard
		}
		if page.ReceiptEmailed, err = s.emailsTickets(ctx, c); err != nil {
			return orderPage{}, err
		}
		ts, err := s.ticketing.MyTickets(ctx, c)
		if err != nil {
			return orderPage{}, err
		}
		for _, t := range ts {
			if t.OrderID == o.ID {
				page.Tickets = append(page.Tickets, t)
			}
		}
	}
	if page.Short = o.TotalCents - page.Balance; page.Short < 0 {
		page.Short = 0
	}
	if (page.Payable || page.Expired) && page.Short > 0 && s.pay != nil && s.pay.Cards != nil {
		tops, err := s.pay.Cards.MyTopUps(ctx, c, walletTopUps)
		if err != nil {
			return orderPage{}, err
		}
		for _, t := range tops {
			open := t.State == cardpay.TopUpPending || t.State == cardpay.TopUpFailed
			page.TopUpPending = page.TopUpPending || (open && now.Sub(t.CreatedAt) < topUpWatch)
		}
	}
	page.TopUpURL = "/wallet/topup?need=" + strconv.FormatInt(page.Short, 10) + "&return=" + url.QueryEscape(orderPath(o.ID))
	return page, nil
}

// handleOrderPage shows one of the caller's orders.
func (s *theatrePages) handleOrderPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page, err := s.orderPageFor(r.Context(), s.locale(r), c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "ticket_order", "theatre", page)
}

// handleOrderPay pays a held order with credit (tickets at once) or starts
// paying it by card (the card page; tickets when Stripe confirms).
func (s *theatrePages) handleOrderPay(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	id := r.PathValue("id")
	switch r.PostFormValue("method") {
	case ticketing.PayWallet:
		if _, err := s.ticketing.PayWithWallet(ctx, c, id); err != nil {
			s.orderRefused(w, r, c, id, err)
			return
		}
		http.Redirect(w, r, orderPath(id), http.StatusSeeOther)
	case ticketing.PayCard:
		if !s.pay.cardEnabled() {
			// The page says the card is not taken here, as the API does:
			// payments_off's own words say there are no top-ups either,
			// untrue on a hub with test top-ups.
			err := apperr.R(apperr.Unavailable, "payments_off", "Card payments are not available on this hub.")
			s.orderWithError(w, r, c, id, httpx.StatusFor(err), err, func(l *locale, _ orderPage) string { return l.T("pay.order.card_off") })
			return
		}
		o, err := s.ticketing.CardPayable(ctx, c, id)
		if err != nil {
			s.orderRefused(w, r, c, id, err)
			return
		}
		// One payment per card attempt of the order, however often the
		// button is pressed: the attempt is the key, as it is Stripe's
		// idempotency key. A new attempt (after paying with credit or
		// releasing was tried, which canceled the payment) starts anew.
		cs, err := s.pay.startOnce(ctx, "page.order_card:"+c.AccountID, "order:"+o.CardAttemptID(), struct {
			Order string `json:"order"`
			Total int64  `json:"total_cents"`
		}{o.ID, o.TotalCents}, func(ctx context.Context) (cardStart, error) { return s.startOrderCard(ctx, c, o) })
		if err != nil {
			s.orderRefused(w, r, c, id, err)
			return
		}
		s.pay.renderCardPay(w, r, cardPayPage{Purpose: "order", AmountCents: cs.AmountCents, ClientSecret: cs.ClientSecret, IntentID: cs.IntentID,
			ReturnURL: s.absoluteURL(r, orderPath(o.ID)), Back: orderPath(o.ID)})
	default:
		s.orderRefused(w, r, c, id, apperr.R(apperr.Invalid, "invalid_method", "Choose how to pay."))
	}
}

// startOrderCard creates the order's PaymentIntent, records it and attaches
// it to the order, as the JSON API does.
func (s *theatrePages) startOrderCard(ctx context.Context, c identity.Caller, o ticketing.Order) (cardStart, error) {
	meta := map[string]string{
		cardpay.StripePurposeKey: ticketing.StripePurpose, ticketing.StripeOrderKey: o.ID, cardpay.StripeAccountKey: c.AccountID,
	}
	stripeKey := "cityhub-ticket-order-" + o.CardAttemptID()
	pi, err := s.pay.Stripe.CreateIntent(ctx, o.TotalCents, meta, stripeKey)
	if err == nil && pi.Status == stripepay.IntentCanceled {
		// The attempt's key answered its canceled intent (the cancel's
		// detach was cut short): it can never be paid, so it is taken off
		// the order and a new attempt starts, as the JSON API does.
		if o, err = s.ticketing.DropCanceledPayment(ctx, c, o.ID, pi.ID); err == nil {
			stripeKey = "cityhub-ticket-order-" + o.CardAttemptID()
			pi, err = s.pay.Stripe.CreateIntent(ctx, o.TotalCents, meta, stripeKey)
			if err == nil && pi.Status == stripepay.IntentCanceled {
				err = apperr.E(apperr.Unavailable, "The card payment could not be started; please try again.")
			}
		}
	}
	if err != nil {
		return cardStart{}, err
	}
	if err := s.pay.Cards.Record(ctx, cardpay.Payment{ID: pi.ID, Purpose: cardpay.PurposeTicketOrder, AccountID: c.AccountID,
		OrderID: o.ID, AmountCents: o.TotalCents}); err != nil {
		return cardStart{}, err
	}
	if _, err := s.ticketing.AttachPayment(ctx, c, o.ID, pi.ID); err != nil {
		return cardStart{}, err
	}
	s.pay.Secrets.Remember(pi.ID, pi.ClientSecret)
	return cardStart{IntentID: pi.ID, ClientSecret: pi.ClientSecret, AmountCents: o.TotalCents, StripeKey: stripeKey, Metadata: meta}, nil
}

// handleOrderRelease gives the held seats up.
func (s *theatrePages) handleOrderRelease(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PathValue("id")
	o, err := s.ticketing.ReleaseHold(r.Context(), c, id)
	if err != nil {
		s.orderRefused(w, r, c, id, err)
		return
	}
	if o.Status != ticketing.OrderCancelled {
		// A "give up" pressed on a page older than the order: it was paid
		// meanwhile (in another tab, or by its card), and ReleaseHold
		// leaves an order that is no longer held as it is. The seats are
		// still the buyer's: the order's page says so, and shows it as it is.
		s.orderNotReleased(w, r, c, o)
		return
	}
	http.Redirect(w, r, "/theatre/performances/"+url.PathEscape(o.PerformanceID), http.StatusSeeOther)
}

// orderNotReleased answers a release of an order no longer held: its page,
// 409, saying the seats were not given up and why.
func (s *theatrePages) orderNotReleased(w http.ResponseWriter, r *http.Request, c identity.Caller, o ticketing.Order) {
	words := "pay.order.not_released"
	if o.Status == ticketing.OrderPaid {
		words = "pay.order.not_released_paid"
	}
	s.orderWithError(w, r, c, o.ID, http.StatusConflict, nil, func(l *locale, _ orderPage) string { return l.T(words) })
}

// handleOrderCancelPage asks the buyer to confirm cancelling a paid order:
// what is cancelled, how much comes back and where.
func (s *theatrePages) handleOrderCancelPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page, err := s.orderPageFor(r.Context(), s.locale(r), c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if !page.Cancellable {
		http.Redirect(w, r, orderPath(page.Order.ID), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "ticket_order_cancel", "theatre", page)
}

// handleOrderCancel cancels the caller's paid order under the
// performance's rule; the ticketing service decides whether it may.
func (s *theatrePages) handleOrderCancel(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PathValue("id")
	if _, err := s.ticketing.CancelMyOrder(r.Context(), c, id); err != nil {
		s.orderRefused(w, r, c, id, err)
		return
	}
	http.Redirect(w, r, orderPath(id), http.StatusSeeOther)
}

// orderRefused shows the order again with why the action was refused; an
// order that is not the caller's, or a failure, is the error page.
func (s *theatrePages) orderRefused(w http.ResponseWriter, r *http.Request, c identity.Caller, id string, err error) {
	if apperr.IsServerFault(err) || apperr.Has(err, apperr.NotFound) {
		s.pageError(w, r, err)
		return
	}
	s.orderWithError(w, r, c, id, httpx.StatusFor(err), err, func(l *locale, page orderPage) string {
		if apperr.Has(err, apperr.InsufficientFunds) {
			return l.T("pay.order.short", l.Money(page.Balance), l.Money(page.Order.TotalCents))
		}
		// The deadline, as the API's message names it, in the page's
		// language and the city's zone.
		var closed ticketing.SelfCancelClosedError
		if errors.As(err, &closed) {
			return l.T("orders.cancel_closed", l.DateTime(closed.Until))
		}
		return l.ErrorText(err)
	})
}

// orderWithError shows the order's page as it is now, answering status,
// with what words say above it; cause is the refusal that led here, kept
// with an error the page itself meets.
func (s *theatrePages) orderWithError(w http.ResponseWriter, r *http.Request, c identity.Caller, id string, status int, cause error,
	words func(*locale, orderPage) string) {
	l := s.locale(r)
	page, err := s.orderPageFor(r.Context(), l, c, id)
	if err != nil {
		s.pageError(w, r, errors.Join(cause, err))
		return
	}
	page.Error = words(l, page)
	s.render(w, r, status, "ticket_order", "theatre", page)
}
