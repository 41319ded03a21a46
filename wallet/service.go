package wallet

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"cityhub/apperr"
	"cityhub/money"
)

// Store is the wallet's view of the database.
type Store interface {
	// InTx runs fn in one database transaction; an error from fn rolls it back.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn for reads, outside a write transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
}

// Service is the wallet's API for the edge (HTTP) and for setup.
type Service struct {
	store Store
	log   *slog.Logger
	clock func() time.Time

	mu          sync.RWMutex
	sources     map[string]ItemSource
	reconcilers map[string]Reconciler

	checks checks
}

// NewService returns a wallet service on store.
func NewService(store Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, log: log, clock: time.Now, sources: map[string]ItemSource{}}
}

// now is the time the service reads and stamps on its records: the
// clock's, in UTC and to the microsecond, as both stores keep it, so that
// the time an answer gives for a record is the one every later read of it
// gives.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// RegisterItems adds the source of one kind of wallet item.
func (s *Service) RegisterItems(kind string, src ItemSource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sources[kind] = src
}

// Setup creates the hub's singleton accounts. It is idempotent.
func (s *Service) Setup(ctx context.Context) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		for _, a := range []Account{
			{ID: CityFunding, Kind: KindCityFunding},
			{ID: StripeClearing, Kind: KindStripeClearing},
			{ID: StripeDisputes, Kind: KindStripeClearing},
			{ID: RevenueBikeshare, Kind: KindRevenue},
			{ID: RevenueTheatre, Kind: KindRevenue},
			{ID: TestPayments, Kind: KindSystem},
		} {
			if err := tx.EnsureAccount(ctx, a); err != nil {
				return fmt.Errorf("create account %s: %w", a.ID, err)
			}
		}
		return nil
	})
}

// OpenCitizen creates a citizen's credit account (floor zero). Idempotent; it
// is meant to run in the transaction that creates the citizen.
func OpenCitizen(ctx context.Context, tx Tx, accountID string) error {
	return tx.EnsureAccount(ctx, Account{ID: CitizenAccount(accountID), Kind: KindCitizenCredit, OwnerID: accountID, Floor: Zero()})
}

// LockCitizen is a citizen's credit account, opened if it was not (a
// citizen from before the ledger), with its exact balance and its row
// locked until tx ends. A domain reads it before it posts to the credit
// when a closed account (Closed: the citizen's account erased,
// CloseCitizen) changes what it does: the city's postings (a late card
// payment, a refund, a dispute) then move the money elsewhere, a person's
// own request is refused. The erasure holds the same lock from the balance
// it settles to its commit, so what was read holds until tx commits.
func LockCitizen(ctx context.Context, tx Tx, accountID string) (Account, error) {
	if err := OpenCitizen(ctx, tx, accountID); err != nil {
		return Account{}, err
	}
	acc, err := tx.LockAccounts(ctx, []AccountID{CitizenAccount(accountID)})
	if err != nil {
		return Account{}, fmt.Errorf("lock the citizen's credit: %w", err)
	}
	return acc[0], nil
}

// CloseCitizen closes a citizen's credit account (creating it closed if
// the citizen never had one), in the transaction that erases the citizen's
// account: from its commit no posting reaches it, so a top-up, a refund or
// a payment racing the erasure either commits first, and the erasure
// (which holds the account's lock from the moment it reads the balance it
// settles) sees it, or finds the account closed and writes nothing. The
// credit must be settled first (cardpay's erasure sends it to the cards
// or the city): Conflict (reason credit_left) while any is left, so that
// no credit is ever closed in. A debt stays on the closed account, for the
// city's books.
func CloseCitizen(ctx context.Context, tx Tx, accountID string, at time.Time) error {
	a, err := tx.CloseAccount(ctx, Account{ID: CitizenAccount(accountID), Kind: KindCitizenCredit, OwnerID: accountID, Floor: Zero()}, at)
	if err != nil {
		return fmt.Errorf("close the credit account: %w", err)
	}
	if a.Balance > 0 {
		return apperr.R(apperr.Conflict, "credit_left", "%s of credit is left on the account: it must go to the cards or the city before the account is erased.", money.Cents(a.Balance))
	}
	return nil
}

// Post posts t in a transaction of its own. The posting rides with the
// transaction's COMMIT where the store can (PostAtCommit): one exchange
// with the database. A posting refused there, or whose key was posted
// already, is then tried again by Post, which tells a retry of a posting
// that went through (its first answer) from a refusal. Elsewhere it is
// Post.
func (s *Service) Post(ctx context.Context, t Transaction) (Transaction, error) {
	var out Transaction
	var queued bool
	try := func(atOnce bool) error {
		return s.store.InTx(ctx, func(tx Tx) error {
			var err error
			out, queued, err = PostOrQueue(ctx, tx, t, s.now(), atOnce)
			return err
		})
	}
	err := try(false)
	if RetryAtOnce(queued, err) {
		err = try(true)
	}
	return out, err
}

// Account returns one account with its balance. NotFound if missing.
func (s *Service) Account(ctx context.Context, id AccountID) (Account, error) {
	var a Account
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		a, err = tx.Account(ctx, id)
		return err
	})
	if apperr.Has(err, apperr.NotFound) {
		return a, apperr.R(apperr.NotFound, "no_ledger_account", "Ledger account %s does not exist.", id)
	}
	return a, err
}

// Verify compares an account's exact balance with the sum of its entries;
// Internal if they differ (a bug: they are written in one transaction).
// NotFound if the account does not exist. Both are read in one statement:
// postings to an account without a floor never lock it, so no lock could
// hold them off between two reads.
func (s *Service) Verify(ctx context.Context, id AccountID) error {
	return s.store.View(ctx, func(tx Tx) error {
		balance, sum, err := tx.BalanceAndEntries(ctx, id)
		if err != nil {
			return err
		}
		if sum != balance {
			return apperr.E(apperr.Internal, "account %s: balance %d, entries sum %d", id, balance, sum)
		}
		return nil
	})
}

// Check runs the ledger's self-check over every account, then every
// registered reconciliation of a domain's records with its accounts. A
// failed check is logged as an error; the result says what was found.
func (s *Service) Check(ctx context.Context) (LedgerCheck, error) {
	var c LedgerCheck
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		c, err = tx.CheckLedger(ctx)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("check ledger: %w", err)
	}
	c.Discrepancies, c.Reconciled, c.Unreconciled = s.reconcile(ctx)
	if !c.OK() {
		s.log.Error("ledger check failed", slog.Int64("balance_sum", c.BalanceSum),
			slog.Int("mismatches", len(c.Mismatches)), slog.Int("unbalanced", len(c.Unbalanced)),
			slog.Int("below_floor", len(c.BelowFloor)), slog.Int("missing_accounts", len(c.MissingAccounts)),
			slog.Int("missing_transactions", len(c.MissingTransactions)), slog.Int("closed_with_credit", len(c.ClosedWithCredit)),
			slog.Int("discrepancies", len(c.Discrepancies)), slog.Any("unreconciled", c.Unreconciled))
	}
	return c, nil
}

// HistoryPage is one page of an account's history.
type HistoryPage struct {
	Lines []HistoryLine `json:"lines"`
	// Next is the cursor for the following (older) page; empty at the end.
	Next string `json:"next_cursor,omitempty"`
}

// MaxPage bounds history pages.
const MaxPage = 100

// History returns a page of an account's entries, newest first. cursor is the
// Next of the previous page, or empty.
func (s *Service) History(ctx context.Context, id AccountID, cursor string, limit int) (HistoryPage, error) {
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	var before int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return HistoryPage{}, apperr.R(apperr.Invalid, "bad_cursor", "The page cursor is not valid.")
		}
		before = n
	}
	var page HistoryPage
	err := s.store.View(ctx, func(tx Tx) error {
		// A cursor is an entry of this account, as its pages give them:
		// another's, or one that never was, would read as a page it is not
		// (empty, or the history from its start).
		if before > 0 {
			if ok, err := tx.HasEntry(ctx, id, before); err != nil {
				return err
			} else if !ok {
				return apperr.R(apperr.Invalid, "bad_cursor", "The page cursor is not one this history gave.")
			}
		}
		lines, err := tx.History(ctx, id, before, limit+1)
		if err != nil {
			return err
		}
		if len(lines) > limit {
			lines = lines[:limit]
			page.Next = strconv.FormatInt(lines[limit-1].EntryID, 10)
		}
		page.Lines = lines
		return nil
	})
	if page.Lines == nil {
		page.Lines = []HistoryLine{}
	}
	return page, err
}

// Items lists everything a citizen holds, newest first, from every
// registered source. A failing source fails the listing: a wallet that
// silently hides a ticket is worse than an error.
func (s *Service) Items(ctx context.Context, accountID string) ([]Item, error) {
	s.mu.RLock()
	kinds := make([]string, 0, len(s.sources))
	for k := range s.sources {
		kinds = append(kinds, k)
	}
	s.mu.RUnlock()
	sort.Strings(kinds)
	out := []Item{}
	for _, k := range kinds {
		s.mu.RLock()
		src := s.sources[k]
		s.mu.RUnlock()
		items, err := src.WalletItems(ctx, accountID)
		if err != nil {
			return nil, fmt.Errorf("list wallet %ss: %w", k, err)
		}
		out = append(out, items...)
	}
	slices.SortStableFunc(out, func(a, b Item) int { return b.At.Compare(a.At) })
	return out, nil
}
