package wallet_test

import (
	"context"
	"testing"
	"time"

	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A posting takes no row lock on an account without a floor, on either of
// its paths: while another transaction holds the theatre's revenue row
// exclusively, postings to it go through. (A foreign key from the entries
// to the accounts would lock that row in every posting, and these would
// wait until the deadline.) PostgreSQL only: SQLite locks the whole file.
func TestPostingLocksNoAccountWithoutAFloor(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	l := newLedger(t, db)
	l.mustPost(t, transfer("fund", wallet.TestPayments, alice, 500))
	ctx := context.Background()
	holder, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback(ctx) }()
	if _, err := holder.Exec(ctx, `SELECT id FROM ledger_accounts WHERE id = $1 FOR UPDATE`, string(wallet.RevenueTheatre)); err != nil {
		t.Fatal(err)
	}
	// The deadline only matters when the test fails.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := l.svc.Post(ctx, transfer("ticket-1", alice, wallet.RevenueTheatre, 100)); err != nil {
		t.Fatalf("wallet.Service.Post waited on the revenue row: %v", err)
	}
	err = db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		if _, err := wallet.Post(ctx, tx, transfer("ticket-2", alice, wallet.RevenueTheatre, 100), time.Now()); err != nil {
			return err
		}
		return wallet.PostAtCommit(ctx, tx, transfer("ticket-3", alice, wallet.RevenueTheatre, 100), time.Now())
	})
	if err != nil {
		t.Fatalf("wallet.Post and wallet.PostAtCommit waited on the revenue row: %v", err)
	}
	if err := holder.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := l.balance(t, alice); got != 200 {
		t.Fatalf("alice has %d after three tickets of 100 from 500, want 200", got)
	}
	l.check(t)
}
