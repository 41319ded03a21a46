package postgres_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store/postgres"
	"cityhub/wallet"
)

// A transfer posted at its transaction's commit is one row, its
// transaction's, holding both legs (migration 1025); read back it is the
// same two entries in the order it was posted with, in the replay, the
// histories and the balances, and the ledger check passes. A posting of
// more than two entries keeps a row per entry.
func TestTransferIsOneRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	citizen, revenue := wallet.CitizenAccount("one-row"), wallet.AccountID("revenue:one-row")
	db, svc := openLedger(t, revenue)
	if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.OpenCitizen(ctx, tx, "one-row") }); err != nil {
		t.Fatal(err)
	}
	fund := move("row-fund", wallet.CityFunding, citizen, 1000)
	// The receiver first: the giver is not always the first entry.
	sale := wallet.Transaction{Key: "row-sale", Kind: "test.move", Entries: []wallet.Entry{{Account: revenue, Amount: 300}, {Account: citizen, Amount: -300}}}
	split := wallet.Transaction{Key: "row-split", Kind: "test.split", Entries: []wallet.Entry{
		{Account: citizen, Amount: -30}, {Account: revenue, Amount: 20}, {Account: wallet.CityFunding, Amount: 10},
	}}
	// Once the hub knows the accounts' floors, a transfer goes through
	// ledger_transfer instead of ledger_post: the same row, either order.
	sale2 := wallet.Transaction{Key: "row-sale-2", Kind: "test.move", Entries: []wallet.Entry{{Account: revenue, Amount: 100}, {Account: citizen, Amount: -100}}}
	refund := move("row-refund", revenue, citizen, 40)
	posted := map[string]wallet.Transaction{}
	for _, tr := range []wallet.Transaction{fund, sale, split, sale2, refund} {
		p, err := svc.Post(ctx, tr)
		if err != nil {
			t.Fatalf("post %s: %v", tr.Key, err)
		}
		posted[tr.Key] = p
	}

	type shape struct {
		entries      int
		from, to     *string
		amount       *int64
		fromID, toID *int64
	}
	read := func(id string) shape {
		t.Helper()
		var s shape
		err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM ledger_entries WHERE transaction_id = t.id), t.from_account, t.to_account,
				t.transfer_amount, t.from_entry, t.to_entry FROM ledger_transactions t WHERE t.id = $1`, id).
			Scan(&s.entries, &s.from, &s.to, &s.amount, &s.fromID, &s.toID)
		if err != nil {
			t.Fatalf("read %s: %v", id, err)
		}
		return s
	}
	for _, w := range []struct {
		key, from, to string
		amount        int64
		fromFirst     bool
	}{
		{"row-fund", string(wallet.CityFunding), string(citizen), 1000, true},
		{"row-sale", string(citizen), string(revenue), 300, false},
		{"row-sale-2", string(citizen), string(revenue), 100, false},
		{"row-refund", string(revenue), string(citizen), 40, true},
	} {
		s := read(posted[w.key].ID)
		if s.entries != 0 || s.from == nil || s.to == nil || s.amount == nil {
			t.Fatalf("%s: %d entry rows, legs %v → %v, want none and both legs on its row", w.key, s.entries, s.from, s.to)
		}
		if *s.from != w.from || *s.to != w.to || *s.amount != w.amount || (*s.fromID < *s.toID) != w.fromFirst {
			t.Fatalf("%s's row: %s → %s, %d, entries %d and %d; want %s giving %d to %s, its entry first: %v, as posted",
				w.key, *s.from, *s.to, *s.amount, *s.fromID, *s.toID, w.from, w.amount, w.to, w.fromFirst)
		}
	}
	s := read(posted["row-sale"].ID)
	if s := read(posted["row-split"].ID); s.entries != 3 || s.from != nil {
		t.Fatalf("the split: %d entry rows, legs on its row %v; want three rows of its own", s.entries, s.from)
	}

	// At COMMIT (ledger_transfer, the floors known by now): a transfer the
	// credit does not cover is refused and writes nothing, and a key posted
	// already is refused as such.
	err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		return wallet.PostAtCommit(ctx, tx, move("row-too-much", citizen, revenue, 100_000), time.Now())
	})
	testutil.WantCode(t, err, apperr.InsufficientFunds)
	// The same with the taker first: the giver's floor is the second entry's.
	err = db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		return wallet.PostAtCommit(ctx, tx, wallet.Transaction{Key: "row-too-much-2", Kind: "test.move", Entries: []wallet.Entry{
			{Account: revenue, Amount: 100_000}, {Account: citizen, Amount: -100_000}}}, time.Now())
	})
	testutil.WantCode(t, err, apperr.InsufficientFunds)
	var written int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM ledger_lines WHERE transaction_id IN ($1, $2)`,
		wallet.TransactionIDFor("row-too-much"), wallet.TransactionIDFor("row-too-much-2")).Scan(&written); err != nil || written != 0 {
		t.Fatalf("a refused transfer left %d lines (%v)", written, err)
	}
	err = db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.PostAtCommit(ctx, tx, refund, time.Now()) })
	if testutil.WantCode(t, err, apperr.Conflict); apperr.ReasonOf(err) != wallet.ReasonKeyTaken {
		t.Fatalf("a transfer's key posted again at COMMIT: %v, want %s", err, wallet.ReasonKeyTaken)
	}

	// Posted again: the first posting, its entries in their order.
	for _, tr := range []wallet.Transaction{sale, sale2, refund} {
		again, err := svc.Post(ctx, tr)
		if err != nil || !again.Replayed || !reflect.DeepEqual(again.Entries, tr.Entries) {
			t.Fatalf("%s again: %+v, %v; want a replay with entries %+v", tr.Key, again, err, tr.Entries)
		}
	}

	// Histories: both shapes, newest first, by the entries' ids.
	lines := historyOf(t, db, citizen)
	var got []int64
	for _, l := range lines {
		got = append(got, l.Amount)
	}
	if want := []int64{40, -100, -30, -300, 1000}; !reflect.DeepEqual(got, want) || lines[3].EntryID != *s.fromID || lines[3].TransactionID != posted["row-sale"].ID {
		t.Fatalf("the citizen's history: %+v, want amounts %v with the sale's entry %d", lines, want, *s.fromID)
	}
	for id, want := range map[wallet.AccountID]int64{citizen: 610, revenue: 380} {
		a, err := svc.Account(ctx, id)
		if err != nil || a.Balance != want {
			t.Fatalf("%s: %+v, %v; want a balance of %d", id, a, err, want)
		}
	}
	c, err := svc.Check(ctx)
	if err != nil || !c.OK() || c.Entries != 11 || c.Transactions != 5 || c.Pending == 0 {
		t.Fatalf("check: %+v, %v; want it to pass with 11 entries in 5 transactions, some pending", c, err)
	}
	// The pending rows of the transfers' legs roll up as any others.
	if n, err := svc.RollUp(ctx, 100); err != nil || n != int(c.Pending) {
		t.Fatalf("roll-up: %d rows, %v; want the %d pending", n, err, c.Pending)
	}
	c, err = svc.Check(ctx)
	if err != nil || !c.OK() || c.Pending != 0 {
		t.Fatalf("check after the roll-up: %+v, %v; want it to pass with nothing pending", c, err)
	}
	for id, want := range map[wallet.AccountID]int64{citizen: 610, revenue: 380} {
		if a, err := svc.Account(ctx, id); err != nil || a.Balance != want {
			t.Fatalf("%s after the roll-up: %+v, %v; want a balance of %d", id, a, err, want)
		}
	}
}

// historyOf is the first page (10 lines) of account's history, newest
// first, as the wallet reads it.
func historyOf(t *testing.T, db *postgres.DB, account wallet.AccountID) []wallet.HistoryLine {
	t.Helper()
	var lines []wallet.HistoryLine
	if err := db.Wallet().View(context.Background(), func(tx wallet.Tx) error {
		var err error
		lines, err = tx.History(context.Background(), account, 0, 10)
		return err
	}); err != nil {
		t.Fatalf("history of %s: %v", account, err)
	}
	return lines
}
