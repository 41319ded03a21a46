// Package wallet is the citizen's wallet and the hub's double-entry ledger.
// Every movement of value is a Transaction of Entries whose amounts sum to zero,
// posted with a unique idempotency key inside the same database transaction as
// the state change it pays for (other domains call Post with their own Tx).
// Balances are the sum of entries. An account with a floor has its cached
// balance updated in the posting's transaction; an account without one has
// its entries rolled up into the cached balance in batches (see Tx). This package never imports another domain:
// vouchers, tickets and rides reach the wallet through ItemSource.
package wallet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/money"
)

// AccountID names a ledger account, e.g. "citizen:acc_x" or "city:funding".
type AccountID string

// AccountKind says what an account is for.
type AccountKind string

const (
	KindCitizenCredit  AccountKind = "citizen_credit"  // a citizen's spendable credit
	KindCampaignBudget AccountKind = "campaign_budget" // money a campaign may still hand out
	KindCampaignHeld   AccountKind = "campaign_held"   // value reserved by claimed vouchers
	KindShopPayable    AccountKind = "shop_payable"    // what the city owes a shop
	KindShopPaid       AccountKind = "shop_paid"       // what the city has paid a shop
	KindCityFunding    AccountKind = "city_funding"    // the city's own money (goes negative as it funds)
	KindStripeClearing AccountKind = "stripe_clearing" // card money in flight
	KindRevenue        AccountKind = "revenue"         // bikeshare, theatre
	KindSystem         AccountKind = "system"          // other internal accounts
)

// Well-known singleton accounts.
const (
	CityFunding    AccountID = "city:funding"
	StripeClearing AccountID = "stripe:clearing"
	// StripeDisputes holds card money under dispute (a chargeback or an
	// inquiry) until the dispute closes: won, it goes back where it came
	// from; lost, it goes back to StripeClearing, as a refund would.
	StripeDisputes   AccountID = "stripe:disputes"
	RevenueBikeshare AccountID = "revenue:bikeshare"
	RevenueTheatre   AccountID = "revenue:theatre"
	// TestPayments is the source of credit bought while CITYHUB_TEST_PAYMENTS
	// is on (demo only); it keeps that money apart from real card money.
	TestPayments AccountID = "test:payments"
)

// CitizenAccount is a citizen's credit account.
func CitizenAccount(accountID string) AccountID { return AccountID("citizen:" + accountID) }

// CampaignBudgetAccount holds a campaign's unclaimed budget.
func CampaignBudgetAccount(campaignID string) AccountID {
	return AccountID("campaign:" + campaignID + ":budget")
}

// CampaignHeldAccount holds the value of a campaign's claimed, unspent vouchers.
func CampaignHeldAccount(campaignID string) AccountID {
	return AccountID("campaign:" + campaignID + ":held")
}

// ShopPayableAccount is what the city owes a shop.
func ShopPayableAccount(shopID string) AccountID { return AccountID("shop:" + shopID + ":payable") }

// ShopPaidAccount is what the city has paid a shop.
func ShopPaidAccount(shopID string) AccountID { return AccountID("shop:" + shopID + ":paid") }

// Account is a ledger account.
type Account struct {
	ID      AccountID   `json:"id"`
	Kind    AccountKind `json:"kind"`
	OwnerID string      `json:"owner_id,omitempty"`
	// Floor is the lowest balance the account may reach; nil means unbounded
	// (funding and clearing accounts). Citizen credit has floor 0.
	Floor     *int64    `json:"floor_cents,omitempty"`
	Balance   int64     `json:"balance_cents"`
	CreatedAt time.Time `json:"created_at"`
	// ClosedAt is when the account was closed (Tx.CloseAccount), nil
	// while it is open. A closed account takes no posting: a citizen's
	// credit is closed by the erasure of the citizen's account, which
	// leaves it nothing, so that nothing can reach it that nobody could
	// spend.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// Closed reports whether the account was closed.
func (a Account) Closed() bool { return a.ClosedAt != nil }

// Zero is a floor of zero: the account may never go negative.
func Zero() *int64 { z := int64(0); return &z }

// Entry moves Amount cents into Account (negative: out of it).
type Entry struct {
	Account AccountID `json:"account"`
	Amount  int64     `json:"amount_cents"`
}

// OverdraftRule is a named, bounded permission for one account of a
// transaction to go below its floor, down to Floor. It is the only way a
// citizen's credit goes negative, and each rule is written down here.
type OverdraftRule struct {
	Name  string `json:"name"`
	Floor int64  `json:"floor_cents"`
}

// RideOverrun lets a ride that outlasts the rider's credit end anyway: the fare
// is charged in full and the credit may fall to -20.00 EUR at most; the rider
// cannot unlock again until the credit is topped back above zero. A fare that
// would go below this bound is refused and must be settled by the operator.
var RideOverrun = OverdraftRule{Name: "ride_overrun", Floor: -2000}

// disputedTopUpName names the DisputedTopUp rule.
const disputedTopUpName = "disputed_topup"

// DisputedTopUp lets a dispute (chargeback) on a card top-up take the
// disputed amount back from the citizen's credit although it was already
// spent: the credit may fall to minus the disputed amount at most, and
// never below -MaxTopUp (a dispute is about one top-up, and no top-up is
// larger). The citizen cannot spend again until the credit is back above
// zero. Any part of a dispute beyond this bound is the city's loss, not the
// citizen's debt (see docs/wallet.md).
func DisputedTopUp(disputedCents int64) OverdraftRule {
	return OverdraftRule{Name: disputedTopUpName, Floor: -disputedCents}
}

// overdraftRules are the only fixed rules a transaction may name. A rule is a
// decision of the city, not of the caller: Validate refuses any other name or
// bound, so no domain can invent a deeper overdraft.
var overdraftRules = []OverdraftRule{RideOverrun}

// allowedOverdraft reports whether r is one of the city's rules: a fixed
// one, or DisputedTopUp within its bound.
func allowedOverdraft(r OverdraftRule) bool {
	if r.Name == disputedTopUpName {
		return r.Floor < 0 && r.Floor >= -MaxTopUp
	}
	return slices.Contains(overdraftRules, r)
}

// Transaction is one balanced movement of value.
type Transaction struct {
	// ID is TransactionIDFor(Key), set by every posting: whatever a caller
	// puts here is replaced.
	ID string `json:"id"`
	// Key is the idempotency key: posting a transaction whose key exists
	// returns the existing one (if it is the same movement) and changes nothing.
	Key     string  `json:"key"`
	Kind    string  `json:"kind"` // e.g. "topup", "voucher.claim", "ride.fare"
	Memo    string  `json:"memo,omitempty"`
	RefType string  `json:"ref_type,omitempty"` // the object it pays for: "voucher", "ride", "order"
	RefID   string  `json:"ref_id,omitempty"`
	Entries []Entry `json:"entries"`
	// Overdraft, when set, names the rule that lets OverdraftAccount go below
	// its floor in this transaction.
	Overdraft        *OverdraftRule `json:"overdraft,omitempty"`
	OverdraftAccount AccountID      `json:"overdraft_account,omitempty"`
	CreatedAt        time.Time      `json:"created_at"`
	// Replayed is true when Post found the key already posted.
	Replayed bool `json:"-"`
}

// MaxAmount bounds a single entry (one million euros) so sums cannot overflow.
const MaxAmount = 100_000_000

// Validate checks the transaction's shape: a key, at least two entries,
// nonzero amounts within bounds, distinct accounts, summing to zero.
func (t Transaction) Validate() error {
	if strings.TrimSpace(t.Key) == "" || len(t.Key) > 200 || !validKeyPrefix(t.Key) {
		return apperr.R(apperr.Invalid, "ledger_key", "A ledger transaction needs an idempotency key of 1 to 200 characters, not starting with ltx_.")
	}
	if t.Kind == "" {
		return apperr.R(apperr.Invalid, "ledger_kind", "A ledger transaction needs a kind.")
	}
	if len(t.Entries) < 2 {
		return apperr.R(apperr.Invalid, "ledger_entries", "A ledger transaction needs at least two entries.")
	}
	var sum int64
	seen := map[AccountID]bool{}
	for _, e := range t.Entries {
		if e.Account == "" {
			return apperr.R(apperr.Invalid, "ledger_entries", "Every entry needs an account.")
		}
		if seen[e.Account] {
			return apperr.R(apperr.Invalid, "ledger_entries", "Account %s appears twice in one transaction.", e.Account)
		}
		seen[e.Account] = true
		if e.Amount == 0 || e.Amount > MaxAmount || e.Amount < -MaxAmount {
			return apperr.R(apperr.Invalid, "ledger_amount", "Entry amounts must be nonzero and at most %d cents.", int64(MaxAmount))
		}
		sum += e.Amount
	}
	if sum != 0 {
		return apperr.R(apperr.Invalid, "ledger_unbalanced", "The entries sum to %d, not zero.", sum)
	}
	if t.Overdraft != nil {
		if !allowedOverdraft(*t.Overdraft) {
			return apperr.R(apperr.Invalid, "ledger_overdraft", "Overdraft rule %q is not one of the city's rules.", t.Overdraft.Name)
		}
		if !seen[t.OverdraftAccount] {
			return apperr.R(apperr.Invalid, "ledger_overdraft", "The overdraft rule names an account that is not in the transaction.")
		}
	}
	return nil
}

// sameMovement reports whether a replayed transaction is the one first
// posted: the same entries under the same overdraft rule, if any, for the
// same account (the account alone means nothing without a rule, and is not
// kept without one).
func sameMovement(a, b Transaction) bool {
	if a.Kind != b.Kind || a.RefType != b.RefType || a.RefID != b.RefID || len(a.Entries) != len(b.Entries) {
		return false
	}
	if (a.Overdraft == nil) != (b.Overdraft == nil) ||
		a.Overdraft != nil && (*a.Overdraft != *b.Overdraft || a.OverdraftAccount != b.OverdraftAccount) {
		return false
	}
	x, y := slices.Clone(a.Entries), slices.Clone(b.Entries)
	cmp := func(p, q Entry) int { return strings.Compare(string(p.Account), string(q.Account)) }
	slices.SortFunc(x, cmp)
	slices.SortFunc(y, cmp)
	return slices.Equal(x, y)
}

// Tx is what the ledger needs from a store transaction. Other domains' Tx
// interfaces embed it, so their state change and its ledger transaction share
// one database transaction.
//
// Balances: an account with a floor is locked by every posting that touches
// it and its cached balance moves in that posting. An account without a
// floor is never locked by a posting: its entries are appended and a roll-up
// adds them to its cached balance later, in batches (RollUp). Every read of a
// balance below is exact: the cached balance plus the entries not yet rolled
// up, read in one statement.
type Tx interface {
	// EnsureAccount creates the account if it does not exist; an existing
	// account is left as it is.
	EnsureAccount(ctx context.Context, a Account) error
	// CloseAccount closes the account at at, creating it closed if it
	// does not exist (a.ID, a.Kind, a.OwnerID and a.Floor then say what it
	// is), and returns it with its exact balance. Its row is locked until
	// the transaction ends, so a posting waits for the close and then
	// finds the account closed. An account closed already stays closed
	// as it was (its ClosedAt is the first close's).
	CloseAccount(ctx context.Context, a Account, at time.Time) (Account, error)
	// LockAccounts returns the accounts with their exact balances, their
	// rows locked until the transaction ends, in the order of ids (which the
	// caller sorts, so that lock order is global and cannot deadlock).
	// NotFound if one is missing. The lock holds off the postings to an
	// account with a floor (they lock it too) and the roll-ups, not the
	// postings to an account without one, which never lock it: such an
	// account's balance and entries may move before the transaction reads
	// them again.
	LockAccounts(ctx context.Context, ids []AccountID) ([]Account, error)
	// PostingAccounts returns the accounts of a posting, in the order of ids
	// (sorted by the caller), each with its ClosedAt. Those with a floor are
	// locked until the transaction ends and carry their balance; the others
	// are not locked and their Balance is not read. A missing account is
	// simply not returned.
	PostingAccounts(ctx context.Context, ids []AccountID) ([]Account, error)
	// Account reads one account without locking it. NotFound if missing.
	Account(ctx context.Context, id AccountID) (Account, error)
	// TransactionByKey returns the posted transaction with that key. NotFound if none.
	TransactionByKey(ctx context.Context, key string) (Transaction, error)
	// InsertTransaction writes the transaction and its entries unless a
	// transaction with its key exists (committed, or committed by a
	// concurrent transaction it waited for): then it writes nothing and
	// reports inserted=false. The entries of the locked accounts (those with
	// a floor) move their cached balances at once; the others are left for
	// the roll-up (an engine whose writers are serial may apply them at once).
	InsertTransaction(ctx context.Context, t Transaction, locked []AccountID) (inserted bool, err error)
	// RollUp adds at most limit pending rows of appended entries (each row
	// one entry, or all the entries of one account in one batch) to their
	// accounts' cached balances and marks them rolled up, in one database
	// transaction of its own making or the caller's, and returns how many
	// rows it rolled up. Two roll-ups never take the same entry: one that
	// finds another running returns 0.
	RollUp(ctx context.Context, limit int) (int, error)
	// History lists an account's entries, newest first, older than the
	// cursor (an entry id; 0 for the newest), at most limit.
	History(ctx context.Context, id AccountID, before int64, limit int) ([]HistoryLine, error)
	// HasEntry reports whether entry is one of the account's entries: a
	// history cursor must be one its pages gave.
	HasEntry(ctx context.Context, id AccountID, entry int64) (bool, error)
	// SumEntries is the sum of an account's entries (the true balance).
	SumEntries(ctx context.Context, id AccountID) (int64, error)
	// BalanceAndEntries is an account's exact balance and the sum of its
	// entries, read in one statement: a posting or a roll-up committing
	// meanwhile is in both figures or in neither, whether or not it locks
	// the account. NotFound if the account does not exist.
	BalanceAndEntries(ctx context.Context, id AccountID) (balance, entries int64, err error)
	// CheckLedger compares every account's exact balance with its entries
	// and counts what the ledger holds. Each figure comes from a single
	// statement, so concurrent postings and roll-ups cannot make a false
	// mismatch.
	CheckLedger(ctx context.Context) (LedgerCheck, error)
	// SaveCheck keeps a ledger check, findings and all, for every hub that
	// shares the database; checks are kept, not replaced.
	SaveCheck(ctx context.Context, c CheckedAt) error
	// LatestSavedCheck is the kept check that started last; found is false
	// when none was kept.
	LatestSavedCheck(ctx context.Context) (c CheckedAt, found bool, err error)
}

// LedgerCheck is the ledger's self-check: on a healthy ledger Mismatches,
// Unbalanced, BelowFloor, MissingAccounts, MissingTransactions,
// Discrepancies and Unreconciled are empty and BalanceSum is zero.
type LedgerCheck struct {
	Accounts     int   `json:"accounts"`
	Transactions int64 `json:"transactions"`
	Entries      int64 `json:"entries"`
	// BalanceSum is the sum of all exact balances (zero: no money created or lost).
	BalanceSum int64 `json:"balance_sum_cents"`
	// Mismatches are accounts whose cached balance differs from their entries.
	Mismatches []BalanceMismatch `json:"mismatches"`
	// Unbalanced are transactions whose entries do not sum to zero.
	Unbalanced []string `json:"unbalanced"`
	// BelowFloor are accounts whose exact balance is under their floor and
	// under every overdraft rule ever used on them.
	BelowFloor []FloorBreach `json:"below_floor"`
	// MissingAccounts and MissingTransactions are accounts and transactions
	// that entries name and that do not exist. On PostgreSQL no foreign key
	// refuses such an entry (checking one locked the row it points at in
	// every posting): this check is what finds them.
	MissingAccounts     []AccountID `json:"missing_accounts"`
	MissingTransactions []string    `json:"missing_transactions"`
	// ClosedWithCredit are the accounts holding credit (a positive exact
	// balance) that nobody can spend: closed ones, and those whose owner's
	// account is erased. An erasure settles the credit before it closes
	// the account, and nothing posts to a closed account, so any is a bug.
	// A debt (a negative balance) left on an erased account is the city's
	// to settle and is not one of them.
	ClosedWithCredit []ClosedCredit `json:"closed_with_credit"`
	// Pending counts entries not yet rolled up into cached balances.
	Pending int64 `json:"pending_entries"`
	// Discrepancies are accounts whose balance disagrees with the records
	// of the domain posting to them (see Reconciler).
	Discrepancies []Discrepancy `json:"discrepancies"`
	// Reconciled names the reconciliations that ran ("vouchers");
	// Unreconciled those that could not (a database error).
	Reconciled   []string `json:"reconciled"`
	Unreconciled []string `json:"unreconciled"`
}

// FloorBreach is an account whose balance (its exact balance: the cached
// one plus its entries not yet rolled up) is below what its floor allows.
type FloorBreach struct {
	Account AccountID `json:"account"`
	Balance int64     `json:"balance_cents"`
	Floor   int64     `json:"floor_cents"`
}

// ClosedCredit is an account holding credit that nobody can spend: closed
// (ClosedAt set), or open although its owner's account is erased
// (ClosedAt nil).
type ClosedCredit struct {
	Account  AccountID  `json:"account"`
	Balance  int64      `json:"balance_cents"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// OK reports whether the check found nothing wrong.
func (c LedgerCheck) OK() bool {
	return c.BalanceSum == 0 && len(c.Mismatches) == 0 && len(c.Unbalanced) == 0 && len(c.BelowFloor) == 0 &&
		len(c.MissingAccounts) == 0 && len(c.MissingTransactions) == 0 && len(c.ClosedWithCredit) == 0 &&
		len(c.Discrepancies) == 0 && len(c.Unreconciled) == 0
}

// BalanceMismatch is an account whose cached balance is not its entries' sum.
type BalanceMismatch struct {
	Account AccountID `json:"account"`
	Cached  int64     `json:"cached_cents"`
	Entries int64     `json:"entries_cents"`
}

// HistoryLine is one entry of an account's history with its transaction.
type HistoryLine struct {
	EntryID       int64     `json:"entry_id"`
	TransactionID string    `json:"transaction_id"`
	Kind          string    `json:"kind"`
	Memo          string    `json:"memo,omitempty"`
	RefType       string    `json:"ref_type,omitempty"`
	RefID         string    `json:"ref_id,omitempty"`
	Amount        int64     `json:"amount_cents"`
	At            time.Time `json:"at"`
}

// Post writes t inside the caller's store transaction tx. It checks the
// shape, locks the accounts that have a floor (in a global order) and
// refuses a balance below its floor (InsufficientFunds) unless the
// transaction's overdraft rule allows it, and an entry to a closed account
// (Conflict, ReasonAccountClosed), and writes the entries. Accounts
// without a floor are not locked: nothing about them is checked, so two
// postings to a city-wide account never queue on its row. A key already
// posted is replayed (Replayed=true, nothing written; Conflict if the key
// was used for another movement); a concurrent posting of the same key waits
// for the first one and then replays it.
func Post(ctx context.Context, tx Tx, t Transaction, now time.Time) (Transaction, error) {
	t, ids, err := prepare(t, now)
	if err != nil {
		return t, err
	}
	if gp, ok := tx.(GuardedPoster); ok {
		return postGuarded(ctx, tx, gp, t, ids)
	}
	accounts, err := tx.PostingAccounts(ctx, ids)
	if err != nil {
		return t, fmt.Errorf("lock ledger accounts: %w", err)
	}
	locked, prev, err := checkFloors(ctx, tx, t, accounts)
	if prev != nil {
		return *prev, err
	}
	if err != nil {
		return t, err
	}
	inserted, err := tx.InsertTransaction(ctx, t, locked)
	if err != nil {
		return t, fmt.Errorf("insert ledger transaction: %w", err)
	}
	return posted(ctx, tx, t, inserted)
}

// prepare validates t and gives it its id and time, and the ids of its
// accounts in the order they are locked.
func prepare(t Transaction, now time.Time) (Transaction, []AccountID, error) {
	if err := t.Validate(); err != nil {
		return t, nil, err
	}
	ids := make([]AccountID, 0, len(t.Entries))
	for _, e := range t.Entries {
		ids = append(ids, e.Account)
	}
	slices.Sort(ids)
	t.ID = TransactionIDFor(t.Key)
	// Both engines keep microseconds; truncating here makes the first answer
	// equal to a later replay of it.
	t.CreatedAt = now.UTC().Truncate(time.Microsecond)
	return t, ids, nil
}

// PrepareAppend validates t and gives it its id and time, as Post does, for
// a store that appends many postings in one statement (redemptions
// committed in batches). Such a store writes postings to accounts without a
// floor only, which no posting locks or checks, and fails its statement,
// and so the transaction, when an account is missing or has a floor: the
// caller then posts them one by one, with Post.
func PrepareAppend(t Transaction, now time.Time) (Transaction, error) {
	t, _, err := prepare(t, now)
	return t, err
}

// CommitPoster is a Tx that can write a posting with its transaction's
// commit instead of at once (PostAtCommit): the posting is checked by the
// same rule as Post, and what Post would refuse makes the commit fail with
// the same error, so that the transaction writes nothing.
type CommitPoster interface {
	PostAtCommit(ctx context.Context, t Transaction, ids []AccountID) error
}

// PostAtCommit posts t, for a caller that needs nothing back from the
// posting and whose transaction makes t's key new (from the id of what it
// creates). On a CommitPoster the posting is written with the transaction's
// commit, so that the locks it takes on accounts with a floor are held for
// the least time: a floor it would break (InsufficientFunds), an account
// that does not exist (NotFound) or one closed (Conflict,
// ReasonAccountClosed) is the transaction's error, returned by the
// store's InTx, and a key posted already fails the commit too
// (Conflict, ReasonKeyTaken). Elsewhere it is Post, now, with a key posted
// already the same error.
func PostAtCommit(ctx context.Context, tx Tx, t Transaction, now time.Time) error {
	_, err := postAtCommit(ctx, tx, t, now)
	return err
}

// PostOrQueue posts t at once (Post) when atOnce, and otherwise with tx's
// COMMIT where tx can (PostAtCommit): the first try of a unit of work
// queues its posting, so that everything it writes goes in one exchange.
// It returns t as posted, or as it will be (its id), and whether it was
// queued; a queued posting's refusal is the COMMIT's, and RetryAtOnce says
// whether to run the unit of work again with atOnce.
func PostOrQueue(ctx context.Context, tx Tx, t Transaction, now time.Time, atOnce bool) (posted Transaction, queued bool, err error) {
	if _, ok := tx.(CommitPoster); !ok || atOnce {
		posted, err = Post(ctx, tx, t, now)
		return posted, false, err
	}
	posted, err = postAtCommit(ctx, tx, t, now)
	return posted, true, err
}

// RetryAtOnce reports whether a unit of work whose posting was queued
// (PostOrQueue) and that failed with err should run again posting at once:
// its COMMIT refused the posting (a floor it would break, an account
// closed, or its key posted already), which Post then tells apart, with
// the balance in the refusal, or as the replay of the posting that went
// through.
func RetryAtOnce(queued bool, err error) bool {
	return queued && (apperr.Has(err, apperr.InsufficientFunds) || apperr.ReasonOf(err) == ReasonKeyTaken || Closed(err))
}

// ReasonKeyTaken is the reason of PostAtCommit's error for a key posted
// already.
const ReasonKeyTaken = "ledger_key_taken"

// postAtCommit is PostAtCommit, returning t as it will be posted.
func postAtCommit(ctx context.Context, tx Tx, t Transaction, now time.Time) (Transaction, error) {
	t, ids, err := prepare(t, now)
	if err != nil {
		return t, err
	}
	if cp, ok := tx.(CommitPoster); ok {
		return t, cp.PostAtCommit(ctx, t, ids)
	}
	posted, err := Post(ctx, tx, t, now)
	if err == nil && posted.Replayed {
		return t, apperr.R(apperr.Conflict, ReasonKeyTaken, "This ledger key was posted already.")
	}
	return posted, err
}

// GuardedPoster is a Tx that locks a posting's accounts with a floor and
// writes the posting in one exchange with the database: it returns the
// accounts as PostingAccounts does, and writes the transaction as
// InsertTransaction does (the accounts with a floor are the locked ones)
// only if every account exists, none is closed and no balance would go
// below its floor (or the transaction's overdraft rule), by the rule Post
// checks.
type GuardedPoster interface {
	PostGuarded(ctx context.Context, t Transaction, ids []AccountID) (accounts []Account, inserted bool, err error)
}

// postGuarded is Post on a GuardedPoster. Post checks the floors on the
// accounts returned; a posting the store wrote that Post would refuse, or
// the other way round, is an error (the caller's transaction rolls back).
func postGuarded(ctx context.Context, tx Tx, gp GuardedPoster, t Transaction, ids []AccountID) (Transaction, error) {
	accounts, inserted, err := gp.PostGuarded(ctx, t, ids)
	if err != nil {
		return t, fmt.Errorf("post ledger transaction: %w", err)
	}
	if _, prev, err := checkFloors(ctx, tx, t, accounts); prev != nil || err != nil {
		if inserted {
			return t, fmt.Errorf("ledger transaction %s was written although the accounts read refuse it (%v)", t.ID, err)
		}
		if prev != nil {
			return *prev, err
		}
		return t, err
	}
	return posted(ctx, tx, t, inserted)
}

// posted is t once written, or the replay of its key when it was not.
func posted(ctx context.Context, tx Tx, t Transaction, inserted bool) (Transaction, error) {
	if !inserted {
		prev, err := replay(ctx, tx, t)
		if apperr.Has(err, apperr.NotFound) {
			return t, fmt.Errorf("ledger key %s is taken but its transaction is not readable: %w", t.Key, err)
		}
		return prev, err
	}
	return t, nil
}

// checkFloors refuses t when one of its accounts is missing or would go
// below its floor (InsufficientFunds, unless t's key was posted already:
// then prev is its replay), and returns the accounts with a floor, which
// the posting locks.
func checkFloors(ctx context.Context, tx Tx, t Transaction, accounts []Account) (locked []AccountID, prev *Transaction, err error) {
	byID := make(map[AccountID]Account, len(accounts))
	for _, a := range accounts {
		byID[a.ID] = a
		if a.Floor != nil {
			locked = append(locked, a.ID)
		}
	}
	for _, e := range t.Entries {
		a, ok := byID[e.Account]
		if !ok {
			return nil, nil, apperr.E(apperr.NotFound, "Ledger account %s does not exist.", e.Account)
		}
		refusal := belowFloor(t, a, e)
		if a.Closed() {
			refusal = accountClosed(a.ID)
		}
		if refusal != nil {
			// A retry of a posting that went through may find the money
			// spent since, or the account closed since: it is still the
			// same posting.
			if prev, err := replay(ctx, tx, t); !apperr.Has(err, apperr.NotFound) {
				return nil, &prev, err
			}
			return nil, nil, refusal
		}
	}
	return locked, nil, nil
}

// ReasonAccountClosed is the reason of the refusal of a posting to a
// closed account (Account.ClosedAt): Conflict, nothing written.
const ReasonAccountClosed = "ledger_account_closed"

// accountClosed refuses a posting to the closed account id.
func accountClosed(id AccountID) error {
	return apperr.R(apperr.Conflict, ReasonAccountClosed, "Ledger account %s is closed: the account it belonged to was erased.", id)
}

// Closed reports whether err refused a posting because one of its accounts
// is closed. The caller that posts for a person (a top-up, a payment)
// answers as to anyone whose account is gone (ForOwner); one that posts
// for the city moves the money elsewhere, having read the account's
// ClosedAt under its lock.
func Closed(err error) bool { return apperr.ReasonOf(err) == ReasonAccountClosed }

// ForOwner is err, or apperr.ErrAccountDeleted when err refused a posting
// to a closed account (Closed): for an operation a person makes on their
// own credit, which the erasure closed while the request was on its way.
func ForOwner(err error) error {
	if Closed(err) {
		return apperr.ErrAccountDeleted
	}
	return err
}

// belowFloor is the refusal of entry e of t to account a when it would
// take a's balance below its floor (or t's overdraft rule), else nil.
func belowFloor(t Transaction, a Account, e Entry) error {
	if a.Floor == nil || e.Amount > 0 {
		return nil
	}
	floor := *a.Floor
	if t.Overdraft != nil && t.OverdraftAccount == a.ID && t.Overdraft.Floor < floor {
		floor = t.Overdraft.Floor
	}
	if a.Balance+e.Amount >= floor {
		return nil
	}
	return apperr.R(apperr.InsufficientFunds, "insufficient_funds", "Not enough credit: the balance is %s and %s is needed.", money.Cents(a.Balance), money.Cents(-e.Amount))
}

// Afford reports, as the balances read in tx stand, whether t would pass
// its floors: the refusal Post would give (InsufficientFunds), or nil. It
// locks and writes nothing, so Post still decides; it lets a caller refuse
// before doing what cannot be undone for a posting that would fail (such as
// cancelling a card payment at the processor). An account that does not
// exist is left to Post, which knows how it opens.
func Afford(ctx context.Context, tx Tx, t Transaction) error {
	for _, e := range t.Entries {
		if e.Amount >= 0 {
			continue
		}
		a, err := tx.Account(ctx, e.Account)
		if apperr.Has(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read account %s: %w", e.Account, err)
		}
		if short := belowFloor(t, a, e); short != nil {
			return short
		}
	}
	return nil
}

// replay returns the posted transaction with t's key (Replayed=true), or
// Conflict if it is another movement, or NotFound if the key is free.
func replay(ctx context.Context, tx Tx, t Transaction) (Transaction, error) {
	prev, err := tx.TransactionByKey(ctx, t.Key)
	switch {
	case apperr.Has(err, apperr.NotFound):
		return t, err
	case err != nil:
		return t, fmt.Errorf("look up ledger key: %w", err)
	case !sameMovement(prev, t):
		return t, apperr.R(apperr.Conflict, "ledger_key_reused", "This idempotency key was already used for a different movement.")
	}
	prev.Replayed = true
	return prev, nil
}
