package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
)

// A change of address: proved by the password or a SPID/CIE login, then by
// the link sent to the new address (ConfirmEmail, in signup.go).

// RequestEmailChange asks to move the caller's account to newEmail, after
// checking the current password: a link (Composer.EmailChange, to
// mail.PathConfirmEmail) goes to the new address, and the change happens
// when ConfirmEmail takes it. If the new address has an account its owner
// is told instead (Composer.AccountExists). Either way, and also when the
// e-mail limits send nothing, the links of the account's earlier changes
// stop working. nil either way. Invalid for an
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
//
// The newest address asked for is the one wanted, whatever becomes of the
// request: the links sent before, to this address or another, work no
// more even when newEmail has an account or its address's hourly limit
// holds this e-mail back. Otherwise a person who asked for B and then for C
// would still hold B's live link. Dropped in each of those cases, so what
// the requester can see (answer, time, the old link's fate) does not say
// which it was. A request refused outright (429: the network's e-mails for
// the hour are spent, or the limits could not be read) changes nothing, as
// every refusal: the link sent before still works.
func (s *Service) sendEmailChange(ctx context.Context, a Account, newEmail, ip string) error {
	send, err := s.reserveMail(ctx, NormalizeEmail(newEmail), ip)
	if err != nil {
		return err
	}
	if err := s.store.InTx(ctx, func(tx Tx) error {
		return tx.DropEmailTokens(ctx, a.ID, PurposeChangeEmail, s.now())
	}); err != nil {
		return fmt.Errorf("drop earlier change links: %w", err)
	}
	if !send {
		return nil
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
		// Again in the transaction that inserts the new link: a link of a
		// request that ran alongside this one is dropped too.
		if err := tx.DropEmailTokens(ctx, a.ID, PurposeChangeEmail, now); err != nil {
			return err
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
