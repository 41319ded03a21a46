package wallet_test

import (
	"context"
	"reflect"
	"testing"

	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// The ledger check finds each kind of damage on its own, and passes again
// once it is undone.
func TestCheckFindsWhatIsWrong(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 500))
		pay := l.mustPost(t, transfer("pay", alice, bob, 200))
		l.check(t)
		found := func(t *testing.T) wallet.LedgerCheck {
			t.Helper()
			c, err := l.svc.Check(ctx)
			if err != nil {
				t.Fatalf("check: %v", err)
			}
			if c.OK() {
				t.Fatalf("the check passed a damaged ledger: %+v", c)
			}
			return c
		}
		want := func(t *testing.T, what string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %+v, want %+v", what, got, want)
			}
		}
		t.Run("a balance moved without an entry", func(t *testing.T) {
			storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob'`)
			c := found(t)
			want(t, "mismatches", c.Mismatches, []wallet.BalanceMismatch{{Account: bob, Cached: 201, Entries: 200}})
			want(t, "balance sum", c.BalanceSum, int64(1))
			storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:bob'`)
			l.check(t)
		})
		// A posting of more than two entries keeps them as rows of their
		// own on both engines: one of them changed unbalances it.
		t.Run("an entry changed", func(t *testing.T) {
			split := l.mustPost(t, wallet.Transaction{Key: "split", Kind: "test.split", Entries: []wallet.Entry{
				{Account: alice, Amount: -2}, {Account: bob, Amount: 1}, {Account: wallet.TestPayments, Amount: 1},
			}})
			storetest.Behind(t, db, `UPDATE ledger_entries SET amount = amount + 1 WHERE transaction_id = '`+split.ID+`' AND account_id = 'citizen:bob'`)
			c := found(t)
			want(t, "unbalanced", c.Unbalanced, []string{split.ID})
			want(t, "mismatches", c.Mismatches, []wallet.BalanceMismatch{{Account: bob, Cached: 201, Entries: 202}})
			storetest.Behind(t, db, `UPDATE ledger_entries SET amount = amount - 1 WHERE transaction_id = '`+split.ID+`' AND account_id = 'citizen:bob'`)
			l.check(t)
			l.mustPost(t, wallet.Transaction{Key: "split back", Kind: "test.split", Entries: []wallet.Entry{
				{Account: alice, Amount: 2}, {Account: bob, Amount: -1}, {Account: wallet.TestPayments, Amount: -1},
			}})
			l.check(t)
		})
		// On PostgreSQL a transfer is one row holding both legs
		// (migration 1025): it cannot be unbalanced, but its amount
		// changed moves both accounts' entries away from their balances.
		if _, onPostgres := db.(*postgres.DB); onPostgres {
			t.Run("a transfer's amount changed", func(t *testing.T) {
				var rows int
				if err := db.(*postgres.DB).Pool().QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE transaction_id = $1`, pay.ID).Scan(&rows); err != nil || rows != 0 {
					t.Fatalf("the transfer has %d rows of entries (%v), want its legs on its transaction's row", rows, err)
				}
				storetest.Behind(t, db, `UPDATE ledger_transactions SET transfer_amount = transfer_amount + 1 WHERE id = '`+pay.ID+`'`)
				c := found(t)
				want(t, "unbalanced", c.Unbalanced, []string{})
				want(t, "mismatches", c.Mismatches, []wallet.BalanceMismatch{{Account: alice, Cached: 300, Entries: 299}, {Account: bob, Cached: 200, Entries: 201}})
				storetest.Behind(t, db, `UPDATE ledger_transactions SET transfer_amount = transfer_amount - 1 WHERE id = '`+pay.ID+`'`)
				l.check(t)
			})
		}
		t.Run("a floor broken", func(t *testing.T) {
			storetest.Behind(t, db, `UPDATE ledger_accounts SET floor = 301 WHERE id = 'citizen:alice'`)
			c := found(t)
			want(t, "below floor", c.BelowFloor, []wallet.FloorBreach{{Account: alice, Balance: 300, Floor: 301}})
			storetest.Behind(t, db, `UPDATE ledger_accounts SET floor = 0 WHERE id = 'citizen:alice'`)
			l.check(t)
		})
		// A posting never gives a floored account pending rows; rows it had
		// all the same move the balance the citizen is shown, not the
		// cached one, and the floor is judged on the former.
		t.Run("a floor broken by pending rows", func(t *testing.T) {
			pending := l.check(t).Pending
			storetest.Behind(t, db, `INSERT INTO ledger_transactions (id, idem_key, kind, created_at)
					SELECT 'lt_pending', 'pending', 'test.transfer', created_at FROM ledger_transactions WHERE id = '`+pay.ID+`';
				INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
					SELECT 'lt_pending', 'citizen:alice', -1000, created_at FROM ledger_transactions WHERE id = '`+pay.ID+`'
					UNION ALL SELECT 'lt_pending', 'city:funding', 1000, created_at FROM ledger_transactions WHERE id = '`+pay.ID+`';
				INSERT INTO ledger_pending (entry_id, account_id, amount)
					SELECT id, account_id, amount FROM ledger_entries WHERE transaction_id = 'lt_pending';
				UPDATE ledger_accounts SET balance = 300 WHERE id = 'citizen:alice';
				UPDATE ledger_accounts SET balance = 0 WHERE id = 'city:funding'`)
			c := found(t)
			want(t, "below floor", c.BelowFloor, []wallet.FloorBreach{{Account: alice, Balance: -700, Floor: 0}})
			if len(c.Mismatches) != 0 || len(c.Unbalanced) != 0 || c.BalanceSum != 0 || c.Pending != pending+2 {
				t.Errorf("check = %+v, want nothing else wrong and %d entries pending", c, pending+2)
			}
			storetest.Behind(t, db, `DELETE FROM ledger_pending WHERE entry_id IN (SELECT id FROM ledger_entries WHERE transaction_id = 'lt_pending');
				DELETE FROM ledger_entries WHERE transaction_id = 'lt_pending';
				DELETE FROM ledger_transactions WHERE id = 'lt_pending'`)
			l.check(t)
		})
		// Entries that balance, for accounts that do not exist, and for a
		// transaction that does not exist (with the balances they name
		// moved to match): only the check says what is wrong with them.
		// On SQLite with its foreign keys on, they are refused first.
		orphans := []struct {
			name, insert                  string
			missingAccounts, missingTrans any
		}{
			{"an entry for an account that does not exist", `INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
				SELECT id, 'citizen:nobody', 1, created_at FROM ledger_transactions WHERE id = '` + pay.ID + `'
				UNION ALL SELECT id, 'citizen:ghost', -1, created_at FROM ledger_transactions WHERE id = '` + pay.ID + `'`,
				[]wallet.AccountID{"citizen:ghost", "citizen:nobody"}, []string{}},
			{"an entry for a transaction that does not exist", `INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
				SELECT 'lt_missing', 'citizen:bob', 1, created_at FROM ledger_transactions WHERE id = '` + pay.ID + `'
				UNION ALL SELECT 'lt_missing', 'citizen:alice', -1, created_at FROM ledger_transactions WHERE id = '` + pay.ID + `'`,
				[]wallet.AccountID{}, []string{"lt_missing"}},
		}
		for _, o := range orphans {
			t.Run(o.name, func(t *testing.T) {
				err := storetest.Exec(t, db, o.insert)
				_, onSQLite := db.(*sqlite.DB)
				if onSQLite {
					// The embedded engine keeps its foreign keys (it
					// locks no rows, so they cost a posting no wait) and
					// refuses the entry; its check is tried with them off
					// for the one statement.
					if err == nil {
						t.Fatal("SQLite stored an entry for something that does not exist")
					}
					err = storetest.Exec(t, db, "PRAGMA foreign_keys = OFF; "+o.insert+"; PRAGMA foreign_keys = ON")
				}
				if err != nil {
					t.Fatal(err)
				}
				if !onSQLite {
					// SQLite's trigger moves the balances an entry names;
					// on PostgreSQL it is done here.
					storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:bob' AND EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id = 'lt_missing');
						UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:alice' AND EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id = 'lt_missing')`)
				}
				c := found(t)
				want(t, "missing accounts", c.MissingAccounts, o.missingAccounts)
				want(t, "missing transactions", c.MissingTransactions, o.missingTrans)
				if len(c.Mismatches) != 0 || len(c.Unbalanced) != 0 || c.BalanceSum != 0 {
					t.Errorf("check = %+v, want nothing else wrong", c)
				}
				storetest.Behind(t, db, `UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:bob' AND EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id = 'lt_missing');
					UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'citizen:alice' AND EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id = 'lt_missing');
					DELETE FROM ledger_entries WHERE transaction_id = 'lt_missing' OR account_id IN ('citizen:nobody', 'citizen:ghost')`)
				l.check(t)
			})
		}
	})
}
