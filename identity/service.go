package identity

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/groupcommit"
	"cityhub/ids"
	"cityhub/mail"
	"cityhub/wallet"
)

// Keys is what identity needs from the hub's keyring: the current access
// signing key and the public keys by id with their purpose.
type Keys interface {
	Signer(purpose string) (kid string, key ed25519.PrivateKey)
	PublicKey(kid string) (pub ed25519.PublicKey, purpose string, ok bool)
}

// AccessPurpose is the key purpose of access tokens; a key of another purpose
// (QR codes) never verifies one.
const AccessPurpose = "access"

// Audience is the aud claim of every access token the hub issues.
const Audience = "cityhub"

// Options tune the service; zero fields take the defaults.
type Options struct {
	// Issuer is the iss claim: the hub's public URL.
	Issuer     string
	AccessTTL  time.Duration // default 15m
	RefreshTTL time.Duration // default 30 days
	// SessionIdle and SessionMax bound a page session: it ends after
	// SessionIdle without use, and SessionMax after it began, whichever first.
	SessionIdle time.Duration // default 2h
	SessionMax  time.Duration // default 12h
	Argon2      Argon2Params  // default DefaultArgon2
	Limits      LoginLimits
	// Mail composes the account e-mails (verification, password reset,
	// change of address); the flows that send one fail with Internal
	// without it.
	Mail *mail.Composer
	// VerifyTTL, ResetTTL and EmailChangeTTL bound how long an e-mailed
	// link works: defaults 48h, 1h and 24h.
	VerifyTTL, ResetTTL, EmailChangeTTL time.Duration
	// AnswerFloor is the least time the answers that must not tell whether
	// an address has an account take (sign-up, password reset, a new
	// verification link): default 300ms, above what either path costs on a
	// healthy database, so both answer at the floor and timing tells
	// nothing. Negative: no floor (tests that time the paths themselves).
	AnswerFloor time.Duration
	// PasswordChecked, when set, is called after every password check of a
	// login: for metrics, and for tests that count checks under a burst.
	PasswordChecked func()
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// MaxLoginWindow is the longest Window: the stores forget login attempts
// older than a day, so a longer window would count less than it says.
const MaxLoginWindow = 24 * time.Hour

// LoginLimits bound failed logins within Window, in the buckets that
// limits.go describes. The counters live in the database, so they hold
// across hub replicas.
type LoginLimits struct {
	Window time.Duration // default 15m, at most MaxLoginWindow
	// PerAccountIP bounds failures on one email address from one network
	// (an IPv4 address or an IPv6 /64), default 5.
	PerAccountIP int
	// PerAccount bounds failures on one email address from networks not
	// known for its account, default 10.
	PerAccount int
	// PerIP bounds failures from one network on accounts it is not known
	// for, default 100: high, since a school or an office logs in from one
	// address.
	PerIP int
	// KnownFor is how long a successful login makes its network known for
	// the account, default 90 days.
	KnownFor time.Duration
	// SignupsPerIP bounds citizen sign-ups from one client address per
	// hour (default 20): each costs a password hash and a wallet.
	SignupsPerIP int
	// MailsPerAddress bounds the account e-mails (verification, reset,
	// change of address) asked for one address per hour (default 5), so
	// nobody can flood a stranger's inbox; requests beyond it get the
	// usual answer and send nothing.
	MailsPerAddress int
	// MailsPerIP bounds the account e-mails asked from one network per
	// hour (default 30); beyond it the request is refused (RateLimited).
	MailsPerIP int
}

// Service holds the identity rules: sign-up, login, tokens, sessions and the
// data-protection requests.
type Service struct {
	store Store
	keys  Keys
	log   *slog.Logger
	opt   Options
	// hashing bounds concurrent password hashes: each holds Argon2.Memory,
	// and a burst of logins must not exhaust the process.
	hashing chan struct{}
	// dummyHash is checked against when the email is unknown, so a login
	// costs the same whether or not the account exists.
	dummyHash string
	// verified keeps the access tokens already verified (verified.go).
	verified verifiedTokens
	// callerReads groups the account reads of requests (authread.go); nil
	// when the store reads one account at a time.
	callerReads *groupcommit.Group[string, callerRead]
	// scopes tells whether the shops, venues and offices of new grants
	// exist (scopes.go); nil: they are not checked.
	scopes ScopeChecker
}

// NewService returns the identity service.
func NewService(store Store, keys Keys, opt Options, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.AccessTTL <= 0 {
		opt.AccessTTL = 15 * time.Minute
	}
	if opt.RefreshTTL <= 0 {
		opt.RefreshTTL = 30 * 24 * time.Hour
	}
	if opt.SessionIdle <= 0 {
		opt.SessionIdle = 2 * time.Hour
	}
	if opt.SessionMax <= 0 {
		opt.SessionMax = 12 * time.Hour
	}
	if opt.Argon2 == (Argon2Params{}) {
		opt.Argon2 = DefaultArgon2
	}
	if opt.Limits.Window <= 0 {
		opt.Limits.Window = 15 * time.Minute
	}
	if opt.Limits.PerAccountIP <= 0 {
		opt.Limits.PerAccountIP = 5
	}
	if opt.Limits.PerAccount <= 0 {
		opt.Limits.PerAccount = 10
	}
	if opt.Limits.PerIP <= 0 {
		opt.Limits.PerIP = 100
	}
	if opt.Limits.KnownFor <= 0 {
		opt.Limits.KnownFor = 90 * 24 * time.Hour
	}
	if opt.Limits.SignupsPerIP <= 0 {
		opt.Limits.SignupsPerIP = 20
	}
	if opt.Limits.MailsPerAddress <= 0 {
		opt.Limits.MailsPerAddress = 5
	}
	if opt.Limits.MailsPerIP <= 0 {
		opt.Limits.MailsPerIP = 30
	}
	if opt.AnswerFloor == 0 {
		opt.AnswerFloor = 300 * time.Millisecond
	}
	if opt.VerifyTTL <= 0 {
		opt.VerifyTTL = 48 * time.Hour
	}
	if opt.ResetTTL <= 0 {
		opt.ResetTTL = time.Hour
	}
	if opt.EmailChangeTTL <= 0 {
		opt.EmailChangeTTL = 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Service{
		store: store, keys: keys, log: log, opt: opt,
		hashing:   make(chan struct{}, 8),
		dummyHash: HashPassword(ids.Token(16), opt.Argon2),
	}
	if r, ok := store.(AccountsReader); ok {
		s.callerReads = newCallerReads(r)
	}
	return s
}

// now is the service's clock in UTC, to the microsecond both stores keep:
// a time it stamps on a record is the one every later read gives.
func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) hash(password string) string {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	return HashPassword(password, s.opt.Argon2)
}

func (s *Service) check(password, encoded string) bool {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	ok, err := CheckPassword(password, encoded)
	if err != nil && encoded != unusablePassword && encoded != noPassword {
		s.log.Error("stored password hash unreadable", slog.Any("error", err))
	}
	if s.opt.PasswordChecked != nil {
		s.opt.PasswordChecked()
	}
	return ok
}

// Register signs a citizen up and opens their wallet in the same
// transaction, with the address taken as verified. Invalid for bad fields
// (grants may not be chosen), Conflict (reason email_taken) if the email
// already has an account, RateLimited after too many sign-ups from the
// request's address (audit.Origin).
//
// Register answers whether an address has an account and proves no
// address: it is for the hub's own tests and tools. A person signs up
// through SignUp (emailflows.go).
func (s *Service) Register(ctx context.Context, n NewAccount) (Account, error) {
	if len(n.Grants) > 0 {
		return Account{}, apperr.R(apperr.Invalid, "bad_grant", "Roles cannot be chosen at sign-up.")
	}
	n.Grants = []Grant{{Role: RoleCitizen}}
	// Sign-ups are counted in the login attempts table under their own
	// subject, reserved before the account is made like a login attempt,
	// so the limit holds across replicas and under a burst.
	ip := audit.OriginFrom(ctx).IP
	attempt := ids.New("att")
	if ip != "" {
		now := s.now()
		var ok bool
		var freeAt time.Time
		err := s.limitTx(ctx, func(tx Tx) error {
			var err error
			ok, freeAt, err = tx.ReserveLoginAttempt(ctx, attempt, []LoginBucket{{Subject: signupSubject(ip), Limit: s.opt.Limits.SignupsPerIP, Since: now.Add(-time.Hour)}}, now)
			return err
		})
		if err != nil {
			return Account{}, fmt.Errorf("count sign-ups: %w", err)
		}
		if !ok {
			return Account{}, tooMany(errTooManySignups, freeAt.Sub(now))
		}
	}
	a, err := s.create(ctx, "", n, "account.register")
	if err != nil && ip != "" {
		// Only sign-ups that made an account count.
		if rerr := s.limitTx(ctx, func(tx Tx) error { return tx.ReleaseLoginAttempt(ctx, attempt) }); rerr != nil {
			s.log.WarnContext(ctx, "release sign-up attempt", slog.Any("error", rerr))
		}
	}
	return a, err
}

var errTooManySignups = apperr.R(apperr.RateLimited, "too_many_signups", "Too many sign-ups from your network. Please try again later.")

// CreateAccount lets a city administrator create an account with grants
// (staff of a shop or venue, operators, administrators, citizens).
// Forbidden unless admin holds city_admin; Invalid for bad fields or grants
// (reason unknown_scope for a shop, venue or office that does not exist);
// Conflict (reason email_taken) if the email already has an account.
func (s *Service) CreateAccount(ctx context.Context, admin Caller, n NewAccount) (Account, error) {
	if !admin.Has(RoleAdmin) {
		return Account{}, apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator can create accounts.")
	}
	if len(n.Grants) == 0 {
		return Account{}, apperr.R(apperr.Invalid, "bad_grant", "An account needs at least one role.")
	}
	// Validated before the scopes are looked up, so that a malformed
	// grant is told as such; create validates again, which changes nothing.
	if err := n.Validate(); err != nil {
		return Account{}, err
	}
	if err := s.checkScopes(ctx, n.Grants, nil); err != nil {
		return Account{}, err
	}
	return s.create(ctx, admin.AccountID, n, "account.create")
}

func (s *Service) create(ctx context.Context, actorID string, n NewAccount, action string) (Account, error) {
	if err := n.Validate(); err != nil {
		return Account{}, err
	}
	// Accounts made here are vouched for by whoever made them (an
	// administrator, the hub itself), so their address counts as proved.
	now := s.now()
	a := Account{
		ID: ids.New("acc"), Email: n.Email, Name: n.Name, Locale: n.Locale, Grants: n.Grants,
		PasswordHash: s.hash(n.Password), CreatedAt: now, EmailVerifiedAt: now,
	}
	if actorID == "" {
		actorID = a.ID
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertAccount(ctx, a); err != nil {
			if apperr.Has(err, apperr.Conflict) {
				return apperr.R(apperr.Conflict, "email_taken", "An account with this email already exists.")
			}
			return fmt.Errorf("insert account: %w", err)
		}
		if a.Caller().Has(RoleCitizen) {
			if err := wallet.OpenCitizen(ctx, tx, a.ID); err != nil {
				return fmt.Errorf("open wallet: %w", err)
			}
		}
		grants := make([]any, 0, len(a.Grants))
		for _, g := range a.Grants {
			grants = append(grants, string(g.Role)+":"+g.Scope)
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: actorID, Action: action, ObjectType: "account", ObjectID: a.ID,
			IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"grants": grants}})
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// Account returns an account with its grants. NotFound (ErrNoAccount) if
// missing.
func (s *Service) Account(ctx context.Context, id string) (Account, error) {
	var a Account
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		a, err = tx.AccountByID(ctx, id)
		if apperr.Has(err, apperr.NotFound) {
			return ErrNoAccount
		}
		return err
	})
	return a, err
}

// AccountByEmail returns the account with that email (any capitalisation).
// NotFound if missing.
func (s *Service) AccountByEmail(ctx context.Context, email string) (Account, error) {
	var a Account
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		a, err = tx.AccountByEmail(ctx, NormalizeEmail(email))
		return err
	})
	return a, err
}

// CountAccounts counts accounts, deleted ones included.
func (s *Service) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		n, err = tx.CountAccounts(ctx)
		return err
	})
	return n, err
}

// activeAccount reads an account that may still act: NotFound for a missing
// one becomes Unauthenticated, as do disabled and deleted accounts.
func activeAccount(ctx context.Context, tx Tx, id string) (Account, error) {
	a, err := tx.AccountByID(ctx, id)
	if apperr.Has(err, apperr.NotFound) {
		return Account{}, errNotAuthenticated
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account: %w", err)
	}
	if !a.Active() {
		return Account{}, errNotAuthenticated
	}
	return a, nil
}

// errNotAuthenticated is a token or session of an account that is no
// longer active (disabled, erased): the token no longer names a caller.
var errNotAuthenticated = apperr.R(apperr.Unauthenticated, "account_inactive", "This account is no longer active (disabled or erased).")

// EnsureAccount creates the account unless its email already has one, which
// is then returned unchanged (created is false). It checks no caller: it is
// for the hub itself (demo data, the first administrator), never for a
// request. Invalid for bad fields or grants.
func (s *Service) EnsureAccount(ctx context.Context, n NewAccount) (a Account, created bool, err error) {
	if len(n.Grants) == 0 {
		return Account{}, false, apperr.R(apperr.Invalid, "bad_grant", "An account needs at least one role.")
	}
	a, err = s.AccountByEmail(ctx, n.Email)
	if err == nil {
		return a, false, nil
	}
	if !apperr.Has(err, apperr.NotFound) {
		return Account{}, false, err
	}
	a, err = s.create(ctx, "system", n, "account.seed")
	if apperr.Has(err, apperr.Conflict) {
		// Another hub seeded it first.
		a, err = s.AccountByEmail(ctx, n.Email)
		return a, false, err
	}
	return a, err == nil, err
}

// SetDisabled disables an account (staff who left a shop, an abused
// account) or enables it again. Disabling revokes its refresh tokens and
// sessions at once, and its access tokens stop working on their next use,
// since every request reads the account. None of them works again once
// the account is enabled: disabling raises the account's token
// generation, and every credential issued before is of an older one, even
// one that a login racing the disable issued after the revocation.
// Forbidden unless admin holds city_admin, and for an administrator's own
// account (no lock-out by mistake); Conflict (reason last_admin) for the
// city's last active administrator (two administrators disabling each
// other at once: the second is refused); NotFound for a missing or deleted
// account.
func (s *Service) SetDisabled(ctx context.Context, admin Caller, accountID string, disabled bool) (Account, error) {
	if !admin.Has(RoleAdmin) {
		return Account{}, apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator can disable accounts.")
	}
	if accountID == admin.AccountID {
		return Account{}, apperr.R(apperr.Forbidden, "own_account", "You cannot disable your own account.")
	}
	now := s.now()
	var a Account
	err := s.store.InTx(ctx, func(tx Tx) error {
		if disabled {
			if err := KeepAnAdministrator(ctx, tx, accountID); err != nil {
				return err
			}
		}
		var err error
		a, err = tx.AccountByID(ctx, accountID)
		if apperr.Has(err, apperr.NotFound) || err == nil && !a.DeletedAt.IsZero() {
			// As the account's other admin routes refuse it (grants).
			return ErrNoAccount
		}
		if err != nil {
			return fmt.Errorf("read account: %w", err)
		}
		if err := tx.SetAccountDisabled(ctx, accountID, disabled); err != nil {
			return err
		}
		a.Disabled = disabled
		if disabled {
			if err := tx.RevokeAccountTokens(ctx, accountID, now); err != nil {
				return fmt.Errorf("revoke tokens: %w", err)
			}
			if err := tx.RaiseTokenGeneration(ctx, accountID); err != nil {
				return fmt.Errorf("raise token generation: %w", err)
			}
			a.TokenGeneration++
		}
		action := "account.enable"
		if disabled {
			action = "account.disable"
		}
		return tx.AppendAudit(ctx, audit.Entry{ActorID: admin.AccountID, Action: action, ObjectType: "account", ObjectID: accountID, IP: audit.OriginFrom(ctx).IP})
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}
