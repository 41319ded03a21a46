package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"cityhub/apperr"
	"cityhub/stripepay"
)

// A card payment's answer carries its PaymentIntent's client_secret, which
// Stripe.js needs to confirm the payment, and which must not be kept in a
// second place: the answer a keyed request keeps leaves it out
// (httpx.WriteJSONWithSecret), with what made the intent (its Stripe
// idempotency key, amount and metadata), and its replay gives the secret
// again from this hub's memory of the intents it started (in the process
// only, for a day), or else asks Stripe again under the intent's key: Stripe
// answers a key it saw within a day with its first answer, the same intent
// and secret, whatever the intent became since. After that day it would
// make another intent, which is canceled at once, and the retry is refused
// (payment_secret_expired): nothing is left to pay that the hub never
// recorded.

// errSecretExpired refuses the replay of a card payment's answer once
// Stripe no longer answers its key with the first intent.
var errSecretExpired = apperr.R(apperr.Conflict, "payment_secret_expired",
	"This payment's first answer is older than the card processor keeps it, and its client secret cannot be given again: look the payment up, and start another one with a new Idempotency-Key if it is still needed.")

// secretMemory holds the client secrets of the intents this hub started,
// by intent id, for a day, in memory only, so that a retry that reaches
// the same hub is answered without asking Stripe.
type secretMemory struct {
	mu sync.Mutex
	m  map[string]heldSecret
}

type heldSecret struct {
	secret string
	until  time.Time
}

const (
	// secretMemoryFor is how long Stripe answers an idempotency key with
	// its first answer, and so how long a secret is worth holding.
	secretMemoryFor = 24 * time.Hour
	// secretMemoryMax bounds the secrets held; beyond it, the expired go,
	// then any.
	secretMemoryMax = 10000
)

func newSecretMemory() *secretMemory { return &secretMemory{m: map[string]heldSecret{}} }

func (s *secretMemory) remember(intentID, secret string) {
	if s == nil || intentID == "" || secret == "" {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= secretMemoryMax {
		for id, h := range s.m {
			if now.After(h.until) {
				delete(s.m, id)
			}
		}
		for id := range s.m {
			if len(s.m) < secretMemoryMax {
				break
			}
			delete(s.m, id)
		}
	}
	s.m[intentID] = heldSecret{secret: secret, until: now.Add(secretMemoryFor)}
}

func (s *secretMemory) recall(intentID string) (string, bool) {
	if s == nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.m[intentID]
	if !ok || time.Now().After(h.until) {
		return "", false
	}
	return h.secret, true
}

// intentSecret is the client secret of the intent intentID, which Stripe
// made for (amount, metadata) under idempotencyKey: from memory, or asked
// of Stripe again under that key. Unavailable when Stripe does not answer;
// errSecretExpired when Stripe made another intent instead (it forgot the
// key), which is then canceled.
func intentSecret(ctx context.Context, payments *stripepay.Client, memory *secretMemory, log *slog.Logger, amount int64, metadata map[string]string, idempotencyKey, intentID string) (string, error) {
	if secret, ok := memory.recall(intentID); ok {
		return secret, nil
	}
	pi, err := payments.CreateIntent(ctx, amount, metadata, idempotencyKey)
	if err != nil {
		if apperr.Has(err, apperr.Conflict) {
			return "", errSecretExpired
		}
		return "", err
	}
	if pi.ID == intentID && pi.ClientSecret != "" {
		memory.remember(pi.ID, pi.ClientSecret)
		return pi.ClientSecret, nil
	}
	if pi.ID != intentID {
		if err := payments.CancelIntent(context.WithoutCancel(ctx), pi.ID); err != nil {
			log.ErrorContext(ctx, "cancel a payment intent made again for a replay", slog.String("intent", pi.ID), slog.Any("error", err))
		}
	}
	return "", errSecretExpired
}
