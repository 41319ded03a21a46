package stripepay

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"cityhub/apperr"
)

// A started card payment's answer carries its PaymentIntent's client
// secret, which Stripe.js needs to confirm the payment, and which must not
// be kept in a second place: an answer the hub keeps for a retried request
// leaves it out, with what made the intent (its idempotency key, amount and
// metadata), and the retry gets the secret again from Secrets, this
// process's memory of the intents it started (for a day), or else from
// Stripe under the intent's key: Stripe answers a key it saw within a day
// with its first answer, the same intent and secret, whatever the intent
// became since. After that day it would make another intent, which is
// canceled at once, and the retry is refused (ErrSecretExpired): nothing
// is left to pay that the hub never recorded.

// ErrSecretExpired refuses the replay of a card payment's answer once
// Stripe no longer answers its key with the first intent.
var ErrSecretExpired = apperr.R(apperr.Conflict, "payment_secret_expired",
	"This payment's first answer is older than the card processor keeps it, and its client secret cannot be given again: look the payment up, and start another one with a new Idempotency-Key if it is still needed.")

const (
	// secretsFor is how long Stripe answers an idempotency key with its
	// first answer, and so how long a secret is worth holding.
	secretsFor = 24 * time.Hour
	// secretsMax bounds the secrets held; beyond it the oldest go first.
	secretsMax = 10000
)

// Secrets holds the client secrets of the intents this hub started, by
// intent id, for a day, in memory only, so that a retry that reaches the
// same hub is answered without asking Stripe. Safe for concurrent use; the
// zero value is not: use NewSecrets. A nil *Secrets holds nothing.
type Secrets struct {
	mu  sync.Mutex
	m   map[string]heldSecret
	now func() time.Time
	// order is the intents in the order they were remembered, which is the
	// order they expire in (all are held as long), so the expired and the
	// oldest are dropped from its front without scanning the map.
	order []queuedSecret
	max   int
}

type heldSecret struct {
	secret string
	until  time.Time
}

type queuedSecret struct {
	intentID string
	until    time.Time
}

// NewSecrets is an empty memory of client secrets.
func NewSecrets() *Secrets {
	return &Secrets{m: map[string]heldSecret{}, now: time.Now, max: secretsMax}
}

// Remember holds intentID's client secret for a day.
func (s *Secrets) Remember(intentID, secret string) {
	if s == nil || intentID == "" || secret == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for len(s.order) > 0 && (now.After(s.order[0].until) || len(s.m) >= s.max || len(s.order) >= 2*s.max) {
		q := s.order[0]
		s.order[0] = queuedSecret{}
		s.order = s.order[1:]
		// The intent remembered again since holds a later until: that
		// one stays, for its own entry further back.
		if h, ok := s.m[q.intentID]; ok && h.until.Equal(q.until) {
			delete(s.m, q.intentID)
		}
	}
	until := now.Add(secretsFor)
	s.m[intentID] = heldSecret{secret: secret, until: until}
	s.order = append(s.order, queuedSecret{intentID: intentID, until: until})
}

// Recall is intentID's client secret, when it is held and not expired.
func (s *Secrets) Recall(intentID string) (string, bool) {
	if s == nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.m[intentID]
	if !ok || s.now().After(h.until) {
		return "", false
	}
	return h.secret, true
}

// IntentMaker starts and cancels PaymentIntents; Client implements it.
type IntentMaker interface {
	CreateIntent(ctx context.Context, amount int64, metadata map[string]string, idempotencyKey string) (Intent, error)
	CancelIntent(ctx context.Context, paymentIntentID string) error
}

// Again is the client secret of the intent intentID, which Stripe made for
// (amount, metadata) under idempotencyKey: from memory, or asked of Stripe
// again under that key. Unavailable when Stripe does not answer;
// ErrSecretExpired when Stripe made another intent instead (it forgot the
// key), which is then canceled.
func (s *Secrets) Again(ctx context.Context, maker IntentMaker, log *slog.Logger, amount int64, metadata map[string]string, idempotencyKey, intentID string) (string, error) {
	if secret, ok := s.Recall(intentID); ok {
		return secret, nil
	}
	pi, err := maker.CreateIntent(ctx, amount, metadata, idempotencyKey)
	if err != nil {
		if apperr.Has(err, apperr.Conflict) {
			return "", ErrSecretExpired
		}
		return "", err
	}
	if pi.ID == intentID && pi.ClientSecret != "" {
		s.Remember(pi.ID, pi.ClientSecret)
		return pi.ClientSecret, nil
	}
	if pi.ID != intentID {
		if err := maker.CancelIntent(context.WithoutCancel(ctx), pi.ID); err != nil && log != nil {
			log.ErrorContext(ctx, "cancel a payment intent made again for a replay", slog.String("intent", pi.ID), slog.Any("error", err))
		}
	}
	return "", ErrSecretExpired
}
