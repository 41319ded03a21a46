// Package stripepay is the hub's Stripe transport: it creates PaymentIntents
// and verifies the webhook events Stripe sends back. It knows nothing of what
// a payment buys and must never post to the ledger or decide a rule; the web
// edge hands verified events to the domain services.
package stripepay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/paymentintent"
	"github.com/stripe/stripe-go/v76/refund"
	"github.com/stripe/stripe-go/v76/webhook"

	"cityhub/apperr"
)

// Config is what the client needs; it comes from the CITYHUB_STRIPE_*
// variables.
type Config struct {
	SecretKey     string
	WebhookSecret string
	// APIURL replaces Stripe's API base (stripe-mock in tests); empty for Stripe's own.
	APIURL string
}

// Client talks to Stripe.
type Client struct {
	intents       paymentintent.Client
	refunds       refund.Client
	webhookSecret string
	log           *slog.Logger
}

// New returns a client. Invalid without a secret key or webhook secret:
// card payments that can never be confirmed must not be offered.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	if cfg.SecretKey == "" || cfg.WebhookSecret == "" {
		return nil, apperr.E(apperr.Invalid, "Stripe needs both a secret key and a webhook secret.")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bc := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: 15 * time.Second},
		LeveledLogger:     leveled{log},
		MaxNetworkRetries: stripe.Int64(2),
	}
	if cfg.APIURL != "" {
		bc.URL = stripe.String(cfg.APIURL)
	}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, bc)
	return &Client{
		intents:       paymentintent.Client{B: backend, Key: cfg.SecretKey},
		refunds:       refund.Client{B: backend, Key: cfg.SecretKey},
		webhookSecret: cfg.WebhookSecret,
		log:           log,
	}, nil
}

// Intent is a PaymentIntent as the hub sees it.
type Intent struct {
	ID             string
	ClientSecret   string
	Status         string
	Amount         int64
	AmountReceived int64
	Currency       string
	Metadata       map[string]string
}

// CreateIntent asks Stripe for a PaymentIntent of amount euro cents.
// idempotencyKey makes a retried request return the same intent; Conflict
// when Stripe saw the key with other parameters. Unavailable when Stripe
// does not answer or refuses.
func (c *Client) CreateIntent(ctx context.Context, amount int64, metadata map[string]string, idempotencyKey string) (Intent, error) {
	p := &stripe.PaymentIntentParams{
		Amount:                  stripe.Int64(amount),
		Currency:                stripe.String(string(stripe.CurrencyEUR)),
		AutomaticPaymentMethods: &stripe.PaymentIntentAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true)},
	}
	p.Context = ctx
	for k, v := range metadata {
		p.AddMetadata(k, v)
	}
	if idempotencyKey != "" {
		p.SetIdempotencyKey(idempotencyKey)
	}
	pi, err := c.intents.New(p)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.Type == stripe.ErrorTypeIdempotency {
			return Intent{}, apperr.Wrap(err, apperr.Conflict, "This idempotency key was already used for another payment.")
		}
		return Intent{}, apperr.Wrap(err, apperr.Unavailable, "The card payment could not be started; please try again.")
	}
	return fromStripe(pi), nil
}

func fromStripe(pi *stripe.PaymentIntent) Intent {
	return Intent{ID: pi.ID, ClientSecret: pi.ClientSecret, Status: string(pi.Status), Amount: pi.Amount,
		AmountReceived: pi.AmountReceived, Currency: string(pi.Currency), Metadata: pi.Metadata}
}

// Refund is a refund as the hub sees it.
type Refund struct {
	ID            string
	PaymentIntent string
	Amount        int64
	Status        string
}

// Refund asks Stripe to send amountCents of a PaymentIntent back to the card.
// idempotencyKey must be stable for one owed refund so a retry after a lost
// answer returns Stripe's first refund instead of refunding twice.
// Unavailable when Stripe cannot be reached or fails on its side (worth a
// retry); Conflict when the key was used with other parameters or the charge
// is already refunded; Invalid for any other refusal (not worth a retry).
func (c *Client) Refund(ctx context.Context, paymentIntentID string, amountCents int64, idempotencyKey string) (Refund, error) {
	if paymentIntentID == "" || amountCents <= 0 {
		return Refund{}, apperr.E(apperr.Invalid, "A refund needs a payment and a positive amount.")
	}
	if idempotencyKey == "" {
		return Refund{}, apperr.E(apperr.Invalid, "A refund needs an idempotency key.")
	}
	p := &stripe.RefundParams{
		PaymentIntent: stripe.String(paymentIntentID),
		Amount:        stripe.Int64(amountCents),
	}
	p.Context = ctx
	p.SetIdempotencyKey(idempotencyKey)
	r, err := c.refunds.New(p)
	if err != nil {
		var se *stripe.Error
		if !errors.As(err, &se) || se.HTTPStatusCode == 0 || se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500 ||
			se.Type == stripe.ErrorTypeAPI {
			return Refund{}, apperr.Wrap(err, apperr.Unavailable, "The card refund could not be sent; it will be retried.")
		}
		if se.Type == stripe.ErrorTypeIdempotency {
			return Refund{}, apperr.Wrap(err, apperr.Conflict, "This refund key was already used for another refund.")
		}
		if se.Code == stripe.ErrorCodeChargeAlreadyRefunded {
			return Refund{}, apperr.Wrap(err, apperr.Conflict, "This card payment is already refunded.")
		}
		return Refund{}, apperr.Wrap(err, apperr.Invalid, "Stripe refused the card refund.")
	}
	out := Refund{ID: r.ID, Amount: r.Amount, Status: string(r.Status), PaymentIntent: paymentIntentID}
	if r.PaymentIntent != nil && r.PaymentIntent.ID != "" {
		out.PaymentIntent = r.PaymentIntent.ID
	}
	return out, nil
}

// Event is a verified webhook event. Intent is set for payment_intent.* events.
type Event struct {
	ID     string
	Type   string
	Intent *Intent
}

// ParseEvent verifies a webhook body against its Stripe-Signature header
// (signed with the webhook secret, at most five minutes old) and decodes it.
// Unauthenticated when the signature does not verify; Invalid when the body
// is not an event.
func (c *Client) ParseEvent(payload []byte, signature string) (Event, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, signature, c.webhookSecret, webhook.ConstructEventOptions{
		// Events of another API version still carry the fields the hub reads.
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrNoValidSignature) ||
			errors.Is(err, webhook.ErrTooOld) || errors.Is(err, webhook.ErrInvalidHeader) {
			return Event{}, apperr.Wrap(err, apperr.Unauthenticated, "The webhook signature does not verify.")
		}
		return Event{}, apperr.Wrap(err, apperr.Invalid, "The webhook body is not a Stripe event.")
	}
	out := Event{ID: ev.ID, Type: string(ev.Type)}
	if ev.Data != nil && len(ev.Data.Raw) > 0 && ev.Data.Object["object"] == "payment_intent" {
		var pi stripe.PaymentIntent
		if err := pi.UnmarshalJSON(ev.Data.Raw); err != nil {
			return Event{}, apperr.Wrap(fmt.Errorf("decode payment intent: %w", err), apperr.Invalid, "The event's payment intent cannot be read.")
		}
		in := fromStripe(&pi)
		out.Intent = &in
	}
	return out, nil
}

// leveled sends stripe-go's logs to the hub's logger.
type leveled struct{ log *slog.Logger }

func (l leveled) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l leveled) Infof(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l leveled) Warnf(format string, v ...any)  { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l leveled) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
