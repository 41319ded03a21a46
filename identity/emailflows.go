package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/ids"
	"cityhub/mail"
	"cityhub/wallet"
)

// The flows that prove an address by e-mail: sign-up with verification,
// password reset, change of address; and the change of password. Each
// e-mail is enqueued in the outbox in the transaction of the change that
// causes it.
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
		"This link does not work any more: it was already used, it expired, or it was copied incompletely. Please ask for a new one.")
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

// SignUp starts a citizen's account: unverified, with its wallet, and a
// verification e-mail to the address (Composer.VerifyEmail, a link to
// mail.PathConfirmEmail that ConfirmEmail takes). If the address already
// has an account, nothing is created and its owner gets an e-mail saying
// so, offering a password reset. The answer is nil either way: the page
// says "check your inbox". Invalid for bad fields (grants may not be
// chosen); RateLimited after too many sign-ups or e-mails from the
// request's network (audit.Origin).
func (s *Service) SignUp(ctx context.Context, n NewAccount) error {
	if s.opt.Mail == nil {
		return errNoMail
	}
	if len(n.Grants) > 0 {
		return apperr.R(apperr.Invalid, "bad_grant", "Roles cannot be chosen at sign-up.")
	}
	n.Grants = []Grant{{Role: RoleCitizen}}
	if err := n.Validate(); err != nil {
		return err
	}
	defer s.answerAtFloor(ctx, time.Now())
	ip := audit.OriginFrom(ctx).IP
	if ip != "" {
		now := s.now()
		var ok bool
		var freeAt time.Time
		err := s.limitTx(ctx, func(tx Tx) error {
			var err error
			ok, freeAt, err = tx.ReserveLoginAttempt(ctx, ids.New("att"), []LoginBucket{{Subject: signupSubject(ip), Limit: s.opt.Limits.SignupsPerIP, Since: now.Add(-time.Hour)}}, now)
			return err
		})
		if err != nil {
			return fmt.Errorf("count sign-ups: %w", err)
		}
		if !ok {
			return tooMany(errTooManySignups, freeAt.Sub(now))
		}
	}
	emailNorm := NormalizeEmail(n.Email)
	send, err := s.reserveMail(ctx, emailNorm, ip)
	if err != nil {
		return err
	}
	// Hashed whatever the address, so the answer takes as long either way.
	hash := s.hash(n.Password)
	if !send {
		return nil
	}
	now := s.now().Truncate(time.Microsecond)
	a := Account{ID: ids.New("acc"), Email: n.Email, Name: n.Name, Locale: n.Locale, Grants: n.Grants, PasswordHash: hash, CreatedAt: now}
	secret, tok := newEmailToken(PurposeVerify, a.ID, a.Email, now, s.opt.VerifyTTL)
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertAccount(ctx, a); err != nil {
			if apperr.Has(err, apperr.Conflict) {
				return errAddressTaken
			}
			return fmt.Errorf("insert account: %w", err)
		}
		if err := wallet.OpenCitizen(ctx, tx, a.ID); err != nil {
			return fmt.Errorf("open wallet: %w", err)
		}
		if err := tx.InsertEmailToken(ctx, tok); err != nil {
			return err
		}
		m, err := s.opt.Mail.VerifyEmail(recipient(a), secret, s.opt.VerifyTTL)
		if err := s.enqueue(ctx, tx, m, err); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.signup", ObjectType: "account", ObjectID: a.ID, IP: ip})
	})
	if errors.Is(err, errAddressTaken) {
		return s.store.InTx(ctx, func(tx Tx) error { return s.tellAccountExists(ctx, tx, emailNorm) })
	}
	return err
}

// tellAccountExists e-mails the owner of emailNorm's active account that
// someone asked to use the address again.
func (s *Service) tellAccountExists(ctx context.Context, tx Tx, emailNorm string) error {
	a, err := tx.AccountByEmail(ctx, emailNorm)
	if apperr.Has(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read account: %w", err)
	}
	if !a.Active() || !a.Mailable() {
		return nil
	}
	m, err := s.opt.Mail.AccountExists(recipient(a))
	return s.enqueue(ctx, tx, m, err)
}

// ResendVerification sends a new verification link to an address whose
// account is not verified yet; nothing to any other address. nil either
// way. Invalid for an unreadable address; RateLimited after too many
// e-mails from the request's network.
func (s *Service) ResendVerification(ctx context.Context, email string) error {
	if s.opt.Mail == nil {
		return errNoMail
	}
	email = strings.TrimSpace(email)
	if err := ValidateEmail(email); err != nil {
		return err
	}
	defer s.answerAtFloor(ctx, time.Now())
	send, err := s.reserveMail(ctx, NormalizeEmail(email), audit.OriginFrom(ctx).IP)
	if err != nil || !send {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(tx Tx) error {
		a, err := tx.AccountByEmail(ctx, NormalizeEmail(email))
		if err != nil && !apperr.Has(err, apperr.NotFound) {
			return fmt.Errorf("read account: %w", err)
		}
		// A placeholder (reclaimAddress left one on an account never
		// verified) reaches no one.
		if err != nil || !a.Active() || a.Verified() || !a.Mailable() {
			// A write like the other branch's, so the answer costs the same.
			return tx.AppendAudit(ctx, audit.Entry{Action: "account.verification_requested", ObjectType: "account",
				IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"email_hash": emailHash(NormalizeEmail(email))}})
		}
		secret, tok := newEmailToken(PurposeVerify, a.ID, a.Email, now, s.opt.VerifyTTL)
		if err := tx.InsertEmailToken(ctx, tok); err != nil {
			return err
		}
		m, err := s.opt.Mail.VerifyEmail(recipient(a), secret, s.opt.VerifyTTL)
		return s.enqueue(ctx, tx, m, err)
	})
}

var (
	// errConfirmSignIn: a new address is confirmed by its account, signed in.
	errConfirmSignIn = apperr.R(apperr.Unauthenticated, "login_required",
		"Sign in to the account that asked for this address, then confirm it.")
	errOtherAccount = apperr.R(apperr.Forbidden, "other_account",
		"This link is for another account: sign out, sign in to the account that asked for this address, and follow the link again.")
)

// ConfirmEmail takes the token of a link to mail.PathConfirmEmail for the
// caller c (zero when nobody is signed in): a sign-up's (the account's
// address becomes verified, and the account can log in) or a change of
// address's (the account moves to the new address, verified, and the old
// address is told). It returns the account.
//
// A sign-up's link works for anyone: whoever chose the password is the one
// the mailbox proves. A change of address's works only for c signed in as
// the account that asked for it. Otherwise whoever reads the mailbox
// would give it to an account that is not theirs: above all the address a
// SPID/CIE login proposed without vouching for it, which, confirmed, takes
// a password reset, and would give its reader a password to the SPID/CIE
// person's account (wallet, vouchers, tickets).
//
// Invalid (reason invalid_token) for a token unknown, used, expired, or of
// an account no longer active or whose address changed since;
// Unauthenticated (reason login_required) for a change of address's token
// without a caller, and Forbidden (reason other_account) for one of
// another account's, both before the token is spent; Conflict (reason
// email_taken) when another account took the new address first.
func (s *Service) ConfirmEmail(ctx context.Context, c Caller, token string) (Account, error) {
	purpose := ""
	switch {
	case len(token) > MaxTokenLen:
	case strings.HasPrefix(token, tokenPrefix[PurposeVerify]):
		purpose = PurposeVerify
	case strings.HasPrefix(token, tokenPrefix[PurposeChangeEmail]):
		purpose = PurposeChangeEmail
	}
	if purpose == "" {
		return Account{}, errBadEmailToken
	}
	if purpose == PurposeChangeEmail && c.AccountID == "" {
		return Account{}, errConfirmSignIn
	}
	if s.opt.Mail == nil {
		return Account{}, errNoMail
	}
	now := s.now().Truncate(time.Microsecond)
	var a Account
	err := s.store.InTx(ctx, func(tx Tx) error {
		t, err := s.useToken(ctx, tx, token, purpose, now)
		if err != nil {
			return err
		}
		if purpose == PurposeChangeEmail && t.AccountID != c.AccountID {
			// Rolled back: the token stays for its account.
			return errOtherAccount
		}
		// Locked: a SPID/CIE login may be taking the address from this
		// account, never verified (reclaimAddress), and locks it too. One
		// waits for the other, so the address is either proved here before
		// the login reads it, or gone when this reads it, never verified
		// after it went.
		a, err = tx.LockAccount(ctx, t.AccountID)
		if err != nil && !apperr.Has(err, apperr.NotFound) {
			return fmt.Errorf("lock account: %w", err)
		}
		if err != nil || !a.Active() {
			return errBadEmailToken
		}
		if purpose == PurposeVerify {
			if NormalizeEmail(a.Email) != NormalizeEmail(t.Email) {
				return errBadEmailToken
			}
			if !a.Verified() {
				if err := tx.SetEmailVerified(ctx, a.ID, now); err != nil {
					return err
				}
				a.EmailVerifiedAt = now
			}
			if err := tx.DropEmailTokens(ctx, a.ID, PurposeVerify, now); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.email_verified", ObjectType: "account", ObjectID: a.ID, IP: audit.OriginFrom(ctx).IP})
		}
		old := a
		if err := tx.SetEmail(ctx, a.ID, t.Email, now); err != nil {
			if apperr.Has(err, apperr.Conflict) {
				return errEmailTaken
			}
			return err
		}
		a.Email, a.EmailVerifiedAt = t.Email, now
		// A reset link sent to the old address no longer belongs to the
		// account's owner (ResetPassword refuses it for its address too).
		for _, p := range []string{PurposeChangeEmail, PurposeReset} {
			if err := tx.DropEmailTokens(ctx, a.ID, p, now); err != nil {
				return err
			}
		}
		// The old address is told, unless it was a SPID/CIE account's
		// placeholder, which reaches no one.
		if MailableAddress(old.Email) {
			m, err := s.opt.Mail.EmailChanged(recipient(old), t.Email)
			if err := s.enqueue(ctx, tx, m, err); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.email_changed", ObjectType: "account", ObjectID: a.ID, IP: audit.OriginFrom(ctx).IP})
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
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
	if err := validatePassword(newPassword); err != nil {
		return err
	}
	err := s.store.View(ctx, func(tx Tx) error {
		t, err := tx.EmailTokenByHash(ctx, secretHash(token), PurposeReset, s.now())
		if apperr.Has(err, apperr.NotFound) {
			return errBadEmailToken
		}
		if err != nil {
			return fmt.Errorf("read e-mail token: %w", err)
		}
		_, err = s.resetAccount(ctx, tx.AccountByID, t)
		return err
	})
	if err != nil {
		return err
	}
	hash := s.hash(newPassword)
	now := s.now().Truncate(time.Microsecond)
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
		return s.passwordChanged(ctx, tx, a, "account.password_reset", now)
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
// work until it expires.
func (s *Service) passwordChanged(ctx context.Context, tx Tx, a Account, action string, now time.Time) error {
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
	if err := tx.RaiseTokenGeneration(ctx, a.ID); err != nil {
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
	if err := validatePassword(next); err != nil {
		return err
	}
	a, err := s.checkCurrentPassword(ctx, c, current, ip)
	if err != nil {
		return err
	}
	hash := s.hash(next)
	now := s.now().Truncate(time.Microsecond)
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.SetPasswordHash(ctx, a.ID, hash); err != nil {
			return err
		}
		return s.passwordChanged(ctx, tx, a, "account.password_change", now)
	})
}

// RequestEmailChange asks to move the caller's account to newEmail, after
// checking the current password: a link (Composer.EmailChange, to
// mail.PathConfirmEmail) goes to the new address, and the change happens
// when ConfirmEmail takes it. If the new address has an account its owner
// is told instead (Composer.AccountExists). nil either way. Invalid for an
// unreadable address, the current one (reason same_email) or a wrong
// password (reason wrong_password); RateLimited as a login or after too
// many e-mails from the network.
func (s *Service) RequestEmailChange(ctx context.Context, c Caller, password, newEmail, ip string) error {
	newEmail, err := s.checkNewEmail(c, newEmail)
	if err != nil {
		return err
	}
	// As a sign-up: an address that has an account is told so, a free one
	// gets a link, and the answer leaves at the floor either way, so its
	// time does not say which.
	defer s.answerAtFloor(ctx, time.Now())
	a, err := s.checkCurrentPassword(ctx, c, password, ip)
	if err != nil {
		return err
	}
	return s.sendEmailChange(ctx, a, newEmail, ip)
}

// RequestEmailChangeWithSPID is RequestEmailChange for an account made
// with SPID/CIE that has no password (its address may be a placeholder, the
// provider having given none): the person proves themselves by a SPID/CIE
// login completed just now instead, ext, which must be the account's own
// fiscal code. So a session left open on a shared computer is not enough
// to give the account to another address. Invalid (reason has_password)
// for an account with a password, which uses RequestEmailChange; Forbidden
// (reason other_person) for another person's SPID/CIE identity; otherwise
// as RequestEmailChange.
func (s *Service) RequestEmailChangeWithSPID(ctx context.Context, c Caller, ext ExternalIdentity, newEmail, ip string) error {
	newEmail, err := s.checkNewEmail(c, newEmail)
	if err != nil {
		return err
	}
	defer s.answerAtFloor(ctx, time.Now())
	a, err := s.Account(ctx, c.AccountID)
	if err != nil {
		return fmt.Errorf("read account: %w", err)
	}
	if a.HasPassword() {
		return apperr.R(apperr.Invalid, "has_password", "Your account has a password: change the address with it.")
	}
	code, err := NormalizeFiscalCode(ext.FiscalCode)
	if err != nil || a.FiscalCode == "" || code != a.FiscalCode {
		return apperr.R(apperr.Forbidden, "other_person", "That SPID/CIE login is not the one of this account.")
	}
	return s.sendEmailChange(ctx, a, newEmail, ip)
}

// checkNewEmail is the address a change of address asks for, trimmed,
// once it can be one: mail is configured, it reads as an address and it is
// not the account's own (reason same_email).
func (s *Service) checkNewEmail(c Caller, newEmail string) (string, error) {
	if s.opt.Mail == nil {
		return "", errNoMail
	}
	newEmail = strings.TrimSpace(newEmail)
	if err := ValidateEmail(newEmail); err != nil {
		return "", err
	}
	if NormalizeEmail(newEmail) == NormalizeEmail(c.Email) {
		return "", apperr.R(apperr.Invalid, "same_email", "This is already your account's address.")
	}
	return newEmail, nil
}

// sendEmailChange sends the link that moves account a to newEmail, or tells
// the owner of newEmail's account, once the person has proved who they are.
func (s *Service) sendEmailChange(ctx context.Context, a Account, newEmail, ip string) error {
	send, err := s.reserveMail(ctx, NormalizeEmail(newEmail), ip)
	if err != nil || !send {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(tx Tx) error {
		_, err := tx.AccountByEmail(ctx, NormalizeEmail(newEmail))
		if err == nil {
			return s.tellAccountExists(ctx, tx, NormalizeEmail(newEmail))
		}
		if !apperr.Has(err, apperr.NotFound) {
			return fmt.Errorf("read account: %w", err)
		}
		secret, tok := newEmailToken(PurposeChangeEmail, a.ID, newEmail, now, s.opt.EmailChangeTTL)
		if err := tx.InsertEmailToken(ctx, tok); err != nil {
			return err
		}
		r := recipient(a)
		r.Email = newEmail
		m, err := s.opt.Mail.EmailChange(r, secret, s.opt.EmailChangeTTL)
		if err := s.enqueue(ctx, tx, m, err); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.email_change_requested", ObjectType: "account", ObjectID: a.ID, IP: ip})
	})
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
