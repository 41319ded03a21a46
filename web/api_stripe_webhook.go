package web

import (
	"io"
	"log/slog"
	"net/http"

	"cityhub/apperr"
)

// maxWebhookBody bounds a Stripe event; real ones are a few kilobytes.
const maxWebhookBody = 256 << 10

// webhookAnswer tells Stripe (and logs) what the hub did with an event.
type webhookAnswer struct {
	Received      bool   `json:"received"`
	Handled       bool   `json:"handled"`
	TransactionID string `json:"transaction_id,omitempty"`
	Replayed      bool   `json:"replayed,omitempty"`
}

// handleStripeWebhook is POST /api/v1/stripe/webhook. The body must carry a
// valid Stripe-Signature (401 otherwise). payment_intent.succeeded for a
// wallet top-up credits the citizen from Stripe clearing, idempotent on the
// PaymentIntent id, so an event delivered twice, or twice at once, credits
// once. Other events are acknowledged and left alone. A failure to credit
// answers 5xx, so that Stripe delivers the event again.
func (s *Server) handleStripeWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		s.writeError(w, r, apperr.R(apperr.Invalid, "body_too_large", "The webhook body cannot be read."))
		return
	}
	ev, err := s.Payments.ParseEvent(body, r.Header.Get("Stripe-Signature"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.ticketPaymentEvent(w, r, ev) {
		return
	}
	ctx := r.Context()
	pi := ev.Intent
	if ev.Type != "payment_intent.succeeded" || pi == nil || pi.Metadata[stripePurposeKey] != stripePurposeTopUp {
		writeJSON(w, http.StatusOK, webhookAnswer{Received: true})
		return
	}
	if pi.Currency != "eur" {
		// Retrying cannot fix this; keep it for a person to look at.
		s.log.ErrorContext(ctx, "stripe top-up in a foreign currency left uncredited",
			slog.String("event", ev.ID), slog.String("payment_intent", pi.ID), slog.String("currency", pi.Currency))
		writeJSON(w, http.StatusOK, webhookAnswer{Received: true})
		return
	}
	amount := pi.AmountReceived
	if amount == 0 {
		amount = pi.Amount
	}
	tx, err := s.Wallet.CreditCardTopUp(ctx, pi.Metadata[stripeAccountKey], amount, pi.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "stripe top-up not credited", slog.String("event", ev.ID),
			slog.String("payment_intent", pi.ID), slog.Any("error", err))
		s.writeError(w, r, err)
		return
	}
	s.log.InfoContext(ctx, "card top-up credited", slog.String("event", ev.ID), slog.String("payment_intent", pi.ID),
		slog.String("account", pi.Metadata[stripeAccountKey]), slog.Int64("amount_cents", amount), slog.Bool("replayed", tx.Replayed))
	writeJSON(w, http.StatusOK, webhookAnswer{Received: true, Handled: true, TransactionID: tx.ID, Replayed: tx.Replayed})
}
