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
	"regexp"
	"strconv"
	"strings"
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
	// WebhookTolerance is how far a webhook's signed timestamp may lie from
	// the hub's clock, in the past or in the future; DefaultWebhookTolerance
	// when zero.
	WebhookTolerance time.Duration
}

// DefaultWebhookTolerance is Stripe's own default: five minutes.
const DefaultWebhookTolerance = 5 * time.Minute

// Client talks to Stripe.
type Client struct {
	intents       paymentintent.Client
	refunds       refund.Client
	webhookSecret string
	tolerance     time.Duration
	now           func() time.Time
	log           *slog.Logger
}

// New returns a client. Invalid without a secret key or webhook secret:
// card payments that can never be confirmed must not be offered.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	if cfg.SecretKey == "" || cfg.WebhookSecret == "" {
		return nil, apperr.E(apperr.Invalid, "Stripe needs both a secret key and a webhook secret.")
	}
	if cfg.WebhookTolerance < 0 {
		return nil, apperr.E(apperr.Invalid, "The webhook tolerance cannot be negative.")
	}
	if cfg.WebhookTolerance == 0 {
		cfg.WebhookTolerance = DefaultWebhookTolerance
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
		tolerance:     cfg.WebhookTolerance,
		now:           time.Now,
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

// IntentCanceled is the Status of a canceled PaymentIntent, which can never
// be paid.
const IntentCanceled = string(stripe.PaymentIntentStatusCanceled)

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
		e := apperr.Wrap(err, apperr.Unavailable, "The card payment could not be started: nothing was charged. Please try again later.")
		e.Reason = ReasonStartUnavailable
		return Intent{}, e
	}
	return fromStripe(pi), nil
}

func fromStripe(pi *stripe.PaymentIntent) Intent {
	return Intent{ID: pi.ID, ClientSecret: pi.ClientSecret, Status: string(pi.Status), Amount: pi.Amount,
		AmountReceived: pi.AmountReceived, Currency: string(pi.Currency), Metadata: pi.Metadata}
}

// The reasons of the Unavailable errors a buyer meets when Stripe does not
// answer, so that a page can say in its language that nothing was charged
// (or changed) and that a retry later may do.
const (
	ReasonStartUnavailable  = "card_payment_unavailable"
	ReasonCancelUnavailable = "card_cancel_unavailable"
)

// cancelUnavailable is a cancel that Stripe did not answer (or answered
// with its own failure): nothing changed, the card payment still stands.
func cancelUnavailable(err error) error {
	e := apperr.Wrap(err, apperr.Unavailable, "The card payment could not be canceled now, so nothing changed; please try again later.")
	e.Reason = ReasonCancelUnavailable
	return e
}

// CancelIntent cancels a PaymentIntent at Stripe. Stripe never charges a
// canceled intent, so once it answers nil the payment can never succeed;
// an intent that was already canceled answers nil too, so a cancel whose
// answer was lost can be asked again. Unavailable when Stripe cannot be
// reached or fails on its side (worth a retry); Conflict when Stripe
// refuses because the intent succeeded, is processing or otherwise cannot
// be canceled: its own outcome then decides.
func (c *Client) CancelIntent(ctx context.Context, paymentIntentID string) error {
	if paymentIntentID == "" {
		return apperr.E(apperr.Invalid, "A cancel needs the payment's id.")
	}
	p := &stripe.PaymentIntentCancelParams{}
	p.Context = ctx
	_, err := c.intents.Cancel(paymentIntentID, p)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("cancel payment intent %s: %w", paymentIntentID, err)
	var se *stripe.Error
	if !errors.As(err, &se) || se.HTTPStatusCode == 0 || se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500 ||
		se.Type == stripe.ErrorTypeAPI || se.HTTPStatusCode == http.StatusUnauthorized {
		return cancelUnavailable(err)
	}
	if se.Code == stripe.ErrorCodePaymentIntentUnexpectedState {
		status := stripe.PaymentIntentStatus("")
		if se.PaymentIntent != nil {
			status = se.PaymentIntent.Status
		}
		if status == "" {
			// The refusal did not say where the intent stands: ask.
			gp := &stripe.PaymentIntentParams{}
			gp.Context = ctx
			pi, gerr := c.intents.Get(paymentIntentID, gp)
			if gerr != nil {
				return cancelUnavailable(fmt.Errorf("read payment intent %s after a refused cancel: %w", paymentIntentID, gerr))
			}
			status = pi.Status
		}
		if status == stripe.PaymentIntentStatusCanceled {
			return nil
		}
	}
	return apperr.Wrap(err, apperr.Conflict, "Stripe refused to cancel the card payment: it has succeeded or is being processed.")
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

// Event is a verified webhook event. Intent is set for payment_intent.*
// events, Charge for charge.* events about the charge itself (such as
// charge.refunded), Dispute for charge.dispute.* events.
type Event struct {
	ID   string
	Type string
	// Created is when Stripe made the event.
	Created  time.Time
	Livemode bool
	Intent   *Intent
	Charge   *Charge
	Dispute  *Dispute
}

// Charge is a charge as the hub sees it. AmountRefunded is the total
// refunded so far, over every refund of the charge.
type Charge struct {
	ID             string
	PaymentIntent  string
	Amount         int64
	AmountCaptured int64
	AmountRefunded int64
	Currency       string
	Paid           bool
	// Refunds lists the refunds when the webhook endpoint expands them
	// (API versions since 2022-11-15 leave them out by default).
	Refunds []Refund
}

// Dispute is a dispute (chargeback or inquiry) as the hub sees it. Status
// is Stripe's: warning_needs_response, warning_under_review,
// warning_closed, needs_response, under_review, won or lost.
type Dispute struct {
	ID            string
	Charge        string
	PaymentIntent string
	Amount        int64
	Currency      string
	Status        string
	Reason        string
}

// ParseEvent verifies a webhook body against its Stripe-Signature header
// (signed with the webhook secret) and decodes it. Unauthenticated when the
// signature does not verify; Invalid (webhook_timestamp) when the signed
// timestamp lies further than the tolerance from the hub's clock, in the
// past (a replay) or in the future; Invalid when the body is not an event.
func (c *Client) ParseEvent(payload []byte, signature string) (Event, error) {
	// The signature first, so a forged header is always 401; the timestamp
	// is checked below in both directions (stripe-go checks the past only).
	ev, err := webhook.ConstructEventWithOptions(payload, signature, c.webhookSecret, webhook.ConstructEventOptions{
		IgnoreTolerance: true,
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
	signedAt, ok := signedTimestamp(signature)
	if !ok {
		return Event{}, apperr.E(apperr.Unauthenticated, "The webhook signature must carry one timestamp.")
	}
	if skew := c.now().Sub(signedAt); skew > c.tolerance || skew < -c.tolerance {
		return Event{}, apperr.R(apperr.Invalid, "webhook_timestamp",
			"The webhook was signed at %s, more than %s from the hub's clock.", signedAt.UTC().Format(time.RFC3339), c.tolerance)
	}
	out := Event{ID: ev.ID, Type: string(ev.Type), Livemode: ev.Livemode}
	if ev.Created > 0 {
		out.Created = time.Unix(ev.Created, 0).UTC()
	}
	if ev.Data == nil || len(ev.Data.Raw) == 0 {
		return out, nil
	}
	switch ev.Data.Object["object"] {
	case "payment_intent":
		var pi stripe.PaymentIntent
		if err := pi.UnmarshalJSON(ev.Data.Raw); err != nil {
			return Event{}, apperr.Wrap(fmt.Errorf("decode payment intent: %w", err), apperr.Invalid, "The event's payment intent cannot be read.")
		}
		in := fromStripe(&pi)
		out.Intent = &in
	case "charge":
		var ch stripe.Charge
		if err := ch.UnmarshalJSON(ev.Data.Raw); err != nil {
			return Event{}, apperr.Wrap(fmt.Errorf("decode charge: %w", err), apperr.Invalid, "The event's charge cannot be read.")
		}
		out.Charge = chargeFromStripe(&ch)
	case "dispute":
		var d stripe.Dispute
		if err := d.UnmarshalJSON(ev.Data.Raw); err != nil {
			return Event{}, apperr.Wrap(fmt.Errorf("decode dispute: %w", err), apperr.Invalid, "The event's dispute cannot be read.")
		}
		out.Dispute = &Dispute{ID: d.ID, Amount: d.Amount, Currency: string(d.Currency), Status: string(d.Status), Reason: string(d.Reason)}
		if d.Charge != nil {
			out.Dispute.Charge = d.Charge.ID
		}
		if d.PaymentIntent != nil {
			out.Dispute.PaymentIntent = d.PaymentIntent.ID
		}
	}
	return out, nil
}

func chargeFromStripe(ch *stripe.Charge) *Charge {
	out := &Charge{ID: ch.ID, Amount: ch.Amount, AmountCaptured: ch.AmountCaptured, AmountRefunded: ch.AmountRefunded,
		Currency: string(ch.Currency), Paid: ch.Paid}
	if ch.PaymentIntent != nil {
		out.PaymentIntent = ch.PaymentIntent.ID
	}
	if ch.Refunds != nil {
		for _, r := range ch.Refunds.Data {
			if r != nil {
				out.Refunds = append(out.Refunds, Refund{ID: r.ID, PaymentIntent: out.PaymentIntent, Amount: r.Amount, Status: string(r.Status)})
			}
		}
	}
	return out
}

// signedTimestamp reads t= of a Stripe-Signature header (already verified).
// A header with more than one is refused: stripe-go verifies the signature
// with the last one, so reading another would let an old delivery through
// with a fresh timestamp put in front of it.
func signedTimestamp(header string) (time.Time, bool) {
	var at time.Time
	found := false
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k != "t" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || found {
			return time.Time{}, false
		}
		at, found = time.Unix(n, 0), true
	}
	return at, found
}

// leveled sends stripe-go's warnings and errors to the hub's logger, and
// nothing else, whatever the hub's level: its debug lines carry every
// response body (a PaymentIntent's client_secret, which pays it, among
// them), its info lines the requests and a declined payment's intent.
// What passes is scrubbed of client secrets all the same.
type leveled struct{ log *slog.Logger }

func (l leveled) Debugf(string, ...any)          {}
func (l leveled) Infof(string, ...any)           {}
func (l leveled) Warnf(format string, v ...any)  { l.log.Warn(scrub(fmt.Sprintf(format, v...))) }
func (l leveled) Errorf(format string, v ...any) { l.log.Error(scrub(fmt.Sprintf(format, v...))) }

// A PaymentIntent's or SetupIntent's client secret (pi_..._secret_...),
// and a JSON client_secret field whatever its value.
var (
	clientSecretValue = regexp.MustCompile(`\b(?:pi|seti)_[0-9A-Za-z]+_secret_[0-9A-Za-z]+`)
	clientSecretField = regexp.MustCompile(`("client_secret"\s*:\s*)"[^"]*"`)
)

// scrub hides client secrets in a line stripe-go logs.
func scrub(s string) string {
	s = clientSecretField.ReplaceAllString(s, `${1}"xxxxx"`)
	return clientSecretValue.ReplaceAllString(s, "xxxxx")
}
