package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/ids"
	"cityhub/plaintext"
	"cityhub/wallet"
)

// Logins through the city's SPID/CIE gateway (OpenID Connect, package
// oidclogin): the provider vouches for a person's fiscal code, which keys
// the account. The first login makes a citizen account from the claims;
// later ones find it by the fiscal code.
//
// An account made with e-mail and password is never joined to a fiscal
// code by the e-mail claim alone (the claim is what the provider was told,
// and whoever controls it would take the account over): the person logs in
// with the password, then completes a SPID/CIE login, and LinkFiscalCode
// joins the two. Until then a SPID/CIE login whose e-mail claim names an
// existing account is refused with reason link_required, which tells the
// SPID/CIE user (and nobody else) how to link. An account that never
// proved its address (a sign-up whose link was never followed) does not
// hold it against a login whose provider vouches for it: the address goes
// to the SPID/CIE account (reclaimAddress), or anyone could keep a person
// from their first SPID/CIE login by signing up with their address.

// ExternalIdentity is what the provider asserted, from a verified ID token
// (and the userinfo endpoint).
type ExternalIdentity struct {
	// FiscalCode as the provider sent it ("TINIT-..." for SPID); normalised
	// here.
	FiscalCode    string
	GivenName     string
	FamilyName    string
	Email         string
	EmailVerified bool
	// Issuer and Subject name the login for the audit log.
	Issuer  string
	Subject string
}

var (
	errLinkRequired = apperr.R(apperr.Conflict, "link_required",
		"An account with your e-mail address already exists. Log in with its password, then connect SPID/CIE from your profile.")
	errFiscalCodeTaken = apperr.R(apperr.Conflict, "fiscal_code_taken", "This SPID/CIE identity already belongs to another account.")
	errOtherFiscalCode = apperr.R(apperr.Conflict, "other_fiscal_code", "Your account is already connected to another SPID/CIE identity.")
)

// noPassword is stored for accounts made by a SPID/CIE login: not a hash,
// so no password logs in until the person sets one by a reset.
const noPassword = "!external"

// ExternalAccount returns the account of the identity's fiscal code,
// making a citizen account (with its wallet) on the first login; created
// says which. An e-mail claim the provider vouches for (email_verified)
// becomes the account's address, verified; one it does not vouch for is
// only proposed: the account gets a placeholder address and the claimed
// one a link to confirm it, as a change of address would (whoever set the
// claim could otherwise hold another person's address for good: its owner
// could neither sign up with it nor reset a password through it). As for
// any change of address, the link works only for this account signed in
// (ConfirmEmail): the mailbox may be another person's, and confirmed by
// them it would take a reset link, a password to this account. Without
// a usable e-mail claim the account gets a placeholder address and sends
// no e-mail until the person changes it.
// A vouched-for address that an account never proved (never verified,
// no fiscal code) is taken from it, which gets a placeholder address and
// keeps all else (settleAddress, reclaimAddress).
// Invalid (reason bad_fiscal_code) for a missing or malformed fiscal code;
// Conflict (reason link_required) when the e-mail claim names another
// account with a password that proved the address (its owner links the
// two with it); an address another SPID/CIE account holds leaves this one
// with a placeholder; Unauthenticated for a disabled account.
func (s *Service) ExternalAccount(ctx context.Context, ext ExternalIdentity) (Account, bool, error) {
	code, err := NormalizeFiscalCode(ext.FiscalCode)
	if err != nil {
		return Account{}, false, err
	}
	a, err := s.accountByFiscalCode(ctx, code)
	if err == nil || !apperr.Has(err, apperr.NotFound) {
		return a, false, err
	}
	now := s.now()
	a = Account{ID: ids.New("acc"), Name: externalName(ext), Locale: Locales[0], Grants: []Grant{{Role: RoleCitizen}},
		PasswordHash: noPassword, CreatedAt: now, FiscalCode: code}
	a.Email = strings.TrimSpace(ext.Email)
	proposed := ""
	switch {
	case ValidateEmail(a.Email) != nil:
		a.Email = a.ID + PlaceholderEmailDomain
	case !ext.EmailVerified:
		proposed, a.Email = a.Email, a.ID+PlaceholderEmailDomain
	default:
		a.EmailVerifiedAt = now
	}
	var found bool
	err = s.store.InTx(ctx, func(tx Tx) error {
		// A concurrent first login of the same person may have made it
		// since the read above.
		if prev, err := tx.AccountByFiscalCode(ctx, code); err == nil {
			a, found = prev, true
			return nil
		} else if !apperr.Has(err, apperr.NotFound) {
			return fmt.Errorf("read account: %w", err)
		}
		prev, err := settleAddress(ctx, tx, &a, code, ext.Issuer)
		if err != nil {
			return err
		}
		if prev.ID != "" {
			a, found = prev, true
			return nil
		}
		if err := tx.InsertAccount(ctx, a); err != nil {
			return err
		}
		if err := wallet.OpenCitizen(ctx, tx, a.ID); err != nil {
			return fmt.Errorf("open wallet: %w", err)
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.register_external", ObjectType: "account", ObjectID: a.ID,
			IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"issuer": ext.Issuer}})
	})
	if apperr.Has(err, apperr.Conflict) && !errors.Is(err, errLinkRequired) {
		// A concurrent first login of the same person made it first.
		a, err = s.accountByFiscalCode(ctx, code)
		return a, false, err
	}
	if err != nil {
		return Account{}, false, err
	}
	if found {
		if !a.Active() {
			return Account{}, false, errNotAuthenticated
		}
		return a, false, nil
	}
	if proposed != "" && s.opt.Mail != nil {
		// The account is made; a link that does not leave only delays the
		// address, which the person may also add from the account page.
		if err := s.sendEmailChange(ctx, a, proposed, audit.OriginFrom(ctx).IP); err != nil {
			s.log.WarnContext(ctx, "propose the e-mail address of a SPID/CIE login", slog.String("account", a.ID), slog.Any("error", err))
		}
	}
	return a, true, nil
}

// settleAddress decides the address of a, the account a first SPID/CIE
// login is making for the fiscal code code, by which account has it now:
//   - none: a keeps it;
//   - code's own, made by a concurrent first login of the same person:
//     returned, to be used instead of a;
//   - one that never proved it, when the provider vouched for it: the
//     address is taken from that account for a (reclaimAddress);
//   - another with a password: errLinkRequired;
//   - another SPID/CIE account (a family's shared address), which has no
//     password to link with: a gets a placeholder.
//
// An address the provider did not vouch for is a placeholder already,
// which no account has.
func settleAddress(ctx context.Context, tx Tx, a *Account, code, issuer string) (Account, error) {
	emailNorm := NormalizeEmail(a.Email)
	// The address moves only by a change that commits while this waits
	// for its account's lock (below); looked up again, it has settled.
	for range 3 {
		other, err := tx.AccountByEmail(ctx, emailNorm)
		if apperr.Has(err, apperr.NotFound) {
			return Account{}, nil
		}
		if err != nil {
			return Account{}, fmt.Errorf("read account: %w", err)
		}
		if other.FiscalCode == code {
			return other, nil
		}
		if a.Verified() && neverProved(other) {
			// Locked and read again: its owner may be following its
			// verification or reset link right now. ConfirmEmail and
			// ResetPassword lock the account too, so either they came
			// first and the address is proved now (and the SPID/CIE
			// person links with the password as for any account), or
			// they wait and find the address gone.
			if other, err = tx.LockAccount(ctx, other.ID); err != nil {
				return Account{}, fmt.Errorf("lock account: %w", err)
			}
			if NormalizeEmail(other.Email) != emailNorm {
				// It left while this waited: a concurrent first login
				// took it, or the purge erased the account.
				continue
			}
			if neverProved(other) {
				return Account{}, reclaimAddress(ctx, tx, other, a.ID, issuer)
			}
		}
		if other.PasswordHash != noPassword {
			return Account{}, errLinkRequired
		}
		a.Email, a.EmailVerifiedAt = a.ID+PlaceholderEmailDomain, time.Time{}
		return Account{}, nil
	}
	return Account{}, fmt.Errorf("settle the address of a SPID/CIE login: it kept changing accounts")
}

// neverProved reports whether a has an address it never proved and no
// SPID/CIE identity (StateUnverified, or disabled while so): a sign-up
// whose link was never followed. Such an account cannot log in, and
// holds the address only until the purge erases it.
func neverProved(a Account) bool {
	return a.DeletedAt.IsZero() && !a.Verified() && a.FiscalCode == ""
}

// reclaimAddress takes the address of prev, an account that never proved
// it (neverProved, locked), for the account by that a first SPID/CIE
// login is making, whose provider vouched for it. Otherwise anyone could
// sign up with a person's address, never confirm it, and keep that person
// from their first SPID/CIE login (refused with link_required, for a
// password they do not know) until the purge. The account is not erased:
// all it holds stays with it (its wallet and what money may have been
// moved for it, its grants) and only the address goes, replaced by a
// placeholder that reaches no one. Its links sent to the address stop
// working (ConfirmEmail and ResetPassword check that the account still
// has the address a link went to), nobody can log in to it, and the
// purge erases it in time as any account never verified (and keeps it,
// as any, if money was moved for it).
func reclaimAddress(ctx context.Context, tx Tx, prev Account, by, issuer string) error {
	if err := tx.SetEmail(ctx, prev.ID, prev.ID+PlaceholderEmailDomain, time.Time{}); err != nil {
		return fmt.Errorf("take the address of an unverified account: %w", err)
	}
	return tx.AppendAudit(ctx, audit.Entry{ActorID: by, Action: "account.email_reclaimed", ObjectType: "account", ObjectID: prev.ID,
		IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"issuer": issuer}})
}

// PlaceholderEmailDomain ends the address of an account made without a
// usable e-mail claim, or of one whose unproved address a SPID/CIE login
// took (reclaimAddress); nothing is ever delivered there.
const PlaceholderEmailDomain = "@spid.invalid"

func (s *Service) accountByFiscalCode(ctx context.Context, code string) (Account, error) {
	var a Account
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		a, err = tx.AccountByFiscalCode(ctx, code)
		return err
	})
	if err != nil {
		return Account{}, err
	}
	if !a.Active() {
		return Account{}, errNotAuthenticated
	}
	return a, nil
}

func externalName(ext ExternalIdentity) string {
	name := ext.GivenName + " " + ext.FamilyName
	if !utf8.ValidString(name) {
		return ""
	}
	// The provider's claims are its to check, not ours to trust: a control
	// character would stop every e-mail to the person (plaintext).
	// Invisible characters (a bidirectional override, a zero-width space)
	// no name may hold go first, so that one between two spaces leaves
	// one: they are nothing a person's name is read by.
	name = strings.Map(func(r rune) rune {
		if plaintext.Invisible(r) {
			return -1
		}
		return r
	}, name)
	name = strings.Join(strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || plaintext.Breaks(r) }), " ")
	if utf8.RuneCountInString(name) > MaxNameLen {
		name = string([]rune(name)[:MaxNameLen])
	}
	return name
}

// StartExternalSession opens a page session for the identity's account
// (ExternalAccount, made on the first login). Errors as ExternalAccount.
func (s *Service) StartExternalSession(ctx context.Context, ext ExternalIdentity) (token string, c Caller, created bool, err error) {
	a, created, err := s.ExternalAccount(ctx, ext)
	if err != nil {
		return "", Caller{}, false, err
	}
	if err := s.auditExternalLogin(ctx, a, ext); err != nil {
		return "", Caller{}, false, err
	}
	token, c, err = s.openSession(ctx, a)
	return token, c, created, err
}

// ExternalLogin starts a token family for the identity's account, as Login
// does for a password. Errors as ExternalAccount.
func (s *Service) ExternalLogin(ctx context.Context, ext ExternalIdentity) (Tokens, bool, error) {
	a, created, err := s.ExternalAccount(ctx, ext)
	if err != nil {
		return Tokens{}, false, err
	}
	if err := s.auditExternalLogin(ctx, a, ext); err != nil {
		return Tokens{}, false, err
	}
	now := s.now()
	refresh := newRefreshToken(a, "", now, s.opt.RefreshTTL)
	if err := s.store.InTx(ctx, func(tx Tx) error { return tx.InsertRefreshToken(ctx, refresh.RefreshToken) }); err != nil {
		return Tokens{}, false, fmt.Errorf("store refresh token: %w", err)
	}
	t, err := s.issue(a, refresh.secret, now)
	return t, created, err
}

func (s *Service) auditExternalLogin(ctx context.Context, a Account, ext ExternalIdentity) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.login_external", ObjectType: "account", ObjectID: a.ID,
			IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"issuer": ext.Issuer}})
	})
}

// LinkFiscalCode joins the caller's account to the identity's fiscal code,
// ext, a SPID/CIE login completed just now, once password proves the
// account's own password: the person proved both. A session alone is not
// enough: a stranger at a computer left signed in could otherwise link
// their own SPID/CIE identity and keep coming back through it after the
// owner changed the password. Linking the code the account already has is
// not an error. Invalid (reason bad_fiscal_code; reason wrong_password);
// RateLimited as a login; Conflict (reason fiscal_code_taken) when another
// account has the code, (reason other_fiscal_code) when the caller's
// account has another; Unauthenticated for an account no longer active.
func (s *Service) LinkFiscalCode(ctx context.Context, c Caller, password, ip string, ext ExternalIdentity) (Account, error) {
	code, err := NormalizeFiscalCode(ext.FiscalCode)
	if err != nil {
		return Account{}, err
	}
	if _, err := s.checkCurrentPassword(ctx, c, password, ip); err != nil {
		return Account{}, err
	}
	var a Account
	err = s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if a, err = activeAccount(ctx, tx, c.AccountID); err != nil {
			return err
		}
		if a.FiscalCode == code {
			return nil
		}
		if a.FiscalCode != "" {
			return errOtherFiscalCode
		}
		if err := tx.SetFiscalCode(ctx, a.ID, code); err != nil {
			if apperr.Has(err, apperr.Conflict) {
				return errFiscalCodeTaken
			}
			return err
		}
		a.FiscalCode = code
		return tx.AppendAudit(ctx, audit.Entry{ActorID: a.ID, Action: "account.link_external", ObjectType: "account", ObjectID: a.ID,
			IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"issuer": ext.Issuer}})
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}
