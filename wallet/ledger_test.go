package wallet_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// ledger is a wallet service on a fresh store, with the hub's singleton
// accounts and two citizens, alice and bob.
type ledger struct {
	db  store.DB
	svc *wallet.Service
}

var (
	alice = wallet.CitizenAccount("alice")
	bob   = wallet.CitizenAccount("bob")
)

func newLedger(t *testing.T, db store.DB) ledger {
	t.Helper()
	ctx := context.Background()
	svc := wallet.NewService(db.Wallet(), storetest.Logger(t))
	if err := svc.Setup(ctx); err != nil {
		t.Fatalf("setup: %v", err)
	}
	err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		for _, id := range []string{"alice", "bob"} {
			if err := wallet.OpenCitizen(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("open citizens: %v", err)
	}
	return ledger{db: db, svc: svc}
}

func transfer(key string, from, to wallet.AccountID, cents int64) wallet.Transaction {
	return wallet.Transaction{Key: key, Kind: "test.transfer", Entries: []wallet.Entry{
		{Account: from, Amount: -cents}, {Account: to, Amount: cents},
	}}
}

// mustPost posts t and fails the test on error.
func (l ledger) mustPost(t *testing.T, tr wallet.Transaction) wallet.Transaction {
	t.Helper()
	out, err := l.svc.Post(context.Background(), tr)
	if err != nil {
		t.Fatalf("post %s: %v", tr.Key, err)
	}
	return out
}

func (l ledger) balance(t *testing.T, id wallet.AccountID) int64 {
	t.Helper()
	a, err := l.svc.Account(context.Background(), id)
	if err != nil {
		t.Fatalf("account %s: %v", id, err)
	}
	return a.Balance
}

// check runs the ledger self-check and fails the test if it finds anything.
func (l ledger) check(t *testing.T) wallet.LedgerCheck {
	t.Helper()
	c, err := l.svc.Check(context.Background())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if !c.OK() {
		t.Fatalf("ledger check failed: %+v", c)
	}
	return c
}

func TestPostTransfer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		l := newLedger(t, db)
		before := time.Now().Add(-time.Second)
		tx := l.mustPost(t, transfer("fund-1", wallet.TestPayments, alice, 1500))
		if tx.ID == "" || tx.Replayed || tx.CreatedAt.Before(before) {
			t.Fatalf("posted transaction = %+v", tx)
		}
		l.mustPost(t, transfer("pay-1", alice, bob, 400))
		for id, want := range map[wallet.AccountID]int64{wallet.TestPayments: -1500, alice: 1100, bob: 400} {
			if got := l.balance(t, id); got != want {
				t.Errorf("balance of %s = %d, want %d", id, got, want)
			}
			if err := l.svc.Verify(context.Background(), id); err != nil {
				t.Errorf("verify %s: %v", id, err)
			}
		}
		c := l.check(t)
		if c.Transactions != 2 || c.Entries != 4 {
			t.Fatalf("check = %+v, want 2 transactions and 4 entries", c)
		}
	})
}

func TestPostRefusesBadTransactions(t *testing.T) {
	t.Parallel()
	overdraft := wallet.RideOverrun
	deeper := wallet.OverdraftRule{Name: "ride_overrun", Floor: -100000}
	cases := []struct {
		name string
		tx   wallet.Transaction
		code apperr.Code
	}{
		{"no key", transfer("", wallet.TestPayments, alice, 100), apperr.Invalid},
		{"blank key", transfer("   ", wallet.TestPayments, alice, 100), apperr.Invalid},
		{"no kind", wallet.Transaction{Key: "k", Entries: transfer("k", wallet.TestPayments, alice, 1).Entries}, apperr.Invalid},
		{"one entry", wallet.Transaction{Key: "k", Kind: "x", Entries: []wallet.Entry{{Account: alice, Amount: 0}}}, apperr.Invalid},
		{"unbalanced", wallet.Transaction{Key: "k", Kind: "x", Entries: []wallet.Entry{
			{Account: wallet.TestPayments, Amount: -100}, {Account: alice, Amount: 101}}}, apperr.Invalid},
		{"zero amount", wallet.Transaction{Key: "k", Kind: "x", Entries: []wallet.Entry{
			{Account: wallet.TestPayments, Amount: 0}, {Account: alice, Amount: 0}}}, apperr.Invalid},
		{"same account twice", wallet.Transaction{Key: "k", Kind: "x", Entries: []wallet.Entry{
			{Account: alice, Amount: -100}, {Account: alice, Amount: 100}}}, apperr.Invalid},
		{"too large", transfer("k", wallet.TestPayments, alice, wallet.MaxAmount+1), apperr.Invalid},
		{"empty account", wallet.Transaction{Key: "k", Kind: "x", Entries: []wallet.Entry{
			{Account: "", Amount: -100}, {Account: alice, Amount: 100}}}, apperr.Invalid},
		{"unknown account", transfer("k", wallet.AccountID("citizen:nobody"), alice, 100), apperr.NotFound},
		{"overdraft rule not the city's", func() wallet.Transaction {
			tr := transfer("k", alice, wallet.RevenueBikeshare, 100)
			tr.Overdraft, tr.OverdraftAccount = &deeper, alice
			return tr
		}(), apperr.Invalid},
		{"overdraft account not in transaction", func() wallet.Transaction {
			tr := transfer("k", alice, wallet.RevenueBikeshare, 100)
			tr.Overdraft, tr.OverdraftAccount = &overdraft, bob
			return tr
		}(), apperr.Invalid},
		{"below floor", transfer("k", alice, bob, 1), apperr.InsufficientFunds},
	}
	storetest.Each(t, func(t *testing.T, db store.DB) {
		l := newLedger(t, db)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := l.svc.Post(context.Background(), tc.tx)
				testutil.WantCode(t, err, tc.code)
				c := l.check(t)
				if c.Transactions != 0 || c.Entries != 0 {
					t.Fatalf("a refused posting wrote something: %+v", c)
				}
			})
		}
	})
}

func TestFloorAndRideOverrun(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 500))

		_, err := l.svc.Post(ctx, transfer("too-much", alice, bob, 501))
		testutil.WantCode(t, err, apperr.InsufficientFunds)
		if got := l.balance(t, alice); got != 500 {
			t.Fatalf("after a refused debit alice has %d, want 500", got)
		}
		if _, err := l.svc.Post(ctx, transfer("too-much", alice, bob, 200)); err != nil {
			t.Fatalf("a refused key must stay usable: %v", err)
		}

		fare := func(key string, cents int64) wallet.Transaction {
			tr := transfer(key, alice, wallet.RevenueBikeshare, cents)
			tr.Kind = "ride.fare"
			rule := wallet.RideOverrun
			tr.Overdraft, tr.OverdraftAccount = &rule, alice
			return tr
		}
		// 300 left: a 2,300 fare takes the credit to exactly the rule's bound.
		l.mustPost(t, fare("ride-1", 2300))
		if got := l.balance(t, alice); got != wallet.RideOverrun.Floor {
			t.Fatalf("after the overrun alice has %d, want %d", got, wallet.RideOverrun.Floor)
		}
		_, err = l.svc.Post(ctx, fare("ride-2", 1))
		testutil.WantCode(t, err, apperr.InsufficientFunds)
		_, err = l.svc.Post(ctx, transfer("pay-while-negative", alice, bob, 1))
		testutil.WantCode(t, err, apperr.InsufficientFunds)
		// Credit into a negative account is always allowed.
		l.mustPost(t, transfer("topup", wallet.TestPayments, alice, 2500))
		if got := l.balance(t, alice); got != 500 {
			t.Fatalf("after the top-up alice has %d, want 500", got)
		}
		l.check(t)
	})
}

// Afford answers, without posting, what Post would: the same refusal for a
// posting that breaks a floor (an overdraft rule counted), nil for one
// that does not, and a refusal that changes nothing.
func TestAffordAnswersAsPostWould(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 500))
		afford := func(tr wallet.Transaction) error {
			t.Helper()
			var out error
			if err := db.Wallet().View(ctx, func(tx wallet.Tx) error { out = wallet.Afford(ctx, tx, tr); return nil }); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if err := afford(transfer("ok", alice, bob, 500)); err != nil {
			t.Fatalf("500 of 500: %v", err)
		}
		short := transfer("short", alice, bob, 501)
		err := afford(short)
		testutil.WantCode(t, err, apperr.InsufficientFunds)
		_, postErr := l.svc.Post(ctx, short)
		if apperr.ReasonOf(err) != apperr.ReasonOf(postErr) || apperr.MessageOf(err) != apperr.MessageOf(postErr) {
			t.Fatalf("Afford said %v, Post %v", err, postErr)
		}
		fare := transfer("fare", alice, wallet.RevenueBikeshare, 501)
		rule := wallet.RideOverrun
		fare.Overdraft, fare.OverdraftAccount = &rule, alice
		if err := afford(fare); err != nil {
			t.Fatalf("a fare within the overrun rule: %v", err)
		}
		if got := l.balance(t, alice); got != 500 {
			t.Fatalf("alice has %d after asking, want 500", got)
		}
		l.check(t)
	})
}

// DisputedTopUp takes the credit below zero by the disputed amount at most,
// and the ledger refuses the rule with a bound deeper than a top-up can be.
func TestDisputedTopUpRule(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 300))
		hold := func(key string, cents, bound int64) wallet.Transaction {
			tr := transfer(key, alice, bob, cents)
			rule := wallet.DisputedTopUp(bound)
			tr.Overdraft, tr.OverdraftAccount = &rule, alice
			return tr
		}
		// 300 left, 1,000 disputed: the credit may reach -1,000, not lower.
		_, err := l.svc.Post(ctx, hold("hold-too-deep", 1301, 1000))
		testutil.WantCode(t, err, apperr.InsufficientFunds)
		l.mustPost(t, hold("hold", 1300, 1000))
		if got := l.balance(t, alice); got != -1000 {
			t.Fatalf("after the dispute alice has %d, want -1000", got)
		}
		_, err = l.svc.Post(ctx, hold("hold-beyond-a-top-up", 1, wallet.MaxTopUp+1))
		testutil.WantCode(t, err, apperr.Invalid)
		_, err = l.svc.Post(ctx, transfer("spend-while-negative", alice, bob, 1))
		testutil.WantCode(t, err, apperr.InsufficientFunds)
		l.check(t)
	})
}

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		first := l.mustPost(t, transfer("k1", wallet.TestPayments, alice, 700))

		again := transfer("k1", wallet.TestPayments, alice, 700)
		// The same movement with its entries in another order is the same movement.
		again.Entries[0], again.Entries[1] = again.Entries[1], again.Entries[0]
		replay := l.mustPost(t, again)
		if !replay.Replayed || replay.ID != first.ID || !replay.CreatedAt.Equal(first.CreatedAt) || replay.Kind != first.Kind {
			t.Fatalf("replay = %+v, want the first transaction %+v", replay, first)
		}
		for _, tc := range []struct {
			name string
			tx   wallet.Transaction
		}{
			{"other amount", transfer("k1", wallet.TestPayments, alice, 701)},
			{"other account", transfer("k1", wallet.TestPayments, bob, 700)},
			{"other kind", func() wallet.Transaction {
				tr := transfer("k1", wallet.TestPayments, alice, 700)
				tr.Kind = "x"
				return tr
			}()},
		} {
			_, err := l.svc.Post(ctx, tc.tx)
			testutil.WantCode(t, err, apperr.Conflict)
			if apperr.ReasonOf(err) != "ledger_key_reused" {
				t.Errorf("%s: reason %q", tc.name, apperr.ReasonOf(err))
			}
		}
		if got := l.balance(t, alice); got != 700 {
			t.Fatalf("alice has %d after replays, want 700", got)
		}
		if c := l.check(t); c.Transactions != 1 || c.Entries != 2 {
			t.Fatalf("replays wrote something: %+v", c)
		}
		// A retry of a payment that went through, after the money was spent
		// elsewhere: still its first answer, not a refusal.
		paid := l.mustPost(t, transfer("k2", alice, bob, 500))
		l.mustPost(t, transfer("k3", alice, bob, 200))
		if replay := l.mustPost(t, transfer("k2", alice, bob, 500)); !replay.Replayed || replay.ID != paid.ID {
			t.Fatalf("the retry of a spent payment = %+v, want the first %+v", replay, paid)
		}
		if got := l.balance(t, alice); got != 0 {
			t.Fatalf("alice has %d after the retry, want 0", got)
		}
	})
}

// A key's overdraft rule is part of its movement: a retry under the key
// with another rule, another bound, the rule on another account, or the
// rule added or left out, is refused as a reused key, not answered as the
// first posting.
func TestReplayComparesOverdraft(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		fare := func(rule *wallet.OverdraftRule, account wallet.AccountID) wallet.Transaction {
			tr := transfer("fare", bob, wallet.RevenueBikeshare, 500)
			tr.Overdraft, tr.OverdraftAccount = rule, account
			return tr
		}
		overrun := wallet.RideOverrun
		first := l.mustPost(t, fare(&overrun, bob))
		if replay := l.mustPost(t, fare(&overrun, bob)); !replay.Replayed || replay.ID != first.ID {
			t.Fatalf("the same fare again = %+v, want the first %+v", replay, first)
		}
		disputed := wallet.DisputedTopUp(-wallet.RideOverrun.Floor)
		hold := fare(&disputed, bob)
		hold.Key = "hold"
		l.mustPost(t, hold)
		l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 700))
		deeper := wallet.DisputedTopUp(3000)
		for _, tc := range []struct {
			name string
			tx   wallet.Transaction
		}{
			{"no rule", fare(nil, "")},
			{"another rule with the same bound", fare(&disputed, bob)},
			{"the rule on another account", fare(&overrun, wallet.RevenueBikeshare)},
			{"another bound", func() wallet.Transaction {
				tr := fare(&deeper, bob)
				tr.Key = "hold"
				return tr
			}()},
			{"a rule added", func() wallet.Transaction {
				tr := transfer("fund", wallet.TestPayments, alice, 700)
				tr.Overdraft, tr.OverdraftAccount = &overrun, alice
				return tr
			}()},
		} {
			if _, err := l.svc.Post(ctx, tc.tx); !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != "ledger_key_reused" {
				t.Errorf("%s: %v, want ledger_key_reused", tc.name, err)
			}
		}
		if got := l.balance(t, bob); got != -1000 {
			t.Fatalf("bob has %d after the retries, want -1000", got)
		}
		if c := l.check(t); c.Transactions != 3 {
			t.Fatalf("the retries wrote something: %+v", c)
		}
	})
}

// A domain's state change and its posting share one database transaction:
// when the domain's work fails after Post, the posting is gone too.
func TestPostRollsBackWithCallersTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		boom := errors.New("the domain's own write failed")
		err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			if _, err := wallet.Post(ctx, tx, transfer("k", wallet.TestPayments, alice, 100), time.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want the domain's error", err)
		}
		if c := l.check(t); c.Transactions != 0 || c.Entries != 0 {
			t.Fatalf("a rolled-back posting left %+v", c)
		}
		if got := l.balance(t, alice); got != 0 {
			t.Fatalf("alice has %d after a rollback", got)
		}
	})
}

func TestHistoryPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		for i := range 25 {
			l.mustPost(t, transfer(fmt.Sprintf("h%02d", i), wallet.TestPayments, alice, int64(i+1)))
		}
		l.mustPost(t, transfer("bob-only", wallet.TestPayments, bob, 99))

		var all []wallet.HistoryLine
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("history does not end")
			}
			p, err := l.svc.History(ctx, alice, cursor, 10)
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			if len(p.Lines) > 10 {
				t.Fatalf("page of %d lines, limit 10", len(p.Lines))
			}
			all = append(all, p.Lines...)
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if len(all) != 25 {
			t.Fatalf("history has %d lines, want 25", len(all))
		}
		for i, line := range all {
			// Newest first: amounts 25, 24, ..., 1.
			if want := int64(25 - i); line.Amount != want || line.Kind != "test.transfer" || line.TransactionID == "" || line.At.IsZero() {
				t.Fatalf("line %d = %+v, want amount %d", i, line, want)
			}
			if i > 0 && line.EntryID >= all[i-1].EntryID {
				t.Fatalf("history not newest first at %d", i)
			}
		}
		p, err := l.svc.History(ctx, bob, "", 0)
		if err != nil || len(p.Lines) != 1 || p.Lines[0].Amount != 99 || p.Next != "" {
			t.Fatalf("bob's history = %+v, %v", p, err)
		}
		empty, err := l.svc.History(ctx, wallet.CitizenAccount("nobody"), "", 10)
		if err != nil || len(empty.Lines) != 0 || empty.Lines == nil {
			t.Fatalf("history of an account without entries = %+v, %v", empty, err)
		}
		for _, bad := range []string{"x", "-3", "0", "1e9"} {
			_, err := l.svc.History(ctx, alice, bad, 10)
			testutil.WantCode(t, err, apperr.Invalid)
		}
		// A cursor is one of the account's own entries, as its pages give
		// them: bob's entry, or one that never was, is no cursor of
		// alice's (it read as an empty page, or as her whole history).
		for _, bad := range []string{strconv.FormatInt(p.Lines[0].EntryID, 10), "99999999"} {
			_, err := l.svc.History(ctx, alice, bad, 10)
			testutil.WantReason(t, err, apperr.Invalid, "bad_cursor")
		}
	})
}

func TestCachedBalanceEqualsEntries(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("a", wallet.CityFunding, alice, 1000))
		l.mustPost(t, transfer("b", alice, bob, 250))
		l.mustPost(t, wallet.Transaction{Key: "c", Kind: "split", Entries: []wallet.Entry{
			{Account: bob, Amount: -200}, {Account: wallet.RevenueTheatre, Amount: 150}, {Account: wallet.RevenueBikeshare, Amount: 50},
		}})
		for _, id := range []wallet.AccountID{wallet.CityFunding, alice, bob, wallet.RevenueTheatre, wallet.RevenueBikeshare, wallet.TestPayments} {
			a, err := l.svc.Account(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			err = db.Wallet().View(ctx, func(tx wallet.Tx) error {
				var err error
				sum, err = tx.SumEntries(ctx, id)
				return err
			})
			if err != nil || sum != a.Balance {
				t.Fatalf("%s: cached %d, entries %d (%v)", id, a.Balance, sum, err)
			}
			if err := l.svc.Verify(ctx, id); err != nil {
				t.Fatalf("verify %s: %v", id, err)
			}
		}
		testutil.WantCode(t, l.svc.Verify(ctx, "citizen:nobody"), apperr.NotFound)
		_, err := l.svc.Account(ctx, "citizen:nobody")
		testutil.WantCode(t, err, apperr.NotFound)
		if c := l.check(t); c.Accounts != 8 || c.Transactions != 3 || c.Entries != 7 {
			t.Fatalf("check = %+v", c)
		}
	})
}

func TestEnsureAccountKeepsExisting(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("a", wallet.CityFunding, alice, 300))
		// Opening again (a second signup attempt, a replayed setup) changes nothing.
		err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			return tx.EnsureAccount(ctx, wallet.Account{ID: alice, Kind: wallet.KindSystem})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.svc.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		a, err := l.svc.Account(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind != wallet.KindCitizenCredit || a.Floor == nil || *a.Floor != 0 || a.Balance != 300 || a.OwnerID != "alice" || a.CreatedAt.IsZero() {
			t.Fatalf("account after a second open = %+v", a)
		}
		f, err := l.svc.Account(ctx, wallet.CityFunding)
		if err != nil || f.Floor != nil {
			t.Fatalf("city funding = %+v, %v; want unbounded", f, err)
		}
	})
}

// A transaction's id is its key, whatever the caller put there: the stores
// keep keys unique by their ids (wallet.TransactionIDFor). A key may not
// look like the random ids of the transactions posted before.
func TestTransactionIDIsTheKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		l := newLedger(t, db)
		tr := transfer("id-of-key", wallet.TestPayments, alice, 5)
		tr.ID = "mine"
		if posted := l.mustPost(t, tr); posted.ID != "id-of-key" || wallet.TransactionIDFor("id-of-key") != posted.ID {
			t.Fatalf("posted as %s, want id-of-key", posted.ID)
		}
		_, err := l.svc.Post(context.Background(), transfer("ltx_01jabcdefghjkmnpqrstvwxyz0", wallet.TestPayments, alice, 5))
		if apperr.ReasonOf(err) != "ledger_key" {
			t.Fatalf("a key like an old id: %v", err)
		}
	})
}
