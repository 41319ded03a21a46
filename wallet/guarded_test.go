package wallet_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A posting refused for a floor or a missing account writes nothing, even
// when the caller goes on and commits its transaction (as a ride end that
// records an unpaid fare does): the store that locks and writes in one
// exchange (GuardedPoster) holds the write back by the same rule Post
// checks.
func TestRefusedPostingWritesNothingInACommittedTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		l := newLedger(t, db)
		l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 500))
		for _, c := range refusedFrom500() {
			err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
				_, err := wallet.Post(ctx, tx, c.tr, time.Now())
				testutil.WantCode(t, err, c.code)
				return nil // the caller commits anyway
			})
			if err != nil {
				t.Fatalf("%s: the caller's commit failed: %v", c.name, err)
			}
			err = db.Wallet().View(ctx, func(tx wallet.Tx) error {
				_, err := tx.TransactionByKey(ctx, c.tr.Key)
				return err
			})
			if !apperr.Has(err, apperr.NotFound) {
				t.Fatalf("%s: the refused key is recorded: %v", c.name, err)
			}
		}
		if got := l.balance(t, alice); got != 500 {
			t.Fatalf("alice has %d after refused postings, want 500", got)
		}
		// Down to the floor exactly, and to the rule's bound exactly.
		l.mustPost(t, transfer("to-floor", alice, bob, 500))
		l.mustPost(t, overrun("to-bound", -wallet.RideOverrun.Floor))
		if got := l.balance(t, alice); got != wallet.RideOverrun.Floor {
			t.Fatalf("alice has %d, want %d", got, wallet.RideOverrun.Floor)
		}
		l.check(t)
	})
}

// refusal is a posting the ledger refuses, and the code it answers.
type refusal struct {
	name string
	tr   wallet.Transaction
	code apperr.Code
}

// refusedFrom500 are the postings refused when alice has 500 and bob an
// account: past her floor, past the ride-overrun rule's bound, and to an
// account that does not exist.
func refusedFrom500() []refusal {
	return []refusal{
		{"one cent past the floor", transfer("past-floor", alice, bob, 501), apperr.InsufficientFunds},
		{"past the rule's bound", overrun("past-rule", 500-wallet.RideOverrun.Floor+1), apperr.InsufficientFunds},
		{"a missing account", transfer("missing", alice, wallet.CitizenAccount("nobody"), 100), apperr.NotFound},
	}
}
