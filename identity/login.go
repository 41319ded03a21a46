package identity

import (
	"context"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/ids"
)

// errBadCredentials is the one answer to a wrong email or a wrong password,
// so the response does not say which accounts exist.
var errBadCredentials = apperr.R(apperr.Unauthenticated, "bad_credentials", "The email or the password is not correct.")

// errEmailNotVerified answers the right password of an account whose
// address was never proved.
var errEmailNotVerified = apperr.R(apperr.Unauthenticated, "email_not_verified",
	"Please confirm your e-mail address first: follow the link we sent you, or ask for a new one.")

// errAccountDisabled answers the right password of an account an
// administrator disabled: the person proved the password, and is told why
// it opens nothing, so that they ask the city rather than reset it in vain
// (a reset link is not sent to a disabled account, RequestPasswordReset).
var errAccountDisabled = apperr.R(apperr.Forbidden, "account_disabled",
	"This account is disabled: please ask the city's offices.")

// authenticate checks an email and a password within the login limits
// (limits.go): the attempt is reserved in its buckets before the password is
// checked, so concurrent attempts cannot all pass a count read before any
// of them failed. A failed attempt stays counted; a crash between the
// reservation and the check leaves it counted too, which errs on the safe
// side.
//
// A password login needs a verified address: until the person follows the
// link of the verification e-mail (or resets the password, which proves
// the address too) the right password gets Unauthenticated with reason
// email_not_verified, and the account can do nothing but be verified. Only
// someone who knows the password learns that the account exists. So with a
// disabled account: the right password gets Forbidden with reason
// account_disabled, a wrong one the bad_credentials of every wrong
// password. Neither right answer counts as a failed login: its attempt is
// released, as a success's is, so it locks nobody out, and it clears no
// failure either.
func (s *Service) authenticate(ctx context.Context, email, password, ip, action string) (Account, error) {
	now := s.now()
	emailNorm := NormalizeEmail(email)
	netw := network(ip)
	attempt := ids.New("att")
	var a Account
	var found bool
	err := s.limitTx(ctx, func(tx Tx) error {
		var err error
		a, found, err = s.reserveLogin(ctx, tx, attempt, emailNorm, netw, now)
		return err
	})
	if err != nil {
		return Account{}, err
	}
	if len(password) > MaxPasswordLen {
		password = password[:MaxPasswordLen] // still hashed, so the refusal costs the same
		found = false
	}
	// An account without a password (made by a SPID/CIE login, or erased)
	// is checked against the dummy hash like an unknown address: a refusal
	// that answered at once would tell which addresses have such accounts.
	hash, usable := s.dummyHash, found && a.PasswordHash != noPassword && a.PasswordHash != unusablePassword
	if usable {
		hash = a.PasswordHash
	}
	ok := s.check(password, hash) && usable
	if !found || !ok || !a.DeletedAt.IsZero() {
		return Account{}, errBadCredentials
	}
	if a.Disabled || !a.Verified() {
		if err := s.limitTx(ctx, func(tx Tx) error { return tx.ReleaseLoginAttempt(ctx, attempt) }); err != nil {
			return Account{}, fmt.Errorf("release login attempt: %w", err)
		}
		if a.Disabled {
			return Account{}, errAccountDisabled
		}
		return Account{}, errEmailNotVerified
	}
	err = s.limitTx(ctx, func(tx Tx) error {
		if err := s.loginSucceeded(ctx, tx, attempt, a, netw, now); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: action, ObjectType: "account", ObjectID: a.ID, IP: ip})
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
// email or password alike; Forbidden (reason account_disabled) for the
// right password of a disabled account; RateLimited (reason
// too_many_attempts, with a retry delay) when the attempt does not fit the
// login limits.
func (s *Service) Login(ctx context.Context, email, password, ip string) (Tokens, error) {
	a, err := s.authenticate(ctx, email, password, ip, "account.login")
	if err != nil {
		return Tokens{}, err
	}
	now := s.now()
	refresh := newRefreshToken(a, "", now, s.opt.RefreshTTL)
	err = s.store.InTx(ctx, func(tx Tx) error {
		return tx.InsertRefreshToken(ctx, refresh.RefreshToken)
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("store refresh token: %w", err)
	}
	return s.issue(a, refresh.secret, now)
}

func (s *Service) issue(a Account, refreshSecret string, now time.Time) (Tokens, error) {
	access, exp, err := s.signAccessToken(a.ID, a.TokenGeneration, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(s.opt.AccessTTL / time.Second), ExpiresAt: exp, RefreshToken: refreshSecret}, nil
}
