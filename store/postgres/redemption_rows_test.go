package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cityhub/audit"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// A batch of redemptions writes each one's posting (the campaign's held
// value to the shop's payable) as one row, as ledger_transfer does: its
// legs on the transaction's row with entry ids in the batch's order and
// the posting's, one pending row for each account holding the entries it
// took, and the ledger check, history and balances read it as entries,
// before the roll-up and after.
func TestRedemptionBatchWritesTransfersInOneRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, svc := openLedger(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, sql := range []string{
		`INSERT INTO voucher_campaigns (id, name, budget_cents, face_value_cents, per_citizen_limit, valid_from, valid_until, mode, status, created_at)
			VALUES ('cmp_rows', 'rows', 100000, 1000, 10, $1::timestamptz - interval '1 hour', $1::timestamptz + interval '1 day', 'partial', 'open', $1)`,
		`INSERT INTO voucher_shops (id, name, name_key, address, district, category, iban, created_at)
			SELECT id, id, id, 'Corso Garibaldi 1', 'Centro', 'food', 'IT60X0542811101000000123456', $1 FROM unnest(ARRAY['shp_ra', 'shp_rb']) AS id`,
		`INSERT INTO vouchers (id, campaign_id, account_id, value_cents, remaining_cents, status, code, code_hash, claimed_at, expires_at)
			SELECT 'vch_rows_' || n, 'cmp_rows', 'acc_' || n, 1000, 1000, 'active', 'ROWS' || n, 'rowshash' || n, $1, $1::timestamptz + interval '1 day'
			FROM generate_series(1, 3) AS n`,
		`INSERT INTO ledger_accounts (id, kind, owner_id) SELECT a[1], a[2], a[3] FROM (VALUES
			(ARRAY['campaign:cmp_rows:held', 'campaign_held', 'cmp_rows']),
			(ARRAY['shop:shp_ra:payable', 'shop_payable', 'shp_ra']), (ARRAY['shop:shp_rb:payable', 'shop_payable', 'shp_rb'])) AS x(a)
			WHERE $1::timestamptz IS NOT NULL`,
	} {
		if _, err := db.Pool().Exec(ctx, sql, now); err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	held := wallet.CampaignHeldAccount("cmp_rows")
	payA, payB := wallet.ShopPayableAccount("shp_ra"), wallet.ShopPayableAccount("shp_rb")
	type redemption struct {
		shop       string
		amount     int64
		giverFirst bool
	}
	batch := []redemption{{"shp_ra", 100, true}, {"shp_rb", 250, true}, {"shp_ra", 40, false}}
	var ws []vouchers.RedemptionWrite
	var ids []string
	for i, b := range batch {
		r := vouchers.Redemption{ID: fmt.Sprintf("red_rows_%d", i+1), VoucherID: fmt.Sprintf("vch_rows_%d", i+1), CampaignID: "cmp_rows",
			ShopID: b.shop, PurchaseCents: b.amount, AmountCents: b.amount, StaffID: "acc_staff", At: now}
		entries := []wallet.Entry{{Account: held, Amount: -b.amount}, {Account: wallet.ShopPayableAccount(b.shop), Amount: b.amount}}
		if !b.giverFirst {
			entries[0], entries[1] = entries[1], entries[0]
		}
		key := "voucher.redeem:" + r.ID
		ids = append(ids, wallet.TransactionIDFor(key))
		ws = append(ws, vouchers.RedemptionWrite{
			Scope: "redeem:" + b.shop, Key: r.ID, RequestHash: "h", Response: []byte(`{}`),
			Voucher:    vouchers.Voucher{ID: r.VoucherID, RemainingCents: 1000 - b.amount, Status: "active"},
			Redemption: r,
			Posting: wallet.Transaction{ID: ids[i], Key: key, Kind: "voucher.redeem", RefType: "voucher_redemption", RefID: r.ID,
				CreatedAt: now, Entries: entries},
			Audit: audit.Entry{ActorID: "acc_staff", Action: "voucher.redeem", ObjectType: "voucher", ObjectID: r.VoucherID, ShopID: b.shop},
		})
	}
	if err := db.Vouchers().InTx(ctx, func(tx vouchers.Tx) error {
		return tx.(vouchers.RedemptionBatchTx).WriteRedemptions(ctx, ws, nil)
	}); err != nil {
		t.Fatalf("write the batch: %v", err)
	}

	var last int64
	for i, b := range batch {
		var entries int
		var from, to string
		var amount, fromID, toID int64
		err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM ledger_entries WHERE transaction_id = t.id), t.from_account, t.to_account,
				t.transfer_amount, t.from_entry, t.to_entry FROM ledger_transactions t WHERE t.id = $1`, ids[i]).
			Scan(&entries, &from, &to, &amount, &fromID, &toID)
		if err != nil {
			t.Fatalf("redemption %d's ledger row: %v", i+1, err)
		}
		want := string(wallet.ShopPayableAccount(b.shop))
		if entries != 0 || from != string(held) || to != want || amount != b.amount {
			t.Fatalf("redemption %d: %d entry rows, %s → %s, %d; want none, %s → %s, %d", i+1, entries, from, to, amount, held, want, b.amount)
		}
		first, second := fromID, toID
		if !b.giverFirst {
			first, second = toID, fromID
		}
		if second != first+1 || first <= last {
			t.Fatalf("redemption %d's entries %d, %d (giver first: %v) after %d; want consecutive ids in the posting's order and the batch's",
				i+1, fromID, toID, b.giverFirst, last)
		}
		last = second
	}

	pending := map[wallet.AccountID][3]int64{}
	rows, err := db.Pool().Query(ctx, `SELECT account_id, entry_id, amount, entries FROM ledger_pending WHERE account_id = ANY($1)`,
		[]string{string(held), string(payA), string(payB)})
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var p [3]int64
		if err := rows.Scan(&id, &p[0], &p[1], &p[2]); err != nil {
			t.Fatal(err)
		}
		if _, twice := pending[wallet.AccountID(id)]; twice {
			t.Fatalf("%s has more than one pending row from one batch", id)
		}
		pending[wallet.AccountID(id)] = [3]int64{p[1], p[2], p[0]}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var firstHeld, firstA, firstB int64
	if err := db.Pool().QueryRow(ctx, `SELECT min(id) FILTER (WHERE account_id = $1), min(id) FILTER (WHERE account_id = $2),
			min(id) FILTER (WHERE account_id = $3) FROM ledger_lines`, held, payA, payB).Scan(&firstHeld, &firstA, &firstB); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[wallet.AccountID][3]int64{held: {-390, 3, firstHeld}, payA: {140, 2, firstA}, payB: {250, 1, firstB}} {
		if pending[id] != want {
			t.Fatalf("%s pending (amount, entries, first entry) %v, want %v", id, pending[id], want)
		}
	}

	for _, rolled := range []bool{false, true} {
		if rolled {
			if _, err := svc.RollUp(ctx, 100); err != nil {
				t.Fatalf("roll-up: %v", err)
			}
		}
		c, err := svc.Check(ctx)
		if err != nil || len(c.Mismatches) != 0 || len(c.Unbalanced) != 0 || c.BalanceSum != 0 || c.Entries != 6 || c.Transactions != 3 {
			t.Fatalf("check (rolled up: %v): %+v, %v; want no mismatch or unbalanced transaction, 6 entries in 3 transactions", rolled, c, err)
		}
		for id, want := range map[wallet.AccountID]int64{held: -390, payA: 140, payB: 250} {
			if a, err := svc.Account(ctx, id); err != nil || a.Balance != want {
				t.Fatalf("%s (rolled up: %v): %+v, %v; want a balance of %d", id, rolled, a, err, want)
			}
		}
	}
	lines := historyOf(t, db, payA)
	if len(lines) != 2 || lines[0].Amount != 40 || lines[0].TransactionID != ids[2] || lines[1].Amount != 100 || lines[1].TransactionID != ids[0] {
		t.Fatalf("shop A's history: %+v, want 40 (the third redemption) then 100 (the first)", lines)
	}
}
