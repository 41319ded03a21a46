package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/ids"
	"cityhub/mail"
)

// The flows that prove an address by e-mail: sign-up with verification
// (signup.go), password reset and the change of password
// (passwordreset.go), change of address (emailchange.go). This file holds
// what they share: the e-mailed tokens, the e-mails' limits, their
// enqueueing and the answer's time floor. Each e-mail is enqueued in the
// outbox in the transaction of the change that causes it.
//
// None of them tells the caller whether an address has an account: sign-up,
// a new verification link, a reset and a change of address answer the same
// (nil) either way, and do comparable work (sign-up hashes the password
// whatever the address; a reset composes its e-mail whatever the address).
// What differs goes to the address itself, which only its owner reads: the
// owner of an address that already has an account is told so and offered a
// reset.
//
// An account whose address is not verified cannot log in with its password
// (authenticate); it can only be verified, get a new link, or be reset
// (which proves the address too). It holds a wallet from the start, so
// nothing changes for it at verification.
//
// The e-mails are limited per address and per network (LoginLimits,
// MailsPerAddress and MailsPerIP), in the login limits' table, so the
// limits hold across replicas. Past the address's limit a request still
// gets the usual answer and sends nothing: refusing it would tell a
// stranger that someone is asking about that address.

// Purposes of an e-mailed token.
const (
	PurposeVerify      = "verify"
	PurposeReset       = "reset"
	PurposeChangeEmail = "change_email"
)

// tokenPrefix tells a token's purpose by its first characters, so one
// confirmation page takes both a sign-up's link and a new address's.
var tokenPrefix = map[string]string{PurposeVerify: "ev_", PurposeReset: "pr_", PurposeChangeEmail: "ec_"}

// EmailToken is a single-use token sent by e-mail, stored by hash.
type EmailToken struct {
	Hash      string
	Purpose   string
	AccountID string
	// Email is the address the token was sent to, as typed.
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// newEmailToken returns the secret for the link and the row to store.
// 256 random bits, so a fast hash at rest is enough (see secretHash).
func newEmailToken(purpose, accountID, email string, now time.Time, ttl time.Duration) (string, EmailToken) {
	secret := tokenPrefix[purpose] + ids.Token(32)
	now = now.Truncate(time.Microsecond)
	return secret, EmailToken{Hash: secretHash(secret), Purpose: purpose, AccountID: accountID, Email: email,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
}

var (
	errBadEmailToken = apperr.R(apperr.Invalid, "invalid_token",
		"This link does not work any more: it was already used, it expired, a newer one was sent since, or it was copied incompletely. Please ask for a new one.")
	errTooManyMails  = apperr.R(apperr.RateLimited, "too_many_emails", "Too many e-mails were asked from your network. Please try again later.")
	errWrongPassword = apperr.R(apperr.Invalid, "wrong_password", "The current password is not correct.")
	errEmailTaken    = apperr.R(apperr.Conflict, "email_taken", "Another account already uses this address.")
	errNoMail        = apperr.E(apperr.Internal, "identity: e-mail is not configured")
	// errAddressTaken ends a sign-up's transaction when the address turns
	// out to have an account; the caller never sees it.
	errAddressTaken = errors.New("address has an account")
)

func mailSubject(emailNorm string) string   { return "mail:" + emailHash(emailNorm) }
func mailNetworkSubject(netw string) string { return "mailip:" + netw }

// reserveMail counts a request for an account e-mail to emailNorm from ip:
// RateLimited (reason too_many_emails) when the network has asked too many;
// send is false when the address has had too many, and nothing may be sent.
func (s *Service) reserveMail(ctx context.Context, emailNorm, ip string) (send bool, err error) {
	now := s.now()
	since := now.Add(-time.Hour)
	err = s.limitTx(ctx, func(tx Tx) error {
		if netw := network(ip); netw != "" {
			ok, freeAt, err := tx.ReserveLoginAttempt(ctx, ids.New("att"),
				[]LoginBucket{{Subject: mailNetworkSubject(netw), Limit: s.opt.Limits.MailsPerIP, Since: since}}, now)
			if err != nil {
				return fmt.Errorf("count e-mails by network: %w", err)
			}
			if !ok {
				return tooMany(errTooManyMails, freeAt.Sub(now))
			}
		}
		ok, _, err := tx.ReserveLoginAttempt(ctx, ids.New("att"),
			[]LoginBucket{{Subject: mailSubject(emailNorm), Limit: s.opt.Limits.MailsPerAddress, Since: since}}, now)
		if err != nil {
			return fmt.Errorf("count e-mails by address: %w", err)
		}
		send = ok
		return nil
	})
	if err == nil && !send {
		s.log.InfoContext(ctx, "account e-mail not sent: the address's hourly limit is reached")
	}
	return send, err
}

func recipient(a Account) mail.Recipient {
	return mail.Recipient{AccountID: a.ID, Email: a.Email, Name: a.Name, Locale: a.Locale}
}

// enqueue puts a composed message in the outbox within tx.
func (s *Service) enqueue(ctx context.Context, tx Tx, m mail.Message, err error) error {
	if err != nil {
		return fmt.Errorf("compose e-mail: %w", err)
	}
	if _, err := mail.Enqueue(ctx, tx, m, s.now()); err != nil {
		return err
	}
	return nil
}

// useToken spends token for purpose; errBadEmailToken if it cannot be.
func (s *Service) useToken(ctx context.Context, tx Tx, token, purpose string, now time.Time) (EmailToken, error) {
	t, err := tx.UseEmailToken(ctx, secretHash(token), purpose, now)
	if apperr.Has(err, apperr.NotFound) {
		return t, errBadEmailToken
	}
	if err != nil {
		return t, fmt.Errorf("use e-mail token: %w", err)
	}
	return t, nil
}

// answerAtFloor waits until Options.AnswerFloor has passed since start (or
// ctx ends). A known address writes a token and an e-mail, an unknown one
// only an audit row: on a loaded database that gap showed (80 ms against
// 19 ms), so these answers all leave at the floor instead.
func (s *Service) answerAtFloor(ctx context.Context, start time.Time) {
	wait := s.opt.AnswerFloor - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
