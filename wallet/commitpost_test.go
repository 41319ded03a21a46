package wallet_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A posting written with its transaction's commit is refused by the rule
// Post checks, and a refusal fails the whole transaction: the posting and
// every other write of it are gone. What it allows is posted as by Post.
func TestPostAtCommit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 500))
		l.mustPost(t, transfer("posted", wallet.TestPayments, bob, 1))
		refused := append(refusedFrom500(), refusal{"a key posted already", transfer("posted", wallet.TestPayments, bob, 1), apperr.Conflict})
		for _, c := range refused {
			beside := transfer("beside-"+c.tr.Key, wallet.TestPayments, bob, 7)
			err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
				if _, err := wallet.Post(ctx, tx, beside, time.Now()); err != nil {
					return err
				}
				return wallet.PostAtCommit(ctx, tx, c.tr, time.Now())
			})
			if err == nil {
				t.Fatalf("%s: the transaction committed", c.name)
			}
			testutil.WantCode(t, err, c.code)
			if c.code == apperr.Conflict && apperr.ReasonOf(err) != wallet.ReasonKeyTaken {
				t.Fatalf("%s: %v, want %s", c.name, err, wallet.ReasonKeyTaken)
			}
			for _, key := range []string{c.tr.Key, beside.Key} {
				if key == "posted" {
					continue
				}
				err = db.Wallet().View(ctx, func(tx wallet.Tx) error {
					_, err := tx.TransactionByKey(ctx, key)
					return err
				})
				if !apperr.Has(err, apperr.NotFound) {
					t.Fatalf("%s: %s is recorded: %v", c.name, key, err)
				}
			}
		}
		if a, b := l.balance(t, alice), l.balance(t, bob); a != 500 || b != 1 {
			t.Fatalf("alice has %d and bob %d after refused postings, want 500 and 1", a, b)
		}
		// Down to the floor exactly, and to the rule's bound exactly.
		for _, tr := range []wallet.Transaction{transfer("to-floor", alice, bob, 500), overrun("to-bound", -wallet.RideOverrun.Floor)} {
			if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.PostAtCommit(ctx, tx, tr, time.Now()) }); err != nil {
				t.Fatalf("%s: %v", tr.Key, err)
			}
		}
		if a, b := l.balance(t, alice), l.balance(t, bob); a != wallet.RideOverrun.Floor || b != 501 {
			t.Fatalf("alice has %d and bob %d, want %d and 501", a, b, wallet.RideOverrun.Floor)
		}
		// One cent past the rule's bound, now that the store knows which of
		// the two accounts has a floor (on PostgreSQL the update of alice's
		// balance alone judges it, under the rule).
		err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			return wallet.PostAtCommit(ctx, tx, overrun("past-bound", 1), time.Now())
		})
		testutil.WantCode(t, err, apperr.InsufficientFunds)
		if a := l.balance(t, alice); a != wallet.RideOverrun.Floor {
			t.Fatalf("alice has %d after a refused overrun, want %d", a, wallet.RideOverrun.Floor)
		}
		l.check(t)
	})
}

// overrun is a fare of cents from alice under the ride-overrun rule.
func overrun(key string, cents int64) wallet.Transaction {
	tr := transfer(key, alice, wallet.RevenueBikeshare, cents)
	rule := wallet.RideOverrun
	tr.Overdraft, tr.OverdraftAccount = &rule, alice
	return tr
}

// Postings at commit racing for one account with a floor: as many go
// through as its balance pays for, every other one is refused, and the
// balance ends exactly at the floor. To another account with a floor
// (both are locked first) and to one without (the update of the balance
// takes the lock and judges the floor).
func TestPostAtCommitRace(t *testing.T) {
	t.Parallel()
	for _, to := range []wallet.AccountID{bob, wallet.RevenueBikeshare} {
		t.Run(string(to), func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, db store.DB) { postAtCommitRace(t, db, to) })
		})
	}
}

func postAtCommitRace(t *testing.T, db store.DB, to wallet.AccountID) {
	ctx := context.Background()
	l := newLedger(t, db)
	l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 1100))
	// The first posting to these accounts teaches the store which of them
	// have a floor; the race then takes the path that knows.
	if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		return wallet.PostAtCommit(ctx, tx, transfer("warm-up", alice, to, 100), time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
				return wallet.PostAtCommit(ctx, tx, transfer(fmt.Sprint("race-", i), alice, to, 100), time.Now())
			})
			switch {
			case err == nil:
				ok.Add(1)
			case apperr.Has(err, apperr.InsufficientFunds):
				refused.Add(1)
			default:
				t.Errorf("posting %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 10 || refused.Load() != 14 {
		t.Fatalf("%d went through and %d were refused, want 10 and 14", ok.Load(), refused.Load())
	}
	if a, b := l.balance(t, alice), l.balance(t, to); a != 0 || b != 1100 {
		t.Fatalf("alice has %d and %s %d, want 0 and 1100", a, to, b)
	}
	l.check(t)
}
