package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/mail"
)

// A forgotten password reset by an e-mailed link, and a known one changed;
// either ends the account's sessions (passwordChanged).

// RequestPasswordReset e-mails a reset link (Composer.PasswordReset, to
// mail.PathResetPassword) to the address if it has an active account,
// verified or not. nil either way, after the same work: the e-mail is
// composed even for an address without an account. Invalid for an
// unreadable address; RateLimited after too many e-mails from the
// request's network.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	if s.opt.Mail == nil {
		return errNoMail
	}
	email = strings.TrimSpace(email)
	if err := ValidateEmail(email); err != nil {
		return err
	}
	emailNorm := NormalizeEmail(email)
	defer s.answerAtFloor(ctx, time.Now())
	send, err := s.reserveMail(ctx, emailNorm, audit.OriginFrom(ctx).IP)
	if err != nil || !send {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(tx Tx) error {
		a, err := tx.AccountByEmail(ctx, emailNorm)
		// An account made by a SPID/CIE login whose provider did not vouch
		// for the address gets no link: the address may be someone else's,
		// and the link would give them a password to that person's account
		// (fiscal code, wallet). Answered as an unknown address; so is a
		// placeholder, which reaches no one (an account never verified
		// has one once a SPID/CIE login took its address).
		found := err == nil && a.Active() && a.Mailable() && (a.PasswordHash != noPassword || a.Verified())
		if err != nil && !apperr.Has(err, apperr.NotFound) {
			return fmt.Errorf("read account: %w", err)
		}
		r := mail.Recipient{Email: email, Locale: Locales[0]}
		if found {
			r = recipient(a)
		}
		secret, tok := newEmailToken(PurposeReset, a.ID, a.Email, now, s.opt.ResetTTL)
		m, err := s.opt.Mail.PasswordReset(r, secret, s.opt.ResetTTL)
		if !found {
			if err != nil {
				return err
			}
			// Written like the known address's rows, so the commit costs
			// about the same; it also shows an operator a spray of resets.
			return tx.AppendAudit(ctx, audit.Entry{Action: "account.password_reset_requested", ObjectType: "account",
				IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"email_hash": emailHash(emailNorm)}})
		}
		if err := tx.InsertEmailToken(ctx, tok); err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, m, err); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.password_reset_requested", ObjectType: "account", ObjectID: a.ID, IP: audit.OriginFrom(ctx).IP})
	})
}

// ResetPassword sets a new password with the token of a reset link. The
// token works once; the account's other reset links stop working, every
// session and refresh token of the account is revoked, its failed logins
// are forgotten, an unverified address becomes verified (the link reached
// it), and the address is told (Composer.PasswordChanged). Nobody is
// logged in by it: the page sends the person to the login page, where they
// log in with the new password. Invalid for a weak password (before the
// token is spent) and, reason invalid_token, for a token unknown, used or
// expired, sent to an address the account has since left, or of an account
// no longer active.
//
// The token is read before the new password is hashed, and only a live
// one's password is: the hashes share their slots with the logins, and a
// flood of made-up tokens must not keep people from logging in.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	if len(token) > MaxTokenLen || !strings.HasPrefix(token, tokenPrefix[PurposeReset]) {
		return errBadEmailToken
	}
	if err := checkPasswordLength(newPassword); err != nil {
		return err
	}
	var a Account
	err := s.store.View(ctx, func(tx Tx) error {
		t, err := tx.EmailTokenByHash(ctx, secretHash(token), PurposeReset, s.now())
		if apperr.Has(err, apperr.NotFound) {
			return errBadEmailToken
		}
		if err != nil {
			return fmt.Errorf("read e-mail token: %w", err)
		}
		a, err = s.resetAccount(ctx, tx.AccountByID, t)
		return err
	})
	if err != nil {
		return err
	}
	// Judged once the token is known good, and outside the read: the
	// estimate costs milliseconds, which made-up tokens must not buy.
	if err := checkGuessable(newPassword, a.Email, a.Name); err != nil {
		return err
	}
	hash := s.hash(newPassword)
	now := s.now()
	return s.store.InTx(ctx, func(tx Tx) error {
		t, err := s.useToken(ctx, tx, token, PurposeReset, now)
		if err != nil {
			return err
		}
		// Locked, as ConfirmEmail locks it: a reset verifies the address
		// too, and must not verify one a SPID/CIE login took meanwhile.
		a, err := s.resetAccount(ctx, tx.LockAccount, t)
		if err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, a.ID, hash); err != nil {
			return err
		}
		if !a.Verified() {
			if err := tx.SetEmailVerified(ctx, a.ID, now); err != nil {
				return err
			}
		}
		return s.passwordChanged(ctx, tx, a, "account.password_reset", false, now)
	})
}

// resetAccount is the account a reset token t may set the password of,
// read by read: errBadEmailToken when it is no longer active, or when the
// link went to an address the account has left, which reaches whoever
// holds that mailbox now, not the account's owner.
func (s *Service) resetAccount(ctx context.Context, read func(context.Context, string) (Account, error), t EmailToken) (Account, error) {
	a, err := read(ctx, t.AccountID)
	if err != nil && !apperr.Has(err, apperr.NotFound) {
		return Account{}, fmt.Errorf("read account: %w", err)
	}
	if err != nil || !a.Active() || NormalizeEmail(a.Email) != NormalizeEmail(t.Email) {
		return Account{}, errBadEmailToken
	}
	return a, nil
}

// passwordChanged ends everything the old password opened and tells the
// account's address. The access tokens too, by a new token generation, as
// disabling the account does: a reset is what a person does when someone
// else has their password, and a token that someone took would otherwise
// work until it expires. A change (byChange, ChangePassword) records the
// generation it ended, whose token alone may have the change's retry
// answered (PasswordChangedAccount); a reset needs no token to retry.
func (s *Service) passwordChanged(ctx context.Context, tx Tx, a Account, action string, byChange bool, now time.Time) error {
	// A change of address asked before is dropped with the rest: whoever
	// had the password may have asked it, to an address of theirs, and
	// would otherwise take the account over by the link after the owner
	// locked them out.
	for _, p := range []string{PurposeReset, PurposeChangeEmail} {
		if err := tx.DropEmailTokens(ctx, a.ID, p, now); err != nil {
			return err
		}
	}
	if err := tx.RevokeAccountTokens(ctx, a.ID, now); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	end := tx.RaiseTokenGeneration
	if byChange {
		end = tx.EndTokenGenerationByPasswordChange
	}
	if err := end(ctx, a.ID); err != nil {
		return fmt.Errorf("end access tokens: %w", err)
	}
	if _, err := tx.ClearLoginAttempts(ctx, accountSubject(NormalizeEmail(a.Email))+"*"); err != nil {
		return fmt.Errorf("clear login attempts: %w", err)
	}
	if s.opt.Mail != nil {
		m, err := s.opt.Mail.PasswordChanged(recipient(a))
		if err := s.enqueue(ctx, tx, m, err); err != nil {
			return err
		}
	}
	return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: action, ObjectType: "account", ObjectID: a.ID, IP: audit.OriginFrom(ctx).IP})
}

// checkCurrentPassword checks the caller's password within the login
// limits. Invalid (reason wrong_password) when it is wrong; RateLimited as
// a login.
func (s *Service) checkCurrentPassword(ctx context.Context, c Caller, password, ip string) (Account, error) {
	a, err := s.authenticate(ctx, c.Email, password, ip, "account.password_checked")
	if errors.Is(err, errBadCredentials) || (err == nil && a.ID != c.AccountID) {
		return Account{}, errWrongPassword
	}
	return a, err
}

// ChangePassword replaces the caller's password after checking the
// current one. Every session and refresh token of the account is revoked
// (the page logs the person in again with the new password) and the
// address is told. Invalid for a weak new password or (reason
// wrong_password) a wrong current one; RateLimited as a login.
func (s *Service) ChangePassword(ctx context.Context, c Caller, current, next, ip string) error {
	if err := checkPasswordLength(next); err != nil {
		return err
	}
	a, err := s.checkCurrentPassword(ctx, c, current, ip)
	if err != nil {
		return err
	}
	if err := checkGuessable(next, a.Email, a.Name); err != nil {
		return err
	}
	hash := s.hash(next)
	now := s.now()
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.SetPasswordHash(ctx, a.ID, hash); err != nil {
			return err
		}
		return s.passwordChanged(ctx, tx, a, "account.password_change", true, now)
	})
}

// EmailLinkWorks reports whether an e-mailed link's token would still be
// taken, without spending it: nil when it would, Invalid (reason
// invalid_token) when it is unknown, used, expired, superseded, or of an
// account no longer active or (a sign-up's or a reset's link) whose
// address changed since. The link's page asks it before showing its form,
// so a person who opens an old link learns so at once, not after typing a
// new password twice. A change of address's token is not judged by who
// is signed in here: ConfirmEmail does that when it is used.
func (s *Service) EmailLinkWorks(ctx context.Context, token string) error {
	purpose := ""
	for p, prefix := range tokenPrefix {
		if len(token) <= MaxTokenLen && strings.HasPrefix(token, prefix) {
			purpose = p
		}
	}
	if purpose == "" {
		return errBadEmailToken
	}
	return s.store.View(ctx, func(tx Tx) error {
		t, err := tx.EmailTokenByHash(ctx, secretHash(token), purpose, s.now())
		if apperr.Has(err, apperr.NotFound) {
			return errBadEmailToken
		}
		if err != nil {
			return fmt.Errorf("read e-mail token: %w", err)
		}
		a, err := tx.AccountByID(ctx, t.AccountID)
		if err != nil && !apperr.Has(err, apperr.NotFound) {
			return fmt.Errorf("read account: %w", err)
		}
		if err != nil || !a.Active() || (purpose != PurposeChangeEmail && NormalizeEmail(a.Email) != NormalizeEmail(t.Email)) {
			return errBadEmailToken
		}
		return nil
	})
}
