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

// A redemption names its voucher's campaign and a shop that exists, on both
// of the paths that write one (a batch, and one alone), although migration
// 1009 dropped the foreign keys that checked both: the statements check
// them, and no campaign or shop can be deleted. Each case first writes a
// redemption that is right, so that a refusal is the check's and not a
// fixture's.
func TestRedemptionNamesItsVouchersCampaignAndAShop(t *testing.T) {
	ctx := context.Background()
	db := openOneConn(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, sql := range []string{
		`INSERT INTO voucher_campaigns (id, name, budget_cents, face_value_cents, per_citizen_limit, valid_from, valid_until, mode, status, created_at)
			SELECT id, id, 100000, 1000, 10, $1::timestamptz - interval '1 hour', $1::timestamptz + interval '1 day', 'partial', 'open', $1
			FROM unnest(ARRAY['cmp_a', 'cmp_b']) AS id`,
		`INSERT INTO voucher_shops (id, name, name_key, address, district, category, iban, created_at)
			VALUES ('shp_a', 'Forno', 'forno', 'Corso Garibaldi 1', 'Centro', 'food', 'IT60X0542811101000000123456', $1)`,
		`INSERT INTO vouchers (id, campaign_id, account_id, value_cents, remaining_cents, status, code, code_hash, claimed_at, expires_at)
			SELECT 'vch_' || n, 'cmp_a', 'acc_' || n, 1000, 1000, 'active', 'CODE' || n, 'hash' || n, $1, $1::timestamptz + interval '1 day'
			FROM generate_series(1, 6) AS n`,
		`INSERT INTO ledger_accounts (id, kind, owner_id) SELECT a[1], a[2], a[3] FROM (VALUES
			(ARRAY['campaign:cmp_a:held', 'campaign_held', 'cmp_a']), (ARRAY['campaign:cmp_b:held', 'campaign_held', 'cmp_b']),
			(ARRAY['shop:shp_a:payable', 'shop_payable', 'shp_a']), (ARRAY['shop:shp_gone:payable', 'shop_payable', 'shp_gone'])) AS x(a)
			WHERE $1::timestamptz IS NOT NULL`,
	} {
		if _, err := db.Pool().Exec(ctx, sql, now); err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	seq := 0
	// write redeems 100 cents of voucher n at shop, naming campaign, alone
	// or as a batch of one.
	write := func(batch bool, n int, campaign, shop string) error {
		seq++
		r := vouchers.Redemption{ID: fmt.Sprintf("red_%d", seq), VoucherID: fmt.Sprintf("vch_%d", n), CampaignID: campaign, ShopID: shop,
			PurchaseCents: 100, AmountCents: 100, StaffID: "acc_staff", At: now}
		posting := wallet.Transaction{ID: wallet.TransactionIDFor("voucher.redeem:" + r.ID), Key: "voucher.redeem:" + r.ID, Kind: "voucher.redeem",
			RefType: "voucher_redemption", RefID: r.ID, CreatedAt: now, Entries: []wallet.Entry{
				{Account: wallet.CampaignHeldAccount(campaign), Amount: -100}, {Account: wallet.ShopPayableAccount(shop), Amount: 100}}}
		return db.Vouchers().InTx(ctx, func(tx vouchers.Tx) error {
			if !batch {
				return tx.InsertRedemption(ctx, r)
			}
			return tx.(vouchers.RedemptionBatchTx).WriteRedemptions(ctx, []vouchers.RedemptionWrite{{
				Scope: "redeem:" + shop, Key: r.ID, RequestHash: "h", Response: []byte(`{}`),
				Voucher:    vouchers.Voucher{ID: r.VoucherID, RemainingCents: 900, Status: "active"},
				Redemption: r, Posting: posting,
				Audit: audit.Entry{ActorID: "acc_staff", Action: "voucher.redeem", ObjectType: "voucher", ObjectID: r.VoucherID, ShopID: shop},
			}}, nil)
		})
	}
	for _, batch := range []bool{true, false} {
		n := 1
		if !batch {
			n = 4
		}
		if err := write(batch, n, "cmp_a", "shp_a"); err != nil {
			t.Fatalf("batch=%v: a redemption of its voucher's campaign at a shop was refused: %v", batch, err)
		}
		if err := write(batch, n+1, "cmp_b", "shp_a"); err == nil {
			t.Errorf("batch=%v: a redemption naming another campaign than its voucher's was written", batch)
		}
		if err := write(batch, n+2, "cmp_a", "shp_gone"); err == nil {
			t.Errorf("batch=%v: a redemption at a shop that does not exist was written", batch)
		}
	}
	var written int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM voucher_redemptions`).Scan(&written); err != nil {
		t.Fatal(err)
	}
	if written != 2 {
		t.Errorf("%d redemptions written, want the 2 that were right", written)
	}
	// Nothing stands behind a redemption's campaign and shop once written
	// but that neither is ever deleted: cmp_b has no voucher at all, and
	// shp_a has the two redemptions.
	for _, del := range []string{`DELETE FROM voucher_campaigns WHERE id = 'cmp_b'`, `DELETE FROM voucher_shops WHERE id = 'shp_a'`} {
		if tag, err := db.Pool().Exec(ctx, del); err == nil {
			t.Errorf("%s: deleted %d rows, want a refusal", del, tag.RowsAffected())
		}
	}
}
