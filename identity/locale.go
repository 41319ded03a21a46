package identity

import (
	"context"
	"fmt"

	"cityhub/apperr"
	"cityhub/audit"
)

// SetLocale makes locale (one of Locales) the language of account
// accountID: the one its e-mails are written in, and its pages' when the
// browser has no language cookie. A person changes their own account only
// (the one they sign in as); an administrator who wants another account's
// language changed asks its owner, as for the address. It returns the
// account as changed; the same language again changes nothing and records
// nothing. Unauthenticated without a caller (or for the hub itself, which
// has no account) and for an account disabled or erased; Forbidden (reason
// not_your_account) for another account; Invalid (reason bad_locale) for a
// language the hub does not speak. A refusal changes nothing.
func (s *Service) SetLocale(ctx context.Context, c Caller, accountID, locale string) (Account, error) {
	if c.AccountID == "" || c.IsSystem() {
		return Account{}, apperr.R(apperr.Unauthenticated, "login_required", "Please log in.")
	}
	if accountID != c.AccountID {
		return Account{}, apperr.R(apperr.Forbidden, "not_your_account", "You can change the language of your own account only.")
	}
	if err := validateLocale(locale); err != nil {
		return Account{}, err
	}
	var out Account
	err := s.store.InTx(ctx, func(tx Tx) error {
		// Locked, so that the language recorded as "before" is the one
		// this change replaced, not one a concurrent change replaced.
		a, err := tx.LockAccount(ctx, accountID)
		if apperr.Has(err, apperr.NotFound) || (err == nil && !a.Active()) {
			return errNotAuthenticated
		}
		if err != nil {
			return fmt.Errorf("read account: %w", err)
		}
		out = a
		if a.Locale == locale {
			return nil
		}
		if err := tx.SetAccountLocale(ctx, a.ID, locale); err != nil {
			return err
		}
		out.Locale = locale
		return tx.AppendAudit(ctx, audit.Entry{ActorID: c.AccountID, Action: "account.locale_change", ObjectType: "account", ObjectID: a.ID,
			IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"before": a.Locale, "after": locale}})
	})
	if err != nil {
		return Account{}, err
	}
	return out, nil
}
