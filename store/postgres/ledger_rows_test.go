package postgres_test

import (
	"context"
	"reflect"
	"testing"

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
	posted := map[string]wallet.Transaction{}
	for _, tr := range []wallet.Transaction{fund, sale, split} {
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
	for _, key := range []string{"row-fund", "row-sale"} {
		s := read(posted[key].ID)
		if s.entries != 0 || s.from == nil || s.to == nil || s.amount == nil {
			t.Fatalf("%s: %d entry rows, legs %v → %v, want none and both legs on its row", key, s.entries, s.from, s.to)
		}
	}
	s := read(posted["row-sale"].ID)
	if *s.from != string(citizen) || *s.to != string(revenue) || *s.amount != 300 || *s.toID >= *s.fromID {
		t.Fatalf("the sale's row: %s → %s, %d, entries %d and %d; want the citizen giving 300 and the revenue's entry first, as posted",
			*s.from, *s.to, *s.amount, *s.fromID, *s.toID)
	}
	if s := read(posted["row-split"].ID); s.entries != 3 || s.from != nil {
		t.Fatalf("the split: %d entry rows, legs on its row %v; want three rows of its own", s.entries, s.from)
	}

	// Posted again: the first posting, its entries in their order.
	again, err := svc.Post(ctx, sale)
	if err != nil || !again.Replayed || !reflect.DeepEqual(again.Entries, sale.Entries) {
		t.Fatalf("the sale again: %+v, %v; want a replay with entries %+v", again, err, sale.Entries)
	}

	// Histories: both shapes, newest first, by the entries' ids.
	var lines []wallet.HistoryLine
	if err := db.Wallet().View(ctx, func(tx wallet.Tx) error {
		var err error
		lines, err = tx.History(ctx, citizen, 0, 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, l := range lines {
		got = append(got, l.Amount)
	}
	if want := []int64{-30, -300, 1000}; !reflect.DeepEqual(got, want) || lines[1].EntryID != *s.fromID || lines[1].TransactionID != posted["row-sale"].ID {
		t.Fatalf("the citizen's history: %+v, want amounts %v with the sale's entry %d", lines, want, *s.fromID)
	}
	for id, want := range map[wallet.AccountID]int64{citizen: 670, revenue: 320} {
		a, err := svc.Account(ctx, id)
		if err != nil || a.Balance != want {
			t.Fatalf("%s: %+v, %v; want a balance of %d", id, a, err, want)
		}
	}
	c, err := svc.Check(ctx)
	if err != nil || !c.OK() || c.Entries != 7 || c.Transactions != 3 || c.Pending == 0 {
		t.Fatalf("check: %+v, %v; want it to pass with 7 entries in 3 transactions, some pending", c, err)
	}
	// The pending rows of the transfers' legs roll up as any others.
	if n, err := svc.RollUp(ctx, 100); err != nil || n != int(c.Pending) {
		t.Fatalf("roll-up: %d rows, %v; want the %d pending", n, err, c.Pending)
	}
	c, err = svc.Check(ctx)
	if err != nil || !c.OK() || c.Pending != 0 {
		t.Fatalf("check after the roll-up: %+v, %v; want it to pass with nothing pending", c, err)
	}
	for id, want := range map[wallet.AccountID]int64{citizen: 670, revenue: 320} {
		if a, err := svc.Account(ctx, id); err != nil || a.Balance != want {
			t.Fatalf("%s after the roll-up: %+v, %v; want a balance of %d", id, a, err, want)
		}
	}
}
