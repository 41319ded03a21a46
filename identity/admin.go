package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/ids"
	"cityhub/wallet"
)

// A city administrator manages accounts: finds them, reads one with its
// grants, changes its grants, disables or re-enables it (SetDisabled) and
// clears the login limits that hold it back. Every change is audited in
// the transaction that makes it. Nobody else may do any of it.

// AccountState is where an account stands, as an administrator filters by.
type AccountState string

const (
	// StateActive: the account may log in.
	StateActive AccountState = "active"
	// StateUnverified: the address was never proved and no SPID/CIE
	// identity vouches for the account, so no password login works and the
	// purge erases it after a while (purge.go).
	StateUnverified AccountState = "unverified"
	// StateDisabled: an administrator disabled it.
	StateDisabled AccountState = "disabled"
	// StateErased: the person's data was erased; only the id remains.
	StateErased AccountState = "erased"
)

// AccountStates lists every state, in the order a filter offers them.
var AccountStates = []AccountState{StateActive, StateUnverified, StateDisabled, StateErased}

// State says where the account stands. An erased account is erased however
// it stood before; a disabled one is disabled whether or not its address
// was proved.
func (a Account) State() AccountState {
	switch {
	case !a.DeletedAt.IsZero():
		return StateErased
	case a.Disabled:
		return StateDisabled
	case !a.Verified() && a.FiscalCode == "":
		return StateUnverified
	}
	return StateActive
}

// Paging of the administrator's account list.
const (
	DefaultAccountPage = 25
	MaxAccountPage     = 100
	// MaxAccountSearchLen bounds the searched text.
	MaxAccountSearchLen = 100
)

// AccountQuery is what an administrator looks accounts up by; zero fields
// match every account.
type AccountQuery struct {
	// Text is part of the e-mail address or of the name (any case), or a
	// whole account id or fiscal code.
	Text string
	// Role keeps the accounts holding it; Scope, with a scoped role, only
	// those holding it there (one shop's staff).
	Role  Role
	Scope string
	State AccountState
	// Cursor is the previous page's Next.
	Cursor string
	// Limit is the page size, 1 to MaxAccountPage; 0 means DefaultAccountPage.
	Limit int
}

// errBadAccountCursor refuses a cursor the account list never gave.
var errBadAccountCursor = apperr.R(apperr.Invalid, "bad_cursor", "This cursor was not given by the account list.")

// AccountFilter is an AccountQuery as the store runs it: Text lower-cased,
// FiscalCode the text as a normalised fiscal code ("" when it is none),
// newest first, after the account After (an id; "" from the newest), at
// most Limit.
type AccountFilter struct {
	Text       string
	FiscalCode string
	Role       Role
	Scope      string
	State      AccountState
	After      string
	Limit      int
}

// AccountRow is an account in an administrator's list, with its state.
type AccountRow struct {
	Account
	State AccountState `json:"state"`
}

// AccountPage is one page of the administrator's account list, newest
// first.
type AccountPage struct {
	Accounts []AccountRow `json:"accounts"`
	// Next is the cursor of the following (older) page; "" on the last.
	Next string `json:"next_cursor,omitempty"`
}

// AccountReview is one account as its administrator's page shows it.
type AccountReview struct {
	AccountRow
	// FailedLogins counts the failed logins held against the account's
	// address within the login window, from any network: what
	// ClearAccountLoginLimits would forget.
	FailedLogins int `json:"failed_logins"`
}

func requireAdmin(c Caller, what string) error {
	if !c.Has(RoleAdmin) {
		return apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator can %s.", what)
	}
	return nil
}

// ErrNoAccount is the refusal of an account that does not exist, or that
// the caller may not know exists: the API and the pages answer both alike.
var ErrNoAccount = apperr.R(apperr.NotFound, "account_not_found", "No such account.")

// SearchAccounts lists accounts for a city administrator, newest first, a
// page at a time. Forbidden unless admin holds city_admin; Invalid for an
// unknown role or state, a scope without a scoped role, a text too long,
// a limit outside 1..MaxAccountPage, and (reason bad_cursor) a cursor that
// is no account id, so no page's Next.
func (s *Service) SearchAccounts(ctx context.Context, admin Caller, q AccountQuery) (AccountPage, error) {
	if err := requireAdmin(admin, "list accounts"); err != nil {
		return AccountPage{}, err
	}
	f, err := q.filter()
	if err != nil {
		return AccountPage{}, err
	}
	var rows []Account
	err = s.store.View(ctx, func(tx Tx) error {
		// The page follows its cursor's row: a cursor of an id's shape
		// that names no account would read as an empty last page.
		if f.After != "" {
			if _, err := tx.AccountByID(ctx, f.After); apperr.Has(err, apperr.NotFound) {
				return errBadAccountCursor
			} else if err != nil {
				return err
			}
		}
		var err error
		rows, err = tx.SearchAccounts(ctx, f)
		return err
	})
	if err != nil {
		return AccountPage{}, fmt.Errorf("search accounts: %w", err)
	}
	// One row more than the page says whether another page follows.
	p := AccountPage{Accounts: make([]AccountRow, 0, min(len(rows), f.Limit-1))}
	if len(rows) == f.Limit {
		rows = rows[:f.Limit-1]
		p.Next = rows[len(rows)-1].ID
	}
	for _, a := range rows {
		p.Accounts = append(p.Accounts, reviewRow(a))
	}
	return p, nil
}

// filter checks q and turns it into the store's filter, asking one row
// more than the page.
func (q AccountQuery) filter() (AccountFilter, error) {
	text := strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(text) > MaxAccountSearchLen || !utf8.ValidString(text) {
		return AccountFilter{}, apperr.R(apperr.Invalid, "bad_search", "The search text must be at most %d characters.", MaxAccountSearchLen)
	}
	if q.Role != "" && !slices.Contains(Roles, q.Role) {
		return AccountFilter{}, apperr.R(apperr.Invalid, "bad_role", "Unknown role %q.", q.Role)
	}
	q.Scope = strings.TrimSpace(q.Scope)
	if q.Scope != "" && !scopedRole(q.Role) {
		return AccountFilter{}, apperr.R(apperr.Invalid, "bad_scope", "A scope narrows a shop, venue or office role only.")
	}
	if q.State != "" && !slices.Contains(AccountStates, q.State) {
		return AccountFilter{}, apperr.R(apperr.Invalid, "bad_state", "Unknown account state %q.", q.State)
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultAccountPage
	}
	if limit < 1 || limit > MaxAccountPage {
		return AccountFilter{}, apperr.R(apperr.Invalid, "bad_limit", "The page size must be 1 to %d.", MaxAccountPage)
	}
	after := strings.TrimSpace(q.Cursor)
	if after != "" && !ids.Is("acc", after) {
		return AccountFilter{}, errBadAccountCursor
	}
	f := AccountFilter{Text: strings.ToLower(text), Role: q.Role, Scope: q.Scope, State: q.State, After: after, Limit: limit + 1}
	if code, err := NormalizeFiscalCode(text); err == nil {
		f.FiscalCode = code
	}
	return f, nil
}

// reviewRow is a as an administrator sees it: with its state, without its
// password hash, which no page or answer needs.
func reviewRow(a Account) AccountRow {
	a.PasswordHash = ""
	return AccountRow{Account: a, State: a.State()}
}

func scopedRole(r Role) bool { return r == RoleMerchant || r == RoleDoor || r == RoleCityStaff }

// ReviewAccount reads one account for a city administrator: its grants,
// its state and the failed logins held against it. Forbidden unless admin
// holds city_admin; NotFound if there is no such account.
func (s *Service) ReviewAccount(ctx context.Context, admin Caller, id string) (AccountReview, error) {
	if err := requireAdmin(admin, "read accounts"); err != nil {
		return AccountReview{}, err
	}
	var r AccountReview
	err := s.store.View(ctx, func(tx Tx) error {
		a, err := tx.AccountByID(ctx, id)
		if apperr.Has(err, apperr.NotFound) {
			return ErrNoAccount
		}
		if err != nil {
			return fmt.Errorf("read account: %w", err)
		}
		r.AccountRow = reviewRow(a)
		if !a.DeletedAt.IsZero() {
			return nil // an erased address is a placeholder nobody logs in with
		}
		r.FailedLogins, err = tx.CountLoginAttempts(ctx, accountSubject(NormalizeEmail(a.Email))+"*", s.loginWindowStart())
		if err != nil {
			return fmt.Errorf("count failed logins: %w", err)
		}
		return nil
	})
	return r, err
}

// SetGrants replaces an account's grants (its roles, with their shop, venue
// or office) and records the change, with the grants before and after, in
// the audit log. A grant of citizen opens the person's wallet if they had
// none; taking it away leaves the wallet and its history. The new grants
// hold from the account's next request, since every request reads them.
//
// Forbidden unless admin holds city_admin, and (reason own_admin) when an
// administrator would take city_admin from themself: the city keeps at
// least the administrator acting, and Conflict (reason last_admin) when the
// account is the city's last active administrator (another administrator
// took the acting one's role meanwhile). Invalid (reason bad_grant) for no grant
// or a bad one, (reason unknown_scope) for a new grant whose shop, venue or
// office does not exist; NotFound for a missing or erased account.
func (s *Service) SetGrants(ctx context.Context, admin Caller, accountID string, grants []Grant) (Account, error) {
	if err := requireAdmin(admin, "change roles"); err != nil {
		return Account{}, err
	}
	if len(grants) == 0 {
		return Account{}, apperr.R(apperr.Invalid, "bad_grant", "An account needs at least one role.")
	}
	if err := ValidateGrants(grants); err != nil {
		return Account{}, err
	}
	if accountID == admin.AccountID && !slices.ContainsFunc(grants, func(g Grant) bool { return g.Role == RoleAdmin }) {
		return Account{}, apperr.R(apperr.Forbidden, "own_admin", "You cannot take the administrator role from your own account.")
	}
	grants = sortedGrants(grants)
	// The new grants' scopes are looked up before the transaction, so that
	// no other domain's read waits while the account is locked.
	held, err := s.heldGrants(ctx, accountID)
	if err != nil {
		return Account{}, err
	}
	if err := s.checkScopes(ctx, grants, held); err != nil {
		return Account{}, err
	}
	keepsAdmin := slices.ContainsFunc(grants, func(g Grant) bool { return g.Role == RoleAdmin })
	var a Account
	err = s.store.InTx(ctx, func(tx Tx) error {
		if !keepsAdmin {
			if err := KeepAnAdministrator(ctx, tx, accountID); err != nil {
				return err
			}
		}
		// Locked, so that two changes at once apply one after the other,
		// each audited with the grants it replaced, and no change lands on
		// an account being erased.
		var err error
		a, err = tx.LockAccount(ctx, accountID)
		if apperr.Has(err, apperr.NotFound) || err == nil && !a.DeletedAt.IsZero() {
			return ErrNoAccount
		}
		if err != nil {
			return fmt.Errorf("read account: %w", err)
		}
		before := sortedGrants(a.Grants)
		if slices.Equal(before, grants) {
			return nil // nothing changes, so nothing to record
		}
		if !slices.Equal(before, held) {
			// Another change came between the check and the lock and may
			// have taken away a grant whose scope was not checked, being
			// held: check again against what is held now.
			if err := s.checkScopes(ctx, grants, before); err != nil {
				return err
			}
		}
		if err := tx.SetAccountGrants(ctx, accountID, grants); err != nil {
			return fmt.Errorf("set grants: %w", err)
		}
		if slices.ContainsFunc(grants, func(g Grant) bool { return g.Role == RoleCitizen }) {
			if err := wallet.OpenCitizen(ctx, tx, accountID); err != nil {
				return fmt.Errorf("open wallet: %w", err)
			}
		}
		a.Grants = grants
		return tx.AppendAudit(ctx, audit.Entry{ActorID: admin.AccountID, Action: "account.grants", ObjectType: "account", ObjectID: accountID,
			IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"before": grantNames(before), "after": grantNames(grants)}})
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// heldGrants reads the grants of an account that may be given grants, in
// sortedGrants order. NotFound for a missing or erased account.
func (s *Service) heldGrants(ctx context.Context, accountID string) ([]Grant, error) {
	var a Account
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		a, err = tx.AccountByID(ctx, accountID)
		return err
	})
	if apperr.Has(err, apperr.NotFound) || err == nil && !a.DeletedAt.IsZero() {
		return nil, ErrNoAccount
	}
	if err != nil {
		return nil, fmt.Errorf("read account: %w", err)
	}
	return sortedGrants(a.Grants), nil
}

// sortedGrants orders grants as the stores list them (by role, then scope).
func sortedGrants(gs []Grant) []Grant {
	out := slices.Clone(gs)
	slices.SortFunc(out, func(a, b Grant) int {
		if c := strings.Compare(string(a.Role), string(b.Role)); c != 0 {
			return c
		}
		return strings.Compare(a.Scope, b.Scope)
	})
	if out == nil {
		out = []Grant{}
	}
	return out
}

// grantNames writes grants as the audit log keeps them: role:scope.
func grantNames(gs []Grant) []any {
	out := make([]any, 0, len(gs))
	for _, g := range gs {
		out = append(out, string(g.Role)+":"+g.Scope)
	}
	return out
}

// ClearAccountLoginLimits lets a city administrator forget the failed
// logins held against an account's address, from every network, so that
// a person locked out after too many tries logs in at once. It says how
// many counters it emptied (not attempts), and records that in the audit log. Forbidden
// unless admin holds city_admin; NotFound for a missing or erased account.
func (s *Service) ClearAccountLoginLimits(ctx context.Context, admin Caller, accountID string) (int, error) {
	if err := requireAdmin(admin, "clear login limits"); err != nil {
		return 0, err
	}
	var a Account
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		a, err = tx.AccountByID(ctx, accountID)
		return err
	})
	if apperr.Has(err, apperr.NotFound) || err == nil && !a.DeletedAt.IsZero() {
		return 0, ErrNoAccount
	}
	if err != nil {
		return 0, fmt.Errorf("read account: %w", err)
	}
	return s.clearLoginLimits(ctx, admin.AccountID, "account", a.ID, a.Email, "")
}

// loginWindowStart is when the failed logins that still count began.
func (s *Service) loginWindowStart() time.Time { return s.now().Add(-s.opt.Limits.Window) }

// errLastAdmin refuses a change that would leave the city with no one to
// run it: no one else could give the role back.
var errLastAdmin = apperr.R(apperr.Conflict, "last_admin",
	"The city needs at least one administrator: give the administrator role to another account first.")

// KeepAnAdministrator refuses (Conflict, reason last_admin) a change by
// which leaving stops being an active administrator (its role taken, the
// account disabled or erased) when it is the city's last. It holds every
// active administrator's account until tx ends, so that two such changes
// at once (two administrators taking the role from each other, or each
// erasing their own account) apply one after the other, and the second is
// judged on what the first left. Call it before taking any other lock on
// an account, so that every change takes them in the same order.
func KeepAnAdministrator(ctx context.Context, tx Tx, leaving string) error {
	admins, err := tx.LockAdministrators(ctx)
	if err != nil {
		return fmt.Errorf("lock administrators: %w", err)
	}
	if slices.Contains(admins, leaving) && len(admins) == 1 {
		return errLastAdmin
	}
	return nil
}
