package wallet_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A closed account takes no posting, whichever way it is written: Post
// (on PostgreSQL one guarded statement), a posting with its transaction's
// commit (ledger_transfer for a transfer, ledger_post for more entries;
// the first for an account the store's floor cache knows and for one it
// does not), a credit or a debit, under an overdraft rule too. Each is
// refused (ReasonAccountClosed) and writes nothing; the retry of a posting
// made before the close still replays it. A citizen's credit is closed only
// once nothing is left on it, and closing it again changes nothing.
func TestClosedAccountTakesNoPosting(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { closedAccountTakesNoPosting(t, engine) })
	}
}

func closedAccountTakesNoPosting(t *testing.T, engine string) {
	ctx := context.Background()
	var db, fresh store.DB
	if engine == "postgres" {
		// Two stores on one schema, as two hubs: the second never posts
		// to alice before she is closed, so no floor of hers is known to
		// it, and its posting at commit reads it first.
		u := storetest.MigratedPostgresURL(t)
		for _, d := range []*store.DB{&db, &fresh} {
			pg, err := postgres.Open(ctx, u, storetest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pg.Close() })
			*d = pg
		}
	} else {
		db = storetest.Open(t, engine)
	}
	{
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 500))
		closeAlice := func(at time.Time) error {
			return db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.CloseCitizen(ctx, tx, "alice", at) })
		}
		closedAt := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		if err := closeAlice(closedAt); apperr.ReasonOf(err) != "credit_left" {
			t.Fatalf("closing alice's credit with 5.00 EUR on it: %v, want credit_left", err)
		}
		if a, err := l.svc.Account(ctx, alice); err != nil || a.Closed() {
			t.Fatalf("after the refused close: %+v, %v", a, err)
		}
		pay := l.mustPost(t, transfer("pay", alice, bob, 500))
		if err := closeAlice(closedAt); err != nil {
			t.Fatalf("close alice's credit: %v", err)
		}
		if err := closeAlice(closedAt.Add(time.Hour)); err != nil {
			t.Fatalf("close alice's credit again: %v", err)
		}
		if a, err := l.svc.Account(ctx, alice); err != nil || !a.Closed() || !a.ClosedAt.Equal(closedAt) || a.Balance != 0 {
			t.Fatalf("alice's credit after closing it twice: %+v, %v; want closed at %s, nothing on it", a, err, closedAt)
		}

		rule := wallet.RideOverrun
		fare := transfer("fare", alice, wallet.RevenueBikeshare, 100)
		fare.Overdraft, fare.OverdraftAccount = &rule, alice
		three := wallet.Transaction{Key: "three", Kind: "test.split", Entries: []wallet.Entry{
			{Account: wallet.TestPayments, Amount: -2}, {Account: alice, Amount: 1}, {Account: bob, Amount: 1}}}
		ways := map[string]func(tr wallet.Transaction) error{
			"Post": func(tr wallet.Transaction) error {
				return db.Wallet().InTx(ctx, func(tx wallet.Tx) error { _, err := wallet.Post(ctx, tx, tr, time.Now()); return err })
			},
			"PostAtCommit": func(tr wallet.Transaction) error {
				return db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.PostAtCommit(ctx, tx, tr, time.Now()) })
			},
			"the service's Post": func(tr wallet.Transaction) error { _, err := l.svc.Post(ctx, tr); return err },
		}
		if fresh != nil {
			ways["PostAtCommit, floors unknown"] = func(tr wallet.Transaction) error {
				return fresh.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.PostAtCommit(ctx, tx, tr, time.Now()) })
			}
		}
		for way, post := range ways {
			for _, tr := range []wallet.Transaction{transfer("credit", wallet.TestPayments, alice, 300), fare, three} {
				tr.Key = way + ":" + tr.Key
				err := post(tr)
				if !wallet.Closed(err) || !apperr.Has(err, apperr.Conflict) {
					t.Fatalf("%s of %s to the closed account: %v, want Conflict %s", way, tr.Key, err, wallet.ReasonAccountClosed)
				}
				if wallet.ForOwner(err) != apperr.ErrAccountDeleted {
					t.Fatalf("%s: ForOwner(%v) is not apperr.ErrAccountDeleted", way, err)
				}
				err = db.Wallet().View(ctx, func(tx wallet.Tx) error { _, err := tx.TransactionByKey(ctx, tr.Key); return err })
				if !apperr.Has(err, apperr.NotFound) {
					t.Fatalf("%s: the refused %s is recorded: %v", way, tr.Key, err)
				}
			}
			// The retry of the payment made before the close is the same
			// payment, answered again.
			again := transfer("pay", alice, bob, 500)
			if err := post(again); err != nil && apperr.ReasonOf(err) != wallet.ReasonKeyTaken {
				t.Fatalf("%s of the payment made before the close, again: %v", way, err)
			}
		}
		if out, err := l.svc.Post(ctx, transfer("pay", alice, bob, 500)); err != nil || !out.Replayed || out.ID != pay.ID {
			t.Fatalf("the payment made before the close, again: %+v, %v; want it replayed", out, err)
		}
		if a, b := l.balance(t, alice), l.balance(t, bob); a != 0 || b != 500 {
			t.Fatalf("alice has %d and bob %d after the refused postings, want 0 and 500", a, b)
		}
		if c := l.check(t); len(c.ClosedWithCredit) != 0 {
			t.Fatalf("closed with credit: %+v", c.ClosedWithCredit)
		}
	}
}

// The ledger check reports credit nobody can spend: on an account whose
// owner's account is erased (an erasure that did not close it), and on a
// closed account; a debt on either is the city's, and is not reported.
func TestCheckFindsCreditOnClosedAccounts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, bob, 250))
		ride := overrun("ride", 120)
		l.mustPost(t, ride)
		now, erased := "now()", "now()"
		if _, onPostgres := db.(*postgres.DB); !onPostgres {
			now, erased = fmt.Sprint(time.Now().UnixMicro()), fmt.Sprint(time.Now().UnixMicro())
		}
		for _, id := range []string{"alice", "bob"} {
			storetest.Behind(t, db, `INSERT INTO accounts (id, email, email_norm, name, locale, password_hash, created_at, deleted_at)
				VALUES ('`+id+`', 'deleted+`+id+`@invalid', 'deleted+`+id+`@invalid', '', 'it', '!deleted', `+now+`, `+erased+`)`)
		}
		c, err := l.svc.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []wallet.ClosedCredit{{Account: bob, Balance: 250}}; c.OK() || !reflect.DeepEqual(c.ClosedWithCredit, want) {
			t.Fatalf("check of an erased owner's credit left open: ok %v, closed with credit %+v, want %+v", c.OK(), c.ClosedWithCredit, want)
		}
		at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		for _, id := range []wallet.AccountID{alice, bob} {
			if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
				_, err := tx.CloseAccount(ctx, wallet.Account{ID: id, Kind: wallet.KindCitizenCredit, Floor: wallet.Zero()}, at)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if c, err = l.svc.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if want := []wallet.ClosedCredit{{Account: bob, Balance: 250, ClosedAt: &at}}; c.OK() || !reflect.DeepEqual(c.ClosedWithCredit, want) {
			t.Fatalf("check of a closed account with credit: ok %v, closed with credit %+v, want %+v", c.OK(), c.ClosedWithCredit, want)
		}
		if a := l.balance(t, alice); a != -120 {
			t.Fatalf("alice's debt: %d", a)
		}
	})
}
