package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

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
	created := a.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		string(a.ID), string(a.Kind), a.OwnerID, ledgerNullInt(a.Floor), toMicros(created))
	if err != nil {
		return wrap("ensure ledger account "+string(a.ID), err)
	}
	return nil
}

// CloseAccount implements wallet.Tx. Write transactions are serial on the
// single writer: the account is as good as locked until the transaction
// ends.
func (tx *Tx) CloseAccount(ctx context.Context, a wallet.Account, at time.Time) (wallet.Account, error) {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET closed_at = COALESCE(ledger_accounts.closed_at, excluded.closed_at)`,
		string(a.ID), string(a.Kind), a.OwnerID, ledgerNullInt(a.Floor), toMicros(at), toMicros(at))
	if err != nil {
		return wallet.Account{}, wrap("close ledger account "+string(a.ID), err)
	}
	return tx.Account(ctx, a.ID)
}

func ledgerNullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

const ledgerAccountColumns = `id, kind, owner_id, floor, balance, created_at, closed_at`

// ledgerExactColumns reads an account (alias a) with its exact balance: the
// cached balance plus any entries not yet rolled up (none on this engine,
// see migration 0202, but the read is the same on both).
const ledgerExactColumns = `a.id, a.kind, a.owner_id, a.floor,
	a.balance + COALESCE((SELECT SUM(p.amount) FROM ledger_pending p WHERE p.account_id = a.id), 0), a.created_at, a.closed_at`

func scanLedgerAccount(r rowScanner) (wallet.Account, error) {
	var a wallet.Account
	var id, kind string
	var floor, closed sql.NullInt64
	var created int64
	if err := r.Scan(&id, &kind, &a.OwnerID, &floor, &a.Balance, &created, &closed); err != nil {
		return a, err
	}
	a.ID, a.Kind, a.CreatedAt = wallet.AccountID(id), wallet.AccountKind(kind), fromMicros(created)
	if floor.Valid {
		a.Floor = &floor.Int64
	}
	if closed.Valid {
		at := fromMicros(closed.Int64)
		a.ClosedAt = &at
	}
	return a, nil
}

// ledgerPlaceholders returns "?, ?, ..." for n arguments.
func ledgerPlaceholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// LockAccounts implements wallet.Tx. Write transactions are serial on the
// single writer connection (BEGIN IMMEDIATE), so reading the rows inside one
// is enough to hold them until it ends.
func (tx *Tx) LockAccounts(ctx context.Context, ids []wallet.AccountID) ([]wallet.Account, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = string(id)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT `+ledgerExactColumns+` FROM ledger_accounts a
		WHERE a.id IN (`+ledgerPlaceholders(len(ids))+`) ORDER BY a.id`, args...)
	if err != nil {
		return nil, wrap("lock ledger accounts", err)
	}
	defer rows.Close()
	var out []wallet.Account
	for rows.Next() {
		a, err := scanLedgerAccount(rows)
		if err != nil {
			return nil, wrap("lock ledger accounts", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("lock ledger accounts", err)
	}
	if len(out) != len(ids) {
		have := make(map[wallet.AccountID]bool, len(out))
		for _, a := range out {
			have[a.ID] = true
		}
		for _, id := range ids {
			if !have[id] {
				return nil, apperr.E(apperr.NotFound, "Ledger account %s does not exist.", id)
			}
		}
	}
	return out, nil
}

// PostingAccounts implements wallet.Tx. Write transactions are serial on the
// single writer, so every account read here is as good as locked; a missing
// one is left out for the caller to name.
func (tx *Tx) PostingAccounts(ctx context.Context, ids []wallet.AccountID) ([]wallet.Account, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = string(id)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT `+ledgerAccountColumns+` FROM ledger_accounts
		WHERE id IN (`+ledgerPlaceholders(len(ids))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, wrap("read ledger accounts", err)
	}
	defer rows.Close()
	var out []wallet.Account
	for rows.Next() {
		a, err := scanLedgerAccount(rows)
		if err != nil {
			return nil, wrap("read ledger accounts", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("read ledger accounts", err)
	}
	return out, nil
}

// Account implements wallet.Tx.
func (tx *Tx) Account(ctx context.Context, id wallet.AccountID) (wallet.Account, error) {
	a, err := scanLedgerAccount(tx.q.QueryRowContext(ctx, `SELECT `+ledgerExactColumns+` FROM ledger_accounts a WHERE a.id = ?`, string(id)))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, apperr.Wrap(err, apperr.NotFound, "Ledger account %s does not exist.", id)
		}
		return a, wrap("read ledger account", err)
	}
	return a, nil
}

// TransactionByKey implements wallet.Tx. Nearly every posting asks for a key
// that does not exist yet, so a one-column probe answers that case before the
// join is prepared: statement preparation is most of a posting's cost on the
// single writer.
func (tx *Tx) TransactionByKey(ctx context.Context, key string) (wallet.Transaction, error) {
	var exists int
	if err := tx.q.QueryRowContext(ctx, `SELECT 1 FROM ledger_transactions WHERE idem_key = ?`, key).Scan(&exists); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return wallet.Transaction{}, apperr.E(apperr.NotFound, "No ledger transaction has this key.")
		}
		return wallet.Transaction{}, wrap("read ledger transaction", err)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT t.id, t.kind, t.memo, t.ref_type, t.ref_id, t.overdraft_rule, t.overdraft_floor,
			t.overdraft_account, t.created_at, e.account_id, e.amount
		FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
		WHERE t.idem_key = ? ORDER BY e.id`, key)
	if err != nil {
		return wallet.Transaction{}, wrap("read ledger transaction", err)
	}
	defer rows.Close()
	t := wallet.Transaction{Key: key}
	for rows.Next() {
		var rule, overdraftAccount, account string
		var floor sql.NullInt64
		var created int64
		var e wallet.Entry
		if err := rows.Scan(&t.ID, &t.Kind, &t.Memo, &t.RefType, &t.RefID, &rule, &floor, &overdraftAccount, &created, &account, &e.Amount); err != nil {
			return t, wrap("read ledger transaction", err)
		}
		if rule != "" && floor.Valid {
			t.Overdraft = &wallet.OverdraftRule{Name: rule, Floor: floor.Int64}
			t.OverdraftAccount = wallet.AccountID(overdraftAccount)
		}
		t.CreatedAt = fromMicros(created)
		e.Account = wallet.AccountID(account)
		t.Entries = append(t.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return t, wrap("read ledger transaction", err)
	}
	if len(t.Entries) == 0 {
		return t, apperr.E(apperr.NotFound, "No ledger transaction has this key.")
	}
	return t, nil
}

// InsertTransaction implements wallet.Tx: the transaction row unless its key
// exists (its id is the key's, wallet.TransactionIDFor, or it was posted
// before ids were made from keys: either unique index refuses it), then the entries in one multi-row insert whose trigger updates the
// cached balances. The single writer has no row lock to avoid, so every
// account's balance moves at once, locked or not, and nothing is left
// pending.
func (tx *Tx) InsertTransaction(ctx context.Context, t wallet.Transaction, _ []wallet.AccountID) (bool, error) {
	var rule, overdraftAccount string
	var floor any
	if t.Overdraft != nil {
		rule, floor, overdraftAccount = t.Overdraft.Name, t.Overdraft.Floor, string(t.OverdraftAccount)
	}
	at := toMicros(t.CreatedAt)
	res, err := tx.q.ExecContext(ctx, `INSERT INTO ledger_transactions (id, idem_key, kind, memo, ref_type, ref_id,
			overdraft_rule, overdraft_floor, overdraft_account, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		t.ID, t.Key, t.Kind, t.Memo, t.RefType, t.RefID, rule, floor, overdraftAccount, at)
	if err != nil {
		return false, wrap("insert ledger transaction", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, wrap("insert ledger transaction", err)
	}
	values := make([]string, len(t.Entries))
	args := make([]any, 0, 4*len(t.Entries))
	for i, e := range t.Entries {
		values[i] = "(?, ?, ?, ?)"
		args = append(args, t.ID, string(e.Account), e.Amount, at)
	}
	if _, err := tx.q.ExecContext(ctx, `INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at) VALUES `+
		strings.Join(values, ", "), args...); err != nil {
		return false, wrap("insert ledger entries", err)
	}
	// The trigger ledger_entries_balance has added each amount to its
	// account's cached balance (migration 0200).
	return true, nil
}

// RollUp implements wallet.Tx. This engine leaves nothing pending (see
// InsertTransaction), but a database copied from elsewhere might: the rows
// are added to their balances and deleted in one transaction, and the
// single writer keeps a second roll-up out.
func (tx *Tx) RollUp(ctx context.Context, limit int) (int, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT entry_id, account_id, amount FROM ledger_pending ORDER BY entry_id LIMIT ?`, limit)
	if err != nil {
		return 0, wrap("read pending ledger entries", err)
	}
	type pending struct {
		entry, amount int64
		account       string
	}
	var batch []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.entry, &p.account, &p.amount); err != nil {
			rows.Close()
			return 0, wrap("read pending ledger entries", err)
		}
		batch = append(batch, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, wrap("read pending ledger entries", err)
	}
	for _, p := range batch {
		if _, err := tx.q.ExecContext(ctx, `UPDATE ledger_accounts SET balance = balance + ? WHERE id = ?`, p.amount, p.account); err != nil {
			return 0, wrap("roll up ledger entry", err)
		}
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM ledger_pending WHERE entry_id = ?`, p.entry); err != nil {
			return 0, wrap("roll up ledger entry", err)
		}
	}
	return len(batch), nil
}

// History implements wallet.Tx. INDEXED BY: left to itself the planner
// walks the rowid backwards and filters by account, which reads the whole
// table for an account with few entries (bench/pages_test.go explains it on
// a million entries).
func (tx *Tx) History(ctx context.Context, id wallet.AccountID, before int64, limit int) ([]wallet.HistoryLine, error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT e.id, e.transaction_id, t.kind, t.memo, t.ref_type, t.ref_id, e.amount, e.created_at
		FROM ledger_entries e INDEXED BY ledger_entries_account JOIN ledger_transactions t ON t.id = e.transaction_id
		WHERE e.account_id = ? AND e.id < ? ORDER BY e.id DESC LIMIT ?`, string(id), before, limit)
	if err != nil {
		return nil, wrap("read ledger history", err)
	}
	defer rows.Close()
	out := []wallet.HistoryLine{}
	for rows.Next() {
		var l wallet.HistoryLine
		var at int64
		if err := rows.Scan(&l.EntryID, &l.TransactionID, &l.Kind, &l.Memo, &l.RefType, &l.RefID, &l.Amount, &at); err != nil {
			return nil, wrap("read ledger history", err)
		}
		l.At = fromMicros(at)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("read ledger history", err)
	}
	return out, nil
}

// HasEntry implements wallet.Tx.
func (tx *Tx) HasEntry(ctx context.Context, id wallet.AccountID, entry int64) (bool, error) {
	var ok bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE id = ? AND account_id = ?)`, entry, string(id)).Scan(&ok)
	if err != nil {
		return false, wrap("read ledger entry", err)
	}
	return ok, nil
}

// SumEntries implements wallet.Tx.
func (tx *Tx) SumEntries(ctx context.Context, id wallet.AccountID) (int64, error) {
	var sum int64
	err := tx.q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE account_id = ?`, string(id)).Scan(&sum)
	if err != nil {
		return 0, wrap("sum ledger entries", err)
	}
	return sum, nil
}

// BalanceAndEntries implements wallet.Tx: one statement reads one snapshot.
func (tx *Tx) BalanceAndEntries(ctx context.Context, id wallet.AccountID) (balance, entries int64, err error) {
	err = tx.q.QueryRowContext(ctx, `SELECT a.balance + COALESCE((SELECT SUM(p.amount) FROM ledger_pending p WHERE p.account_id = a.id), 0),
			COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = a.id), 0)
		FROM ledger_accounts a WHERE a.id = ?`, string(id)).Scan(&balance, &entries)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, apperr.Wrap(err, apperr.NotFound, "Ledger account %s does not exist.", id)
	}
	if err != nil {
		return 0, 0, wrap("read ledger balance and entries", err)
	}
	return balance, entries, nil
}

// CheckLedger implements wallet.Tx. Outside a write transaction the reads
// run on one pooled connection each, but WAL readers see a committed
// snapshot per statement, and each figure is one statement.
func (tx *Tx) CheckLedger(ctx context.Context) (wallet.LedgerCheck, error) {
	c := wallet.LedgerCheck{Mismatches: []wallet.BalanceMismatch{}, Unbalanced: []string{}, BelowFloor: []wallet.FloorBreach{}, MissingAccounts: []wallet.AccountID{},
		MissingTransactions: []string{}, ClosedWithCredit: []wallet.ClosedCredit{}}
	err := tx.q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM ledger_accounts),
			(SELECT count(*) FROM ledger_transactions),
			(SELECT count(*) FROM ledger_entries),
			(SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts) + (SELECT COALESCE(SUM(amount), 0) FROM ledger_pending),
			(SELECT count(*) FROM ledger_pending)`).
		Scan(&c.Accounts, &c.Transactions, &c.Entries, &c.BalanceSum, &c.Pending)
	if err != nil {
		return c, wrap("count ledger", err)
	}
	// An account that entries name and that does not exist comes out of
	// the full join with no id of its own.
	err = ledgerRows(ctx, tx.q, `SELECT COALESCE(a.id, s.account_id), a.id IS NULL, COALESCE(a.balance, 0) + COALESCE(p.total, 0), COALESCE(s.total, 0)
		FROM ledger_accounts a
		FULL JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entries GROUP BY account_id) s ON s.account_id = a.id
		LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_pending GROUP BY account_id) p ON p.account_id = a.id
		WHERE a.id IS NULL OR a.balance + COALESCE(p.total, 0) <> COALESCE(s.total, 0) ORDER BY 1`, func(r *sql.Rows) error {
		var m wallet.BalanceMismatch
		var id string
		var missing bool
		if err := r.Scan(&id, &missing, &m.Cached, &m.Entries); err != nil {
			return err
		}
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
	err = ledgerRows(ctx, tx.q, `SELECT s.transaction_id, s.total <> 0, t.id IS NULL
		FROM (SELECT transaction_id, SUM(amount) AS total FROM ledger_entries GROUP BY transaction_id) s
		LEFT JOIN ledger_transactions t ON t.id = s.transaction_id
		WHERE s.total <> 0 OR t.id IS NULL ORDER BY 1`, func(r *sql.Rows) error {
		var id string
		var unbalanced, missing bool
		if err := r.Scan(&id, &unbalanced, &missing); err != nil {
			return err
		}
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
	// Floors are judged on the exact balance, as on PostgreSQL.
	err = ledgerRows(ctx, tx.q, `SELECT a.id, a.balance + COALESCE(p.total, 0) AS exact, a.floor FROM ledger_accounts a
		LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_pending GROUP BY account_id) p ON p.account_id = a.id
		WHERE a.floor IS NOT NULL AND exact < a.floor
		  AND exact < COALESCE((SELECT MIN(t.overdraft_floor) FROM ledger_transactions t WHERE t.overdraft_account = a.id), a.floor)
		ORDER BY a.id`, func(r *sql.Rows) error {
		var b wallet.FloorBreach
		var id string
		if err := r.Scan(&id, &b.Balance, &b.Floor); err != nil {
			return err
		}
		b.Account = wallet.AccountID(id)
		c.BelowFloor = append(c.BelowFloor, b)
		return nil
	})
	if err != nil {
		return c, wrap("find accounts below their floor", err)
	}
	// Credit nobody can spend, as on PostgreSQL.
	err = ledgerRows(ctx, tx.q, `SELECT a.id, a.balance + COALESCE(p.total, 0) AS exact, a.closed_at FROM ledger_accounts a
		LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_pending GROUP BY account_id) p ON p.account_id = a.id
		WHERE exact > 0 AND (a.closed_at IS NOT NULL
			OR EXISTS (SELECT 1 FROM accounts u WHERE u.id = a.owner_id AND u.deleted_at <> 0))
		ORDER BY a.id`, func(r *sql.Rows) error {
		var x wallet.ClosedCredit
		var id string
		var closed sql.NullInt64
		if err := r.Scan(&id, &x.Balance, &closed); err != nil {
			return err
		}
		x.Account = wallet.AccountID(id)
		if closed.Valid {
			at := fromMicros(closed.Int64)
			x.ClosedAt = &at
		}
		c.ClosedWithCredit = append(c.ClosedWithCredit, x)
		return nil
	})
	if err != nil {
		return c, wrap("find credit on closed accounts", err)
	}
	return c, nil
}

// ledgerRows runs query and calls scan for each row.
func ledgerRows(ctx context.Context, q querier, query string, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
