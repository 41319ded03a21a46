package api

import (
	"log/slog"
	"net/http"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/stripepay"
	"cityhub/web/httpx"
)

// maxWebhookBody bounds a Stripe event; real ones are a few kilobytes.
const maxWebhookBody = 256 << 10

// WebhookAnswer tells Stripe (and logs) what the hub did with an event.
type WebhookAnswer struct {
	Received      bool   `json:"received"`
	Handled       bool   `json:"handled"`
	TransactionID string `json:"transaction_id,omitempty"`
	Replayed      bool   `json:"replayed,omitempty"`
	// Attention, when set, says why the event was recorded for an operator
	// instead of applied (unmatched_payment, foreign_currency, ...).
	Attention string `json:"attention,omitempty"`
}

// handleStripeWebhook is POST /api/v1/stripe/webhook. The body must carry a
// valid Stripe-Signature (401 otherwise) signed within the tolerance of the
// hub's clock, in the past or the future (400 webhook_timestamp otherwise).
// payment_intent.succeeded credits a top-up or issues a ticket order;
// charge.refunded and charge.dispute.* reach the wallet and the order (see
// cardpay). Each event id is applied once: a repeated delivery, also a
// concurrent one, answers the first outcome with "replayed". An event about
// a payment the hub did not create is recorded for an operator and never
// credited. A failure worth retrying answers 5xx, so that Stripe delivers
// the event again.
func (h *walletHandler) handleStripeWebhook(w http.ResponseWriter, r *http.Request) {
	// A body cut short (the sender went away) is applied to nothing, and
	// Stripe delivers the event again.
	body, err := httpx.ReadBody(w, r, maxWebhookBody)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ev, err := h.payments.ParseEvent(body, r.Header.Get("Stripe-Signature"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ctx := r.Context()
	out, err := h.cardPayments.Handle(ctx, cardEvent(ev))
	if err != nil {
		h.log.ErrorContext(ctx, "stripe event not applied", slog.String("event", ev.ID), slog.String("type", ev.Type), slog.Any("error", err))
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if out.Attention != "" && !out.Replayed {
		h.log.WarnContext(ctx, "stripe event recorded for an operator", slog.String("event", ev.ID), slog.String("type", ev.Type),
			slog.String("attention", out.Attention), slog.String("note", out.Note))
	}
	httpx.WriteJSON(w, http.StatusOK, WebhookAnswer{Received: true, Handled: out.Handled, TransactionID: out.TransactionID,
		Replayed: out.Replayed, Attention: out.Attention})
}

// cardEvent reduces a verified Stripe event to what cardpay reads.
func cardEvent(ev stripepay.Event) cardpay.Event {
	out := cardpay.Event{ID: ev.ID, Type: ev.Type, Livemode: ev.Livemode}
	switch {
	case ev.Intent != nil:
		out.PaymentIntentID, out.ObjectID, out.Currency = ev.Intent.ID, ev.Intent.ID, ev.Intent.Currency
		out.Amount = ev.Intent.AmountReceived
		if out.Amount == 0 {
			out.Amount = ev.Intent.Amount
		}
	case ev.Charge != nil:
		ch := ev.Charge
		out.PaymentIntentID, out.ObjectID, out.Currency = ch.PaymentIntent, ch.ID, ch.Currency
		out.Amount, out.AmountRefunded = ch.AmountCaptured, ch.AmountRefunded
		if out.Amount == 0 {
			out.Amount = ch.Amount
		}
		for _, rf := range ch.Refunds {
			out.RefundIDs = append(out.RefundIDs, rf.ID)
		}
	case ev.Dispute != nil:
		d := ev.Dispute
		out.PaymentIntentID, out.ObjectID, out.Currency = d.PaymentIntent, d.ID, d.Currency
		out.Amount, out.DisputeStatus, out.DisputeReason = d.Amount, d.Status, d.Reason
	}
	return out
}

// paymentEventsView is a page of the Stripe events recorded for an
// operator.
type paymentEventsView struct {
	Events []cardpay.Record `json:"events"`
	// Total counts them all; NextCursor is the cursor of the next page,
	// empty on the last.
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor"`
}

// handleAPIAdminPaymentEvents is GET /api/v1/admin/payments/events (city
// admin): the Stripe events the hub recorded for an operator instead of
// applying them, newest first: payments the hub did not create, foreign
// currencies, refusals.
func (h *walletHandler) handleAPIAdminPaymentEvents(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cursor, limit, err := httpx.PageQuery(r, cardpay.DefaultAttentionPage, cardpay.MaxAttentionPage)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	page, err := h.cardPayments.AttentionEvents(r.Context(), c, cursor, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	view := paymentEventsView{Events: page.Events, NextCursor: page.Next}
	if view.Total, err = h.cardPayments.AttentionCount(r.Context(), c); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, view)
}
