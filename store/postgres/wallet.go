package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/apperr"
	"cityhub/wallet"
)

type walletStore struct{ db *DB }

// Wallet is the wallet's view of the database.
func (db *DB) Wallet() wallet.Store { return walletStore{db} }

func (s walletStore) InTx(ctx context.Context, fn func(wallet.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s walletStore) View(ctx context.Context, fn func(wallet.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

// EnsureAccount implements wallet.Tx.
func (tx *Tx) EnsureAccount(ctx context.Context, a wallet.Account) error {
	var created *time.Time
	if !a.CreatedAt.IsZero() {
		created = &a.CreatedAt
	}
	// Queued to ride with the next statement or the commit (pipeline.go):
	// nothing is read back, and the posting that follows sees the account.
	return tx.later(ctx, deferred{what: "ensure ledger account " + string(a.ID),
		sql: `INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at)
		VALUES ($1, $2, $3, $4, COALESCE($5, now())) ON CONFLICT (id) DO NOTHING`,
		args: []any{string(a.ID), string(a.Kind), a.OwnerID, a.Floor, created}})
}

// CloseAccount implements wallet.Tx. The upsert locks the row (a posting
// to it waits, and then finds it closed: PostGuarded's statement and
// ledger_post read closed_at on the row they lock); the exact balance is
// read by a second statement, once the lock is held, as LockAccounts reads
// it.
func (tx *Tx) CloseAccount(ctx context.Context, a wallet.Account, at time.Time) (wallet.Account, error) {
	if _, err := tx.q.Exec(ctx, `INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at, closed_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (id) DO UPDATE SET closed_at = COALESCE(ledger_accounts.closed_at, EXCLUDED.closed_at)`,
		string(a.ID), string(a.Kind), a.OwnerID, a.Floor, at); err != nil {
		return wallet.Account{}, wrap("close ledger account "+string(a.ID), err)
	}
	return tx.Account(ctx, a.ID)
}

const ledgerAccountColumns = `id, kind, owner_id, floor, balance, created_at, closed_at`

// ledgerExactColumns reads an account (alias a) with its exact balance: the
// cached balance plus the entries not yet rolled up. One statement sees one
// snapshot, and a roll-up moves entries from pending to the cached balance
// in one transaction, so the sum is never counted twice or missed.
const ledgerExactColumns = `a.id, a.kind, a.owner_id, a.floor,
	a.balance + COALESCE((SELECT SUM(p.amount) FROM ledger_pending p WHERE p.account_id = a.id), 0)::bigint, a.created_at, a.closed_at`

func scanLedgerAccount(r pgx.Row) (wallet.Account, error) {
	var a wallet.Account
	var id, kind string
	err := r.Scan(&id, &kind, &a.OwnerID, &a.Floor, &a.Balance, &a.CreatedAt, &a.ClosedAt)
	a.ID, a.Kind, a.CreatedAt = wallet.AccountID(id), wallet.AccountKind(kind), a.CreatedAt.UTC()
	if a.ClosedAt != nil {
		closed := a.ClosedAt.UTC()
		a.ClosedAt = &closed
	}
	return a, err
}

// LockAccounts implements wallet.Tx. The rows are locked in ORDER BY order;
// byte order (COLLATE "C") matches the Go sort the caller applies, so every
// posting locks in one global order and two postings cannot deadlock. The
// exact balances are read by a second statement, after the locks are held:
// a statement that waited for a lock re-reads the locked row but not the
// pending entries, so reading both in one statement could count a
// concurrent roll-up's entries twice.
func (tx *Tx) LockAccounts(ctx context.Context, ids []wallet.AccountID) ([]wallet.Account, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	if _, err := tx.q.Exec(ctx, `SELECT id FROM ledger_accounts WHERE id = ANY($1) ORDER BY id COLLATE "C" FOR UPDATE`, keys); err != nil {
		return nil, wrap("lock ledger accounts", err)
	}
	rows, err := tx.q.Query(ctx, `SELECT `+ledgerExactColumns+` FROM ledger_accounts a
		WHERE a.id = ANY($1) ORDER BY a.id COLLATE "C"`, keys)
	if err != nil {
		return nil, wrap("read locked ledger accounts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.Account, error) { return scanLedgerAccount(r) })
	if err != nil {
		return nil, wrap("read locked ledger accounts", err)
	}
	if err := ledgerAccountsFound(ids, out); err != nil {
		return nil, err
	}
	return out, nil
}

// ledgerAccountsFound says which requested account is missing, if one is.
func ledgerAccountsFound(ids []wallet.AccountID, got []wallet.Account) error {
	if len(got) == len(ids) {
		return nil
	}
	have := make(map[wallet.AccountID]bool, len(got))
	for _, a := range got {
		have[a.ID] = true
	}
	for _, id := range ids {
		if !have[id] {
			return apperr.E(apperr.NotFound, "Ledger account %s does not exist.", id)
		}
	}
	return nil
}

// PostingAccounts implements wallet.Tx in one round trip: the accounts with
// a floor are locked in byte order (COLLATE "C", the caller's Go sort) and
// return the balance the lock saw (READ COMMITTED re-reads a row it waited
// for); the others are read without a lock, and no balance of theirs is
// needed.
func (tx *Tx) PostingAccounts(ctx context.Context, ids []wallet.AccountID) ([]wallet.Account, error) {
	if tx.floors != nil && tx.floors.allUnbounded(ids) {
		// Nothing to lock and nothing to read: see floorCache.
		out := make([]wallet.Account, len(ids))
		for i, id := range ids {
			out[i] = wallet.Account{ID: id}
		}
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	rows, err := tx.q.Query(ctx, `WITH floored AS (
			SELECT id, kind, owner_id, floor, balance, created_at, closed_at FROM ledger_accounts
			WHERE id = ANY($1) AND floor IS NOT NULL ORDER BY id COLLATE "C" FOR UPDATE)
		SELECT `+ledgerAccountColumns+` FROM floored
		UNION ALL
		SELECT id, kind, owner_id, floor, 0, created_at, closed_at FROM ledger_accounts WHERE id = ANY($1) AND floor IS NULL`, keys)
	if err != nil {
		return nil, wrap("lock ledger accounts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.Account, error) { return scanLedgerAccount(r) })
	if err != nil {
		return nil, wrap("lock ledger accounts", err)
	}
	tx.learn(out)
	return out, nil
}

// Account implements wallet.Tx.
func (tx *Tx) Account(ctx context.Context, id wallet.AccountID) (wallet.Account, error) {
	a, err := scanLedgerAccount(tx.q.QueryRow(ctx, `SELECT `+ledgerExactColumns+` FROM ledger_accounts a WHERE a.id = $1`, string(id)))
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return a, apperr.Wrap(err, apperr.NotFound, "Ledger account %s does not exist.", id)
		}
		return a, wrap("read ledger account", err)
	}
	return a, nil
}

// TransactionByKey implements wallet.Tx: the transaction and its entries in
// one round trip. The key's transaction is the one with the key's id, or
// one posted with it before ids were made from keys (migration 1021).
func (tx *Tx) TransactionByKey(ctx context.Context, key string) (wallet.Transaction, error) {
	rows, err := tx.q.Query(ctx, `SELECT t.id, t.kind, t.memo, t.ref_type, t.ref_id, t.overdraft_rule, t.overdraft_floor,
			t.overdraft_account, t.created_at, e.account_id, e.amount
		FROM ledger_transactions t JOIN ledger_lines e ON e.transaction_id = t.id
		WHERE t.id = ANY(ARRAY[$2, (SELECT o.id FROM ledger_transactions o WHERE o.idem_key = $1 AND o.id <> o.idem_key)])
		  AND t.idem_key = $1
		ORDER BY e.id`, key, wallet.TransactionIDFor(key))
	if err != nil {
		return wallet.Transaction{}, wrap("read ledger transaction", err)
	}
	defer rows.Close()
	t := wallet.Transaction{Key: key}
	for rows.Next() {
		var rule, overdraftAccount, account string
		var floor *int64
		var e wallet.Entry
		if err := rows.Scan(&t.ID, &t.Kind, &t.Memo, &t.RefType, &t.RefID, &rule, &floor, &overdraftAccount, &t.CreatedAt, &account, &e.Amount); err != nil {
			return t, wrap("read ledger transaction", err)
		}
		if rule != "" && floor != nil {
			t.Overdraft = &wallet.OverdraftRule{Name: rule, Floor: *floor}
			t.OverdraftAccount = wallet.AccountID(overdraftAccount)
		}
		e.Account = wallet.AccountID(account)
		t.Entries = append(t.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return t, wrap("read ledger transaction", err)
	}
	if len(t.Entries) == 0 {
		return t, apperr.E(apperr.NotFound, "No ledger transaction has this key.")
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}

// InsertTransaction implements wallet.Tx. One statement writes the
// transaction (unless its key exists: ON CONFLICT waits for a concurrent
// holder of the key and then writes nothing), all its entries, the cached
// balances of the locked accounts and the pending rows of the others, so a
// posting costs a single round trip once the floored accounts are locked.
func (tx *Tx) InsertTransaction(ctx context.Context, t wallet.Transaction, locked []wallet.AccountID) (bool, error) {
	accounts := make([]string, len(t.Entries))
	amounts := make([]int64, len(t.Entries))
	for i, e := range t.Entries {
		accounts[i], amounts[i] = string(e.Account), e.Amount
	}
	direct := make([]string, len(locked))
	for i, id := range locked {
		direct[i] = string(id)
	}
	var rule, overdraftAccount string
	var floor *int64
	if t.Overdraft != nil {
		rule, floor, overdraftAccount = t.Overdraft.Name, &t.Overdraft.Floor, string(t.OverdraftAccount)
	}
	if err := tx.genericPlanNext(ctx); err != nil {
		return false, err
	}
	var inserted, moved, appended int64
	err := tx.readBatch(ctx, batchRead{sql: `WITH t AS (
			INSERT INTO ledger_transactions (id, idem_key, kind, memo, ref_type, ref_id, overdraft_rule, overdraft_floor, overdraft_account, created_at)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE NOT ` + keyPostedBefore + `
			ON CONFLICT (id) DO NOTHING RETURNING id
		), e AS (
			INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
			SELECT t.id, u.account_id, u.amount, $10 FROM t, unnest($11::text[], $12::bigint[]) WITH ORDINALITY AS u(account_id, amount, n)
			ORDER BY u.n
			RETURNING id, account_id, amount
		), b AS (
			UPDATE ledger_accounts AS a SET balance = a.balance + e.amount FROM e
			WHERE a.id = e.account_id AND e.account_id = ANY($13::text[])
			RETURNING a.id
		), p AS (
			INSERT INTO ledger_pending (entry_id, account_id, amount)
			SELECT id, account_id, amount FROM e WHERE NOT (account_id = ANY($13::text[]))
			RETURNING entry_id
		)
		SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM b), (SELECT count(*) FROM p)`,
		args: []any{wallet.TransactionIDFor(t.Key), t.Key, t.Kind, t.Memo, t.RefType, t.RefID, rule, floor, overdraftAccount, t.CreatedAt, accounts, amounts, direct},
		read: func(br pgx.BatchResults) error {
			return wrap("insert ledger transaction", br.QueryRow().Scan(&inserted, &moved, &appended))
		},
	}, planAsBefore)
	if err != nil {
		return false, err
	}
	if inserted == 0 {
		return false, nil
	}
	if moved+appended != int64(len(t.Entries)) || moved != int64(len(locked)) {
		return false, fmt.Errorf("insert ledger transaction %s: %d balances moved and %d entries appended for %d entries", t.ID, moved, appended, len(t.Entries))
	}
	return true, nil
}

// PostGuarded implements wallet.GuardedPoster in one round trip: two
// statements in one batch. The first locks the accounts with a floor (in
// byte order, as PostingAccounts) and reads them all; the second, which
// starts once the locks are held and so sees the locked balances as they
// are, writes the posting as InsertTransaction does, but only if every
// account exists, none is closed and no floor breaks (the same rule as
// wallet.Post, which checks the accounts the first statement returned and
// treats any disagreement as a failure).
func (tx *Tx) PostGuarded(ctx context.Context, t wallet.Transaction, ids []wallet.AccountID) ([]wallet.Account, bool, error) {
	if tx.floors != nil && tx.floors.allUnbounded(ids) {
		// Nothing to lock, read or check (see floorCache): one statement.
		out, _ := tx.PostingAccounts(ctx, ids)
		inserted, err := tx.InsertTransaction(ctx, t, nil)
		return out, inserted, err
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	var out []wallet.Account
	var inserted, moved, appended, floored int64
	if err := tx.genericPlanNext(ctx); err != nil {
		return nil, false, err
	}
	err := tx.readBatch(ctx, batchRead{
		sql: `WITH floored AS (
				SELECT id, kind, owner_id, floor, balance, created_at, closed_at FROM ledger_accounts
				WHERE id = ANY($1) AND floor IS NOT NULL ORDER BY id COLLATE "C" FOR UPDATE)
			SELECT ` + ledgerAccountColumns + ` FROM floored
			UNION ALL
			SELECT id, kind, owner_id, floor, 0, created_at, closed_at FROM ledger_accounts WHERE id = ANY($1) AND floor IS NULL`,
		args: []any{keys},
		read: func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err != nil {
				return wrap("lock ledger accounts", err)
			}
			out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.Account, error) { return scanLedgerAccount(r) })
			return wrap("lock ledger accounts", err)
		},
	}, batchRead{
		sql: guardedPostingSQL + `
		SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM b), (SELECT count(*) FROM p), (SELECT count(*) FROM acct WHERE floor IS NOT NULL)`,
		args: guardedPostingArgs(t),
		read: func(br pgx.BatchResults) error {
			return wrap("insert ledger transaction", br.QueryRow().Scan(&inserted, &moved, &appended, &floored))
		},
	}, planAsBefore)
	if err != nil {
		return nil, false, err
	}
	tx.learn(out)
	if inserted == 0 {
		return out, false, nil
	}
	if moved+appended != int64(len(t.Entries)) || moved != floored {
		return nil, false, fmt.Errorf("insert ledger transaction %s: %d balances moved and %d entries appended for %d entries", t.ID, moved, appended, len(t.Entries))
	}
	return out, true, nil
}

// rollUpSQL moves $1 pending rows that no one else holds into their
// accounts' cached balances. The rows are picked once, by a materialized
// common table expression, by their place in the table (the only index is
// on the account, migration 1022), and deleted by those places in one TID
// scan: written as DELETE … WHERE … IN (SELECT … LIMIT … FOR UPDATE SKIP
// LOCKED), the planner, which always finds the churning table near empty,
// ran the locking subquery again for every row deleted, and a roll-up of
// 600 rows read 200,000 buffers and took 100 ms: under a rush of
// redemptions, the roll-ups took as much of the server's time as the
// redemptions' own writes. A row's place cannot change under the lock
// that picked it: pending rows are inserted and deleted, never updated.
const rollUpSQL = `WITH picked AS MATERIALIZED (
			SELECT ctid AS place FROM ledger_pending LIMIT $1 FOR UPDATE SKIP LOCKED
		), batch AS (
			DELETE FROM ledger_pending WHERE ctid = ANY (ARRAY(SELECT place FROM picked))
			RETURNING account_id, amount
		), sums AS (
			SELECT account_id, SUM(amount)::bigint AS total, count(*) AS n FROM batch GROUP BY account_id
		), moved AS (
			UPDATE ledger_accounts AS a SET balance = a.balance + sums.total FROM sums WHERE a.id = sums.account_id
			RETURNING sums.n
		)
		SELECT COALESCE(SUM(n), 0)::int FROM moved`

// RollUp implements wallet.Tx. The pending rows it takes are deleted in the
// statement that adds them to the cached balances, so a roll-up killed at
// any point either happened whole or not at all. A transaction-scoped
// advisory lock keeps a second roll-up (another replica) out instead of
// letting two of them update the same account rows in different orders.
// The lock is keyed by the schema: advisory locks are database-wide, and two
// hubs (or two test stores) in different schemas of one database must not
// keep each other's roll-up from running.
func (tx *Tx) RollUp(ctx context.Context, limit int) (int, error) {
	var got bool
	if err := tx.q.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended(current_schema() || ' ledger roll-up', 0))`).Scan(&got); err != nil {
		return 0, wrap("take roll-up lock", err)
	}
	if !got {
		return 0, nil
	}
	var n int
	err := tx.q.QueryRow(ctx, rollUpSQL, limit).Scan(&n)
	if err != nil {
		return 0, wrap("roll up ledger entries", err)
	}
	return n, nil
}

// historySQL reads a page of an account's entries, newest first, by the
// account index, whatever the account. Asked for the entries of account $1
// in id order, the planner walked the index on id backwards (the primary
// key until migration 1013) and filtered by account whenever that account
// held a large share of the ledger: quick while its entries are the
// newest, but for an account whose entries are old (a past campaign's:
// 160,000 of a million) it read every entry written since, 15 ms and
// growing with the ledger. Joined laterally to
// the account's row, the account is a value the planner does not know
// when it plans, so it estimates an average account, and the index on
// (account, id) serves the page in order. The lines are entries of their
// own and transfers' legs (migration 1025), each kind read by its own
// account index, at most a page of each, and merged in id order. Read
// through the view ledger_lines, the planner, which expects an average
// account, sorted all of an account's legs before merging (a few, by its
// estimate): for an account holding half the ledger, 60 ms a page.
const historySQL = `SELECT e.id, e.transaction_id, t.kind, t.memo, t.ref_type, t.ref_id, e.amount, e.created_at
		FROM ledger_accounts a
		CROSS JOIN LATERAL (
			(SELECT e.id, e.transaction_id, e.amount, e.created_at FROM ledger_entries e
				WHERE e.account_id = a.id AND e.id < $2 ORDER BY e.id DESC LIMIT $3)
			UNION ALL
			(SELECT l.from_entry, l.id, -l.transfer_amount, l.created_at FROM ledger_transactions l
				WHERE l.from_account = a.id AND l.from_entry < $2 ORDER BY l.from_entry DESC LIMIT $3)
			UNION ALL
			(SELECT l.to_entry, l.id, l.transfer_amount, l.created_at FROM ledger_transactions l
				WHERE l.to_account = a.id AND l.to_entry < $2 ORDER BY l.to_entry DESC LIMIT $3)
			ORDER BY 1 DESC LIMIT $3) e
		JOIN ledger_transactions t ON t.id = e.transaction_id
		WHERE a.id = $1 ORDER BY e.id DESC`

// History implements wallet.Tx.
func (tx *Tx) History(ctx context.Context, id wallet.AccountID, before int64, limit int) ([]wallet.HistoryLine, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := tx.q.Query(ctx, historySQL, string(id), before, limit)
	if err != nil {
		return nil, wrap("read ledger history", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.HistoryLine, error) {
		var l wallet.HistoryLine
		err := r.Scan(&l.EntryID, &l.TransactionID, &l.Kind, &l.Memo, &l.RefType, &l.RefID, &l.Amount, &l.At)
		l.At = l.At.UTC()
		return l, err
	})
	if err != nil {
		return nil, wrap("read ledger history", err)
	}
	return out, nil
}

// HasEntry implements wallet.Tx: an entry of its own, or a leg of a
// transfer (migration 1025), each by its account's index.
func (tx *Tx) HasEntry(ctx context.Context, id wallet.AccountID, entry int64) (bool, error) {
	var ok bool
	err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE account_id = $1 AND id = $2)
		OR EXISTS (SELECT 1 FROM ledger_transactions WHERE from_account = $1 AND from_entry = $2)
		OR EXISTS (SELECT 1 FROM ledger_transactions WHERE to_account = $1 AND to_entry = $2)`, string(id), entry).Scan(&ok)
	if err != nil {
		return false, wrap("read ledger entry", err)
	}
	return ok, nil
}

// SumEntries implements wallet.Tx.
func (tx *Tx) SumEntries(ctx context.Context, id wallet.AccountID) (int64, error) {
	var sum int64
	err := tx.q.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0)::bigint FROM ledger_lines WHERE account_id = $1`, string(id)).Scan(&sum)
	if err != nil {
		return 0, wrap("sum ledger entries", err)
	}
	return sum, nil
}

// BalanceAndEntries implements wallet.Tx: one statement sees one snapshot,
// so a posting (entries with their pending rows or balances) and a roll-up
// (pending rows into balances) are each in both figures or in neither.
func (tx *Tx) BalanceAndEntries(ctx context.Context, id wallet.AccountID) (balance, entries int64, err error) {
	err = tx.q.QueryRow(ctx, `SELECT a.balance + COALESCE((SELECT SUM(p.amount) FROM ledger_pending p WHERE p.account_id = a.id), 0)::bigint,
			COALESCE((SELECT SUM(e.amount) FROM ledger_lines e WHERE e.account_id = a.id), 0)::bigint
		FROM ledger_accounts a WHERE a.id = $1`, string(id)).Scan(&balance, &entries)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, apperr.Wrap(err, apperr.NotFound, "Ledger account %s does not exist.", id)
	}
	if err != nil {
		return 0, 0, wrap("read ledger balance and entries", err)
	}
	return balance, entries, nil
}

// CheckLedger implements wallet.Tx.
func (tx *Tx) CheckLedger(ctx context.Context) (wallet.LedgerCheck, error) {
	c := wallet.LedgerCheck{Mismatches: []wallet.BalanceMismatch{}, Unbalanced: []string{}, BelowFloor: []wallet.FloorBreach{}, MissingAccounts: []wallet.AccountID{},
		MissingTransactions: []string{}, ClosedWithCredit: []wallet.ClosedCredit{}}
	err := tx.q.QueryRow(ctx, `SELECT (SELECT count(*) FROM ledger_accounts),
			(SELECT count(*) FROM ledger_transactions),
			(SELECT count(*) FROM ledger_lines),
			(SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts)::bigint + (SELECT COALESCE(SUM(amount), 0) FROM ledger_pending)::bigint,
			(SELECT COALESCE(SUM(entries), 0) FROM ledger_pending)`).
		Scan(&c.Accounts, &c.Transactions, &c.Entries, &c.BalanceSum, &c.Pending)
	if err != nil {
		return c, wrap("count ledger", err)
	}
	// An account that entries name and that does not exist comes out of
	// the full join with no id of its own.
	rows, err := tx.q.Query(ctx, `SELECT COALESCE(a.id, s.account_id), a.id IS NULL, (COALESCE(a.balance, 0) + COALESCE(p.total, 0))::bigint, COALESCE(s.total, 0)::bigint
		FROM ledger_accounts a
		FULL JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_lines GROUP BY account_id) s ON s.account_id = a.id
		LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_pending GROUP BY account_id) p ON p.account_id = a.id
		WHERE a.id IS NULL OR a.balance + COALESCE(p.total, 0) <> COALESCE(s.total, 0) ORDER BY 1`)
	if err != nil {
		return c, wrap("compare ledger balances", err)
	}
	var id string
	var missing, unbalanced bool
	var m wallet.BalanceMismatch
	_, err = pgx.ForEachRow(rows, []any{&id, &missing, &m.Cached, &m.Entries}, func() error {
		m.Account = wallet.AccountID(id)
		if missing {
			c.MissingAccounts = append(c.MissingAccounts, m.Account)
		} else {
			c.Mismatches = append(c.Mismatches, m)
		}
		return nil
	})
	if err != nil {
		return c, wrap("compare ledger balances", err)
	}
	// A transfer's legs, on its transaction's row (migration 1025), can
	// neither miss their transaction nor differ: only the entries of their
	// own are summed here.
	rows, err = tx.q.Query(ctx, `SELECT s.transaction_id, s.total <> 0, t.id IS NULL
		FROM (SELECT transaction_id, SUM(amount) AS total FROM ledger_entries GROUP BY transaction_id) s
		LEFT JOIN ledger_transactions t ON t.id = s.transaction_id
		WHERE s.total <> 0 OR t.id IS NULL ORDER BY 1`)
	if err != nil {
		return c, wrap("find unbalanced transactions", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&id, &unbalanced, &missing}, func() error {
		if unbalanced {
			c.Unbalanced = append(c.Unbalanced, id)
		}
		if missing {
			c.MissingTransactions = append(c.MissingTransactions, id)
		}
		return nil
	})
	if err != nil {
		return c, wrap("find unbalanced transactions", err)
	}
	// Only floored accounts have their balance checked, on the exact
	// balance (the one the citizen is shown), read in this one statement:
	// postings give a floored account no pending rows, but a row it had
	// anyway would move that balance below the floor unseen by the cached
	// one.
	rows, err = tx.q.Query(ctx, `SELECT a.id, x.balance, a.floor FROM ledger_accounts a
		LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_pending GROUP BY account_id) p ON p.account_id = a.id
		CROSS JOIN LATERAL (SELECT (a.balance + COALESCE(p.total, 0))::bigint AS balance) x
		WHERE a.floor IS NOT NULL AND x.balance < a.floor
		  AND x.balance < COALESCE((SELECT MIN(t.overdraft_floor) FROM ledger_transactions t WHERE t.overdraft_account = a.id), a.floor)
		ORDER BY a.id`)
	if err != nil {
		return c, wrap("find accounts below their floor", err)
	}
	bf, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.FloorBreach, error) {
		var b wallet.FloorBreach
		var id string
		err := r.Scan(&id, &b.Balance, &b.Floor)
		b.Account = wallet.AccountID(id)
		return b, err
	})
	if err != nil {
		return c, wrap("find accounts below their floor", err)
	}
	c.BelowFloor = append(c.BelowFloor, bf...)
	// Credit nobody can spend: on a closed account, or on one whose
	// owner's account is erased (an erasure that did not close it).
	rows, err = tx.q.Query(ctx, `SELECT a.id, x.balance, a.closed_at FROM ledger_accounts a
		LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_pending GROUP BY account_id) p ON p.account_id = a.id
		CROSS JOIN LATERAL (SELECT (a.balance + COALESCE(p.total, 0))::bigint AS balance) x
		WHERE x.balance > 0 AND (a.closed_at IS NOT NULL
			OR EXISTS (SELECT 1 FROM accounts u WHERE u.id = a.owner_id AND u.deleted_at IS NOT NULL))
		ORDER BY a.id`)
	if err != nil {
		return c, wrap("find credit on closed accounts", err)
	}
	cc, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wallet.ClosedCredit, error) {
		var x wallet.ClosedCredit
		var id string
		err := r.Scan(&id, &x.Balance, &x.ClosedAt)
		x.Account = wallet.AccountID(id)
		if x.ClosedAt != nil {
			at := x.ClosedAt.UTC()
			x.ClosedAt = &at
		}
		return x, err
	})
	if err != nil {
		return c, wrap("find credit on closed accounts", err)
	}
	c.ClosedWithCredit = append(c.ClosedWithCredit, cc...)
	return c, nil
}

// guardedPostingSQL writes a posting (arguments: guardedPostingArgs) only
// if every account exists, none is closed and no floor breaks, by the rule
// wallet.Post checks: the transaction, its entries, the balances of the
// accounts with a floor, and a pending row for each entry of an account
// without one. The statement that sends it ends it with a SELECT of what it
// needs from t, b, p, acct and ok. It must run after the accounts with a
// floor are locked: it then reads their balances, and whether they are
// closed, as they are. (The update of a balance checks the floor again, on
// the row it updates: it always holds there.)
const guardedPostingSQL = `WITH u AS (
			SELECT * FROM unnest($11::text[], $12::bigint[]) WITH ORDINALITY AS u(account_id, amount, n)
		), acct AS (
			SELECT a.id, a.floor, a.balance, a.closed_at FROM ledger_accounts a WHERE a.id = ANY($11::text[])
		), ok AS (
			SELECT (SELECT count(*) FROM acct) = cardinality($11::text[]) AND NOT EXISTS (SELECT 1 FROM acct WHERE closed_at IS NOT NULL)
				AND ` + floorsChecked + ` AS ok
		), t AS (
			INSERT INTO ledger_transactions (id, idem_key, kind, memo, ref_type, ref_id, overdraft_rule, overdraft_floor, overdraft_account, created_at)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE (SELECT ok FROM ok) AND NOT ` + keyPostedBefore + `
			ON CONFLICT (id) DO NOTHING RETURNING id
		), e AS (
			INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
			SELECT t.id, u.account_id, u.amount, $10 FROM t, u ORDER BY u.n
			RETURNING id, account_id, amount
		), b AS (
			UPDATE ledger_accounts AS a SET balance = a.balance + e.amount FROM e, acct
			WHERE a.id = e.account_id AND acct.id = e.account_id AND acct.floor IS NOT NULL
			  AND (e.amount > 0 OR a.balance + e.amount >= ` + floorOfA + `)
			RETURNING a.id
		), p AS (
			INSERT INTO ledger_pending (entry_id, account_id, amount)
			SELECT e.id, e.account_id, e.amount FROM e JOIN acct ON acct.id = e.account_id WHERE acct.floor IS NULL
			RETURNING entry_id
		)
`

// keyPostedBefore is true when the key $2 was posted before ids were made
// from keys (migration 1021): a new posting's id (the key's) is then free,
// and the key is taken all the same.
const keyPostedBefore = `EXISTS (SELECT FROM ledger_transactions o WHERE o.idem_key = $2 AND o.id <> o.idem_key)`

// floorsChecked is ok's floor rule, the one wallet.Post checks, on the
// balances acct read.
const floorsChecked = `NOT EXISTS (
				SELECT 1 FROM u JOIN acct a ON a.id = u.account_id
				WHERE a.floor IS NOT NULL AND u.amount < 0
				  AND a.balance + u.amount < ` + floorOfA + `)`

// floorOfA is the floor of account a under the posting's overdraft rule
// ($8, for account $9).
const floorOfA = `CASE WHEN a.id = $9 AND $8::bigint IS NOT NULL THEN LEAST(a.floor, $8::bigint) ELSE a.floor END`

// guardedPostingArgs are guardedPostingSQL's arguments for t, and
// ledger_post's (migration 1014), in the same order.
func guardedPostingArgs(t wallet.Transaction) []any {
	accounts := make([]string, len(t.Entries))
	amounts := make([]int64, len(t.Entries))
	for i, e := range t.Entries {
		accounts[i], amounts[i] = string(e.Account), e.Amount
	}
	return append(postingHeaderArgs(t), accounts, amounts)
}

// postingHeaderArgs are the first ten arguments of the postings' statements
// and functions: what the transaction says besides its entries.
func postingHeaderArgs(t wallet.Transaction) []any {
	var rule, overdraftAccount string
	var floor *int64
	if t.Overdraft != nil {
		rule, floor, overdraftAccount = t.Overdraft.Name, &t.Overdraft.Floor, string(t.OverdraftAccount)
	}
	// The id is the key's whatever t says: the primary key on it is what
	// keeps the keys unique (migration 1021).
	return []any{wallet.TransactionIDFor(t.Key), t.Key, t.Kind, t.Memo, t.RefType, t.RefID, rule, floor, overdraftAccount, t.CreatedAt}
}

// genericPlanNext makes the transaction's next statement, a posting read
// back in its transaction (InsertTransaction, PostGuarded), run on its
// generic plan; it rides with that statement. planAsBefore, sent in the
// same batch right after the posting, lets the planner choose again for
// what follows. (A posting at COMMIT calls ledger_post instead, whose
// statements are each a row by its key.)
//
// Such a posting is one large statement of common table expressions. On a
// ledger of a city's size (100,000 accounts) the planner judges a plan made
// for each posting's own parameters cheaper than the generic one, and so
// plans every posting anew: 40 % of the server's work per transfer when
// transfers were written this way, 1.3 ms against 0.74 ms a transfer,
// serially (bench/README.md). The generic plan finds every row by its index
// whatever the parameters.
func (tx *Tx) genericPlanNext(ctx context.Context) error {
	return tx.later(ctx, deferred{what: "plan the posting once", sql: `SET LOCAL plan_cache_mode = force_generic_plan`, block: true})
}

var planAsBefore = batchRead{sql: `RESET plan_cache_mode`, read: func(br pgx.BatchResults) error {
	_, err := br.Exec()
	return wrap("plan as before", err)
}}
