package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
)

// errBadCredentials is the one answer to a wrong email or a wrong password,
// so the response does not say which accounts exist.
var errBadCredentials = apperr.R(apperr.Unauthenticated, "bad_credentials", "The email or the password is not correct.")

// errTooManyAttempts is the one answer once a limit is reached, whether the
// email has an account or not.
var errTooManyAttempts = apperr.R(apperr.RateLimited, "too_many_attempts", "Too many failed attempts. Please wait a few minutes and try again.")

func emailSubject(email string) string {
	sum := sha256.Sum256([]byte(NormalizeEmail(email)))
	return "email:" + hex.EncodeToString(sum[:])
}

func ipSubject(ip string) string { return "ip:" + ip }

// authenticate checks an email and a password, within the limits on failed
// attempts. The limits count attempts per email address rather than per
// account, so an address without an account is limited exactly like one
// with, and a refusal says nothing about which exists. Under a burst of
// concurrent attempts the count can overshoot by the attempts in flight.
func (s *Service) authenticate(ctx context.Context, email, password, ip string) (Account, error) {
	now := s.now()
	subjects := []string{emailSubject(email)}
	if ip != "" {
		subjects = append(subjects, ipSubject(ip))
	}
	var a Account
	var found bool
	err := s.store.View(ctx, func(tx Tx) error {
		since := now.Add(-s.opt.Limits.Window)
		n, err := tx.CountLoginFailures(ctx, subjects[0], since)
		if err != nil {
			return fmt.Errorf("count login failures: %w", err)
		}
		if n >= s.opt.Limits.PerAccount {
			return errTooManyAttempts
		}
		if ip != "" {
			n, err := tx.CountLoginFailures(ctx, subjects[1], since)
			if err != nil {
				return fmt.Errorf("count login failures: %w", err)
			}
			if n >= s.opt.Limits.PerIP {
				return errTooManyAttempts
			}
		}
		a, err = tx.AccountByEmail(ctx, NormalizeEmail(email))
		switch {
		case err == nil:
			found = true
		case apperr.Has(err, apperr.NotFound):
		default:
			return fmt.Errorf("read account: %w", err)
		}
		return nil
	})
	if err != nil {
		return Account{}, err
	}
	if len(password) > MaxPasswordLen {
		password = password[:MaxPasswordLen] // still hashed, so the refusal costs the same
		found = false
	}
	hash := s.dummyHash
	if found {
		hash = a.PasswordHash
	}
	ok := s.check(password, hash)
	if !found || !ok || !a.Active() {
		err := s.store.InTx(ctx, func(tx Tx) error {
			return tx.AddLoginFailure(ctx, subjects, now)
		})
		if err != nil {
			return Account{}, fmt.Errorf("record login failure: %w", err)
		}
		return Account{}, errBadCredentials
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.ClearLoginFailures(ctx, subjects[0]); err != nil {
			return fmt.Errorf("clear login failures: %w", err)
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.login", ObjectType: "account", ObjectID: a.ID, IP: ip})
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// Tokens is what a login or a refresh hands out.
type Tokens struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"` // always "Bearer"
	ExpiresIn    int       `json:"expires_in"` // seconds
	ExpiresAt    time.Time `json:"-"`
	RefreshToken string    `json:"refresh_token"`
}

// Login checks the credentials and starts a token family: an access token
// and a refresh token. Unauthenticated (reason bad_credentials) for a wrong
// email or password alike; RateLimited (reason too_many_attempts) after too
// many failures for the email or the client address.
func (s *Service) Login(ctx context.Context, email, password, ip string) (Tokens, error) {
	a, err := s.authenticate(ctx, email, password, ip)
	if err != nil {
		return Tokens{}, err
	}
	now := s.now()
	refresh := newRefreshToken(a.ID, "", now, s.opt.RefreshTTL)
	err = s.store.InTx(ctx, func(tx Tx) error {
		return tx.InsertRefreshToken(ctx, refresh.RefreshToken)
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("store refresh token: %w", err)
	}
	return s.issue(a, refresh.secret, now)
}

func (s *Service) issue(a Account, refreshSecret string, now time.Time) (Tokens, error) {
	access, exp, err := s.SignAccessToken(a.ID, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(s.opt.AccessTTL / time.Second), ExpiresAt: exp, RefreshToken: refreshSecret}, nil
}
