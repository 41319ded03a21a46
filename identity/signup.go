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
	"cityhub/wallet"
)

// Sign-up and the proof of its address: a new account, a new verification
// link, and the link followed (also for a new address, see emailchange.go).

// SignUp starts a citizen's account: unverified, with its wallet, and a
// verification e-mail to the address (Composer.VerifyEmail, a link to
// mail.PathConfirmEmail that ConfirmEmail takes). If the address already
// has an account, nothing is created and its owner gets an e-mail saying
// so, offering a password reset (which also confirms an address not
// confirmed yet). The answer is nil either way: the page
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
	if problems := n.Problems(); len(problems) > 0 {
		return problems[0]
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
	// Judged once the address's limit let the sign-up in: the estimate
	// costs milliseconds, which anyone could otherwise ask for unbounded.
	if err := checkGuessable(n.Password, n.Email, n.Name); err != nil {
		return err
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
	now := s.now()
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
		// Also for an account not confirmed yet: a new confirmation link
		// would confirm the account with the first sign-up's password,
		// which may be someone else's who signed the address up first. Its
		// owner is offered a new password instead, which confirms the
		// address too (ResetPassword), and is theirs.
		return s.store.InTx(ctx, func(tx Tx) error { return s.tellAccountExists(ctx, tx, emailNorm) })
	}
	return err
}

// sendVerification e-mails account a a new link that verifies its address.
// It supersedes the links sent before: only the newest works, so a person
// who asked again because the first e-mail was slow is not left holding
// two live links, and the page of an older one says it was replaced.
func (s *Service) sendVerification(ctx context.Context, tx Tx, a Account, now time.Time) error {
	if err := tx.DropEmailTokens(ctx, a.ID, PurposeVerify, now); err != nil {
		return err
	}
	secret, tok := newEmailToken(PurposeVerify, a.ID, a.Email, now, s.opt.VerifyTTL)
	if err := tx.InsertEmailToken(ctx, tok); err != nil {
		return err
	}
	m, err := s.opt.Mail.VerifyEmail(recipient(a), secret, s.opt.VerifyTTL)
	return s.enqueue(ctx, tx, m, err)
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
		return s.sendVerification(ctx, tx, a, now)
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
	now := s.now()
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
