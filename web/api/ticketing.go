package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/web/httpx"
)

// The public and citizen ticketing API: performances and their seats,
// holding seats, paying (credit or card), the caller's orders and tickets
// and their rotating QR tokens.

// handleAPIPerformances lists performances on the programme. Public.
func (h *ticketHandler) handleAPIPerformances(w http.ResponseWriter, r *http.Request) {
	ps, err := h.ticketing.Performances(r.Context())
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"performances": ps})
}

// handleAPIPerformanceSeats is a performance's seat map with each seat's
// state. Public.
func (h *ticketHandler) handleAPIPerformanceSeats(w http.ResponseWriter, r *http.Request) {
	av, err := h.ticketing.Availability(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, av)
}

// holdRequest is the body of POST /api/v1/performances/{id}/holds.
type holdRequest struct {
	Seats []string `json:"seats"`
}

// handleAPIHoldSeats holds seats for the caller for ticketing.HoldTTL.
// 201 with the held order; 409 (seat_taken) when a seat is not free. An
// optional Idempotency-Key makes a retry answer the first hold, or the
// first refusal. The operation keeps its answers itself (OwnAnswerRoutes).
func (h *ticketHandler) handleAPIHoldSeats(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in holdRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	o, replayed, err := h.ticketing.HoldWithKey(r.Context(), c, r.PathValue("id"), in.Seats, r.Header.Get("Idempotency-Key"))
	if err != nil {
		writeRefusal(h.log, w, r, replayed, err)
		return
	}
	w.Header().Set("Location", "/api/v1/ticket-orders/"+o.ID)
	writeReplayable(w, http.StatusCreated, replayed, o)
}

// payRequest is the body of POST /api/v1/ticket-orders/{id}/pay.
type payRequest struct {
	Method string `json:"method"`
}

// TicketPayment answers a payment request.
type TicketPayment struct {
	Order ticketing.Order `json:"order"`
	// Tickets are issued at once when paid with credit.
	Tickets []ticketing.TicketView `json:"tickets,omitempty"`
	// PaymentIntentID and ClientSecret let the client confirm a card
	// payment with Stripe.js; the tickets follow from Stripe's webhook.
	PaymentIntentID string `json:"payment_intent_id,omitempty"`
	ClientSecret    string `json:"client_secret,omitempty"`
	PublishableKey  string `json:"publishable_key,omitempty"`
}

// handleAPIPayTicketOrder pays a held order: "wallet" takes the credit and
// issues the tickets at once (200); "card" starts a Stripe PaymentIntent
// (202, the order stays held until payment_intent.succeeded arrives).
// "wallet" after "card" first cancels the card payment at Stripe; 409
// payment_started when Stripe will not cancel it (it succeeded or is being
// processed).
func (h *ticketHandler) handleAPIPayTicketOrder(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in payRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	if kept, ok := httpx.KeptAnswer(ctx); ok {
		// The retry of a card payment whose answer was kept without its
		// client secret: the same answer, its secret asked again.
		h.replayCardPayment(w, r, c, kept)
		return
	}
	switch in.Method {
	case ticketing.PayWallet:
		o, tickets, err := h.ticketing.PayWithWalletTickets(ctx, c, id)
		if err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, TicketPayment{Order: o, Tickets: tickets})
	case ticketing.PayCard:
		if h.payments == nil || h.cardPayments == nil {
			httpx.WriteError(h.log, w, r, apperr.R(apperr.Unavailable, "payments_off", "Card payments are not available on this hub."))
			return
		}
		o, err := h.ticketing.CardPayable(ctx, c, id)
		if err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		// The order's card attempt is the Stripe idempotency key, so a
		// retried request gets the same PaymentIntent, and a new attempt
		// after the buyer canceled one (paying with credit or releasing
		// cancels it at Stripe) gets a new one it can pay.
		meta := orderMetadata(o.ID, c.AccountID)
		intentKey := "cityhub-ticket-order-" + o.CardAttemptID()
		pi, err := h.payments.CreateIntent(ctx, o.TotalCents, meta, intentKey)
		if err == nil && pi.Status == stripepay.IntentCanceled {
			// The attempt's key answered its canceled intent (the cancel's
			// detach was cut short): it can never be paid, so it is taken
			// off the order and a new attempt starts.
			if o, err = h.ticketing.DropCanceledPayment(ctx, c, o.ID, pi.ID); err == nil {
				intentKey = "cityhub-ticket-order-" + o.CardAttemptID()
				pi, err = h.payments.CreateIntent(ctx, o.TotalCents, meta, intentKey)
				if err == nil && pi.Status == stripepay.IntentCanceled {
					err = apperr.E(apperr.Unavailable, "The card payment could not be started; please try again.")
				}
			}
		}
		if err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		// Recorded before the client can pay it, like a top-up's.
		if err := h.cardPayments.Record(ctx, cardpay.Payment{ID: pi.ID, Purpose: cardpay.PurposeTicketOrder, AccountID: c.AccountID,
			OrderID: o.ID, AmountCents: o.TotalCents}); err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		amount := o.TotalCents
		if o, err = h.ticketing.AttachPayment(ctx, c, o.ID, pi.ID); err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		h.secrets.Remember(pi.ID, pi.ClientSecret)
		pay := TicketPayment{Order: o, PaymentIntentID: pi.ID, ClientSecret: pi.ClientSecret, PublishableKey: h.stripePublishableKey}
		kept := keptCardPayment{TicketPayment: pay, IntentKey: intentKey, AmountCents: amount}
		kept.ClientSecret = ""
		httpx.WriteJSONWithSecret(w, http.StatusAccepted, pay, kept)
	default:
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "invalid_method", `The payment method must be "wallet" or "card".`))
	}
}

// keptCardPayment is what a keyed card payment's answer keeps: the answer
// without its client secret, and the Stripe idempotency key and amount
// that made its PaymentIntent, under which a retry asks for the secret
// again (the order's card attempt is not in its answer).
type keptCardPayment struct {
	TicketPayment
	IntentKey   string `json:"intent_key"`
	AmountCents int64  `json:"intent_amount_cents"`
}

// orderMetadata is what a ticket order's PaymentIntent carries: the
// webhook reads the order from it, and Stripe's idempotency key answers
// the same intent only for the same parameters.
func orderMetadata(orderID, accountID string) map[string]string {
	return map[string]string{cardpay.StripePurposeKey: ticketing.StripePurpose, ticketing.StripeOrderKey: orderID, cardpay.StripeAccountKey: accountID}
}

// replayCardPayment answers the retry of a card payment whose answer was
// kept without its client secret (kept): that answer, marked
// Idempotent-Replayed, its secret asked of Stripe again.
func (h *ticketHandler) replayCardPayment(w http.ResponseWriter, r *http.Request, c identity.Caller, kept idem.Answer) {
	var prev keptCardPayment
	if err := json.Unmarshal(kept.Body, &prev); err != nil || prev.IntentKey == "" || prev.PaymentIntentID == "" {
		httpx.WriteError(h.log, w, r, fmt.Errorf("a card payment's kept answer does not read: %v", err))
		return
	}
	if h.payments == nil {
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Unavailable, "payments_off", "Card payments are not available on this hub."))
		return
	}
	secret, err := h.secrets.Again(r.Context(), h.payments, h.log, prev.AmountCents, orderMetadata(prev.Order.ID, c.AccountID), prev.IntentKey, prev.PaymentIntentID)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	pay := prev.TicketPayment
	pay.ClientSecret = secret
	w.Header().Set("Idempotent-Replayed", "true")
	httpx.WriteJSON(w, kept.Status, pay)
}

// handleAPITicketOrders is a page of the caller's orders, newest first
// (?cursor=&limit=, limit 1 to ticketing.MaxOrderPage, 50 when absent),
// with next_cursor when an older order follows.
func (h *ticketHandler) handleAPITicketOrders(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cursor, limit, err := httpx.PageQuery(r, 50, ticketing.MaxOrderPage)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	page, err := h.ticketing.MyOrders(r.Context(), c, cursor, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, page)
}

// handleAPITicketOrder is one order, to its buyer or an administrator.
func (h *ticketHandler) handleAPITicketOrder(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	o, err := h.ticketing.Order(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}

// handleAPICancelTicketOrder cancels one of the caller's paid orders under
// the performance's self-cancellation rule; the domain decides who may.
func (h *ticketHandler) handleAPICancelTicketOrder(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	o, err := h.ticketing.CancelMyOrder(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}

// handleAPIReleaseTicketOrder gives up one of the caller's held orders:
// its seats are free again at once. An order no longer held is answered as
// it is, so a repeated release changes nothing. A card payment started for
// the order is canceled at Stripe first; the domain decides whose order it
// is and answers 409 payment_started when Stripe will not cancel it.
func (h *ticketHandler) handleAPIReleaseTicketOrder(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	o, err := h.ticketing.ReleaseHold(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}

// handleAPIMyTickets lists the caller's tickets.
func (h *ticketHandler) handleAPIMyTickets(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ts, err := h.ticketing.MyTickets(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"tickets": ts})
}

// handleAPITicketQR answers a fresh QR token for one of the caller's valid
// tickets; 409 once it is checked in or cancelled.
func (h *ticketHandler) handleAPITicketQR(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	tok, err := h.ticketing.FreshToken(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tok)
}
