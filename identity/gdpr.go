package identity

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/mail"
	"cityhub/wallet"
)

// Export is what identity holds about a person, for a data-access request
// (GDPR art. 15). Secrets (password hash, token hashes) are not included:
// they are not information about the person and would only help an attacker.
type Export struct {
	Account       Account        `json:"account"`
	Sessions      []Session      `json:"sessions"`
	RefreshTokens []RefreshToken `json:"refresh_tokens"`
	// LoginAddresses are the networks the person logged in from, kept so
	// that the login limits do not slow them down there.
	LoginAddresses []LoginAddress `json:"login_addresses"`
	// Emails are the messages the hub wrote to the person (the outbox
	// keeps them until the account is erased), bodies included, their
	// links' tokens hidden, except the links of changes of address never
	// confirmed (unconfirmedChange).
	Emails     []mail.Message `json:"emails"`
	ExportedAt time.Time      `json:"exported_at"`
}

// LoginAddress is a network (an IPv4 address or an IPv6 /64) an account
// logged in from, and when it last did.
type LoginAddress struct {
	Network     string    `json:"network"`
	LastLoginAt time.Time `json:"last_login_at"`
}

// Export returns what identity holds about the caller's own account (GDPR
// articles 15 and 20): a person exports only themself. Unauthenticated
// without a caller; NotFound if the account is missing.
func (s *Service) Export(ctx context.Context, c Caller) (Export, error) {
	if c.AccountID == "" {
		return Export{}, apperr.R(apperr.Unauthenticated, "login_required", "Please log in.")
	}
	accountID := c.AccountID
	out := Export{ExportedAt: s.now()}
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if out.Account, err = tx.AccountByID(ctx, accountID); err != nil {
			return err
		}
		if out.Sessions, err = tx.PageSessionsOf(ctx, accountID); err != nil {
			return fmt.Errorf("list sessions: %w", err)
		}
		if out.RefreshTokens, err = tx.RefreshTokensOf(ctx, accountID); err != nil {
			return fmt.Errorf("list refresh tokens: %w", err)
		}
		if out.LoginAddresses, err = tx.LoginAddressesOf(ctx, accountID); err != nil {
			return fmt.Errorf("list login addresses: %w", err)
		}
		if out.Emails, err = tx.MailOf(ctx, accountID); err != nil {
			return fmt.Errorf("list e-mails: %w", err)
		}
		out.Emails = slices.DeleteFunc(out.Emails, func(m mail.Message) bool {
			return unconfirmedChange(m, out.Account)
		})
		// Without their links' tokens: the download holds the e-mail that
		// confirmed the account's address, whose link, still unused, would
		// confirm it for whoever holds the download.
		for i := range out.Emails {
			out.Emails[i] = mail.WithoutLinkTokens(out.Emails[i])
		}
		return nil
	})
	if out.Sessions == nil {
		out.Sessions = []Session{}
	}
	if out.RefreshTokens == nil {
		out.RefreshTokens = []RefreshToken{}
	}
	if out.LoginAddresses == nil {
		out.LoginAddresses = []LoginAddress{}
	}
	if out.Emails == nil {
		out.Emails = []mail.Message{}
	}
	return out, err
}

// unconfirmedChange reports whether m is the link of a change of address
// to an address that is not a's: one asked for and never confirmed. The
// download leaves those out. A change to an address that has an account
// sends no link (its owner is told instead), so listing the links sent
// would tell the requester which addresses have accounts, which the
// change's answer is careful not to.
func unconfirmedChange(m mail.Message, a Account) bool {
	return m.Kind == mail.KindEmailChange && NormalizeEmail(m.To) != NormalizeEmail(a.Email)
}

// DeleteAccount erases a person's identity (GDPR art. 17) by anonymising the
// account: email and name are replaced, the password made unusable, grants,
// sessions and refresh tokens revoked, the networks it logged in from
// forgotten. The account row and its id stay,
// because the ledger keeps the wallet's transactions for accounting (a legal
// obligation); those rows then point at no one. NotFound if missing.
//
// It does not settle the wallet's credit, and refuses (Conflict, reason
// credit_left) while there is some: the erasure closes the credit account
// (wallet.CloseCitizen), which then takes nothing, so no credit may be
// closed in. A citizen with credit is erased through
// cardpay.Service.EraseAccount, which first does what the person chose
// with the credit (back to the cards it came from, or to the city) and
// then EraseTx, in one transaction. Unauthenticated (apperr.ErrAccountDeleted)
// for an account erased already.
func (s *Service) DeleteAccount(ctx context.Context, accountID string) error {
	now := s.now()
	return s.store.InTx(ctx, func(tx Tx) error { return EraseTx(ctx, tx, accountID, now) })
}

// EraseTx anonymises the account within tx, as DeleteAccount describes,
// for a domain that erases an account together with its own change (its
// credit settled first). NotFound if missing.
func EraseTx(ctx context.Context, tx Tx, accountID string, now time.Time) error {
	return erase(ctx, tx, accountID, now, audit.Entry{ActorID: accountID, Action: "account.delete"})
}

// erase anonymises the account, closes its credit account
// (wallet.CloseCitizen) and records entry (actor and action) as the
// reason. Conflict (reason last_admin) for the city's last active
// administrator, (reason credit_left) while credit is left on the
// account; Unauthenticated (apperr.ErrAccountDeleted) for an account erased
// already, by a request that ran beside this one.
func erase(ctx context.Context, tx Tx, accountID string, now time.Time, entry audit.Entry) error {
	if err := KeepAnAdministrator(ctx, tx, accountID); err != nil {
		return err
	}
	a, err := tx.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	if !a.DeletedAt.IsZero() {
		return apperr.ErrAccountDeleted
	}
	if err := tx.AnonymiseAccount(ctx, accountID, "deleted+"+accountID+"@invalid", now); err != nil {
		return fmt.Errorf("anonymise account: %w", err)
	}
	if err := tx.RevokeAccountTokens(ctx, accountID, now); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	// Nothing reaches the credit from this commit on: a top-up or a
	// refund racing the erasure waits for it and is refused, so none
	// leaves credit nobody can spend.
	if err := wallet.CloseCitizen(ctx, tx, accountID, now); err != nil {
		return err
	}
	entry.ObjectType, entry.ObjectID, entry.IP = "account", accountID, audit.OriginFrom(ctx).IP
	return tx.AppendAudit(ctx, entry)
}
