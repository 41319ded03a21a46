package wallet

import (
	"context"

	"cityhub/apperr"
)

// Reader is whoever reads a ledger account through the service's checked
// reads (AccountFor, HistoryFor, ItemsFor): the pages and the API read
// only through them, so what a person may see is decided here, not by each
// handler. identity.Caller is one; it is an interface because identity
// imports the wallet (an account's wallet opens with it).
type Reader interface {
	// LedgerOwner is the account whose own citizen credit the reader may
	// read ("" for none).
	LedgerOwner() string
	// LedgerAuditor may read every ledger account (the city's
	// administrators).
	LedgerAuditor() bool
}

var errNotYourAccount = apperr.R(apperr.Forbidden, "not_your_account", "This ledger account is not yours.")

// mayRead lets r read id: an auditor any account, anyone else only the
// credit of their own account.
func mayRead(r Reader, id AccountID) error {
	switch {
	case r == nil:
		return apperr.R(apperr.Unauthenticated, "unauthenticated", "Sign in first.")
	case r.LedgerAuditor():
		return nil
	case r.LedgerOwner() != "" && id == CitizenAccount(r.LedgerOwner()):
		return nil
	}
	return errNotYourAccount
}

// AccountFor is Account, for a reader allowed to see it: Forbidden
// (not_your_account) otherwise, before anything is read.
func (s *Service) AccountFor(ctx context.Context, r Reader, id AccountID) (Account, error) {
	if err := mayRead(r, id); err != nil {
		return Account{}, err
	}
	return s.Account(ctx, id)
}

// HistoryFor is History, for a reader allowed to see the account.
func (s *Service) HistoryFor(ctx context.Context, r Reader, id AccountID, cursor string, limit int) (HistoryPage, error) {
	if err := mayRead(r, id); err != nil {
		return HistoryPage{}, err
	}
	return s.History(ctx, id, cursor, limit)
}

// ItemsFor is Items, for the account's owner or an auditor.
func (s *Service) ItemsFor(ctx context.Context, r Reader, accountID string) ([]Item, error) {
	if err := mayRead(r, CitizenAccount(accountID)); err != nil {
		return nil, err
	}
	return s.Items(ctx, accountID)
}
