package participation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
)

// APIKey lets a third-party report app post reports (Open311). The key a
// client sends is "<id>.<secret>"; only an argon2id hash of the secret is
// kept, like the stations' broker credentials.
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	SecretHash string     `json:"-"`
	IssuedAt   time.Time  `json:"issued_at"`
	IssuedBy   string     `json:"issued_by"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// verified is set by AuthenticateAPIKey alone: a key read from the
	// store or built by a caller cannot submit reports.
	verified bool
}

// Active reports whether the key is valid.
func (k APIKey) Active() bool { return k.RevokedAt == nil && k.SecretHash != "" }

// IssuedAPIKey is a new key with its secret, shown this once.
type IssuedAPIKey struct {
	APIKey
	Key string `json:"key"`
}

// IssueAPIKey makes a key for an app named name, as a city administrator.
// Forbidden; Invalid (bad_name).
func (s *Service) IssueAPIKey(ctx context.Context, c identity.Caller, name string) (IssuedAPIKey, error) {
	if err := requireAdmin(c); err != nil {
		return IssuedAPIKey{}, err
	}
	name, err := cleanLine(name, 1, 100, "bad_name", "name")
	if err != nil {
		return IssuedAPIKey{}, err
	}
	secret := ids.Token(24)
	// Hashed before the transaction: argon2id takes tens of milliseconds.
	k := APIKey{ID: ids.New("key"), Name: name, SecretHash: identity.HashPassword(secret, s.set.APIKeyCost),
		IssuedAt: s.now(), IssuedBy: c.AccountID}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertAPIKey(ctx, k); err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		return s.audit(ctx, tx, c, "apikey.issue", "api_key", k.ID, map[string]any{"name": name})
	})
	return IssuedAPIKey{APIKey: k, Key: k.ID + "." + secret}, err
}

// RevokeAPIKey ends a key. Forbidden, NotFound, Conflict (already_revoked).
func (s *Service) RevokeAPIKey(ctx context.Context, c identity.Caller, id string) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		ok, err := tx.RevokeAPIKey(ctx, id, s.now())
		if err != nil {
			return err
		}
		if !ok {
			if _, err := tx.APIKey(ctx, id); err != nil {
				return apperr.R(apperr.NotFound, "api_key_not_found", "No such API key.")
			}
			return apperr.R(apperr.Conflict, "already_revoked", "This API key is already revoked.")
		}
		return s.audit(ctx, tx, c, "apikey.revoke", "api_key", id, nil)
	})
}

// APIKeys lists the keys without their secrets. Forbidden.
func (s *Service) APIKeys(ctx context.Context, c identity.Caller) ([]APIKey, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	out := []APIKey{}
	err := s.store.View(ctx, func(tx Tx) error {
		ks, err := tx.ListAPIKeys(ctx)
		out = append(out, ks...)
		return err
	})
	return out, err
}

// API key guessing is limited per key id: at most APIKeyFailureLimit
// failed checks of one id within APIKeyFailureWindow, counted in the
// database with the failed logins, so that every replica counts the same.
// A check is reserved before its secret is hashed (a burst is held to the
// limit exactly) and released when it succeeds. Anyone who knows a key's
// id can use up its limit and hold the app off for the window; ids are
// shown only to administrators and the app. Unknown ids are counted like
// any, so the limit says nothing about which ids exist. The limit does not
// bound the hashing a client can cause with many ids: the HTTP layer must
// limit requests per client address before they get here (see package
// open311).
const (
	APIKeyFailureLimit  = 20
	APIKeyFailureWindow = 10 * time.Minute
)

// AuthenticateAPIKey returns the active key a client's "<id>.<secret>"
// names, verified: the only kind SubmitReportFromApp takes.
// Unauthenticated (bad_api_key) for anything else, without saying which
// part was wrong, and in about the same time: a key id that is unknown or
// revoked has a dummy hash checked. RateLimited (too_many_attempts) past
// APIKeyFailureLimit failures of the id.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (APIKey, error) {
	bad := apperr.R(apperr.Unauthenticated, "bad_api_key", "The API key is not valid.")
	id, secret, ok := strings.Cut(key, ".")
	if !ok || id == "" || secret == "" || len(key) > 200 {
		// Refused by its shape alone, which says nothing about a key.
		return APIKey{}, bad
	}
	now := s.now()
	attempt := ids.New("att")
	var k APIKey
	found := false
	// The attempt's record is bookkeeping, never a keyed request's work
	// (idem.WithoutPending): a refusal after it leaves the key free.
	err := s.store.InTx(idem.WithoutPending(ctx), func(tx Tx) error {
		ok, freeAt, err := tx.ReserveLoginAttempt(ctx, attempt, []identity.LoginBucket{
			{Subject: "apikey:" + id, Limit: APIKeyFailureLimit, Since: now.Add(-APIKeyFailureWindow)}}, now)
		if err != nil {
			return fmt.Errorf("reserve api key check: %w", err)
		}
		if !ok {
			// How long until the oldest failure leaves the window: the
			// client's Retry-After.
			return apperr.Throttled(apperr.R(apperr.RateLimited, "too_many_attempts", "Too many failed attempts with this API key; wait a few minutes."), freeAt.Sub(now))
		}
		k, err = tx.APIKey(ctx, id)
		if apperr.Has(err, apperr.NotFound) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read api key: %w", err)
		}
		found = true
		return nil
	})
	if err != nil {
		return APIKey{}, err
	}
	hash := s.dummyHash
	if found && k.Active() {
		hash = k.SecretHash
	}
	// Hashed outside the transaction: argon2id takes tens of milliseconds.
	ok, err = identity.CheckPassword(secret, hash)
	if err != nil {
		return APIKey{}, fmt.Errorf("check api key: %w", err)
	}
	if !ok || !found || !k.Active() {
		return APIKey{}, bad
	}
	if err := s.store.InTx(idem.WithoutPending(ctx), func(tx Tx) error { return tx.ReleaseLoginAttempt(ctx, attempt) }); err != nil {
		return APIKey{}, fmt.Errorf("release api key check: %w", err)
	}
	k.verified = true
	return k, nil
}

// ReportByToken finds the report an app created, by the token it was
// given (Open311 tokens). NotFound.
func (s *Service) ReportByToken(ctx context.Context, token string) (PublicReport, error) {
	var p PublicReport
	err := s.store.View(ctx, func(tx Tx) error {
		r, err := tx.ReportByToken(ctx, token)
		if err != nil {
			return reportNotFound(err)
		}
		photos, err := tx.Photos(ctx, r.ID)
		p = s.public(r, photos)
		return err
	})
	return p, err
}
