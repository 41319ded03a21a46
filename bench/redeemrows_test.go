package bench

import (
	"context"
	"fmt"
	"testing"

	"cityhub/store/postgres"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// redemptionRowsSQL writes the rows of the redemptions of vouchers $1 (ids
// $2), and nothing else: each voucher's update, its redemption, audit
// entry, ledger transaction holding its transfer's two legs (the shape the
// hub writes, migration 1025), a pending row for each of the two accounts,
// its domain key and its kept API answer, each written once, with no read,
// lock, check or second write. No redemption can cost less; written for
// many vouchers in one statement, it is what redemptions committed
// together in batches (as TigerBeetle commits transfers) could cost at
// best.
const redemptionRowsSQL = `WITH r AS (SELECT * FROM unnest($1::text[], $2::text[]) AS r(vid, rid)),
	v AS (UPDATE vouchers SET remaining_cents = 0, status = 'used' FROM r WHERE vouchers.id = r.vid RETURNING vouchers.id),
	red AS (INSERT INTO voucher_redemptions (id, voucher_id, campaign_id, shop_id, purchase_cents, amount_cents, staff_id, at)
		SELECT r.rid, r.vid, $3, $4, 2500, 1000, 'staff_bench', now() FROM r RETURNING id),
	a AS (INSERT INTO audit_log (actor_id, action, object_type, object_id, shop_id, detail)
		SELECT 'staff_bench', 'voucher.redeem', 'voucher', r.vid, $4, '{"amount_cents": 1000}' FROM r),
	t AS (INSERT INTO ledger_transactions (id, idem_key, kind, ref_type, ref_id, created_at,
			from_account, to_account, transfer_amount, from_entry, to_entry)
		SELECT 'voucher.redeem:' || r.rid, 'voucher.redeem:' || r.rid, 'voucher.redeem', 'voucher_redemption', r.rid, now(),
			$5, $6, 1000, nextval('ledger_entries_id_seq'), nextval('ledger_entries_id_seq') FROM r
		RETURNING from_account, to_account, transfer_amount, from_entry, to_entry),
	p AS (INSERT INTO ledger_pending (entry_id, account_id, amount, entries)
		SELECT min(entry), account_id, sum(amount), count(*)
		FROM (SELECT from_entry, from_account, -transfer_amount FROM t UNION ALL SELECT to_entry, to_account, transfer_amount FROM t)
			AS leg(entry, account_id, amount)
		GROUP BY account_id),
	k AS (INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
		SELECT 'voucher.redeem:' || $4, r.rid, 'h', 1, '{}' FROM r)
	INSERT INTO request_answers (scope, key, request_hash, committed, done, status, body, claimed_at)
		SELECT 'staff_bench POST /api/v1/merchant/vouchers/redeem', r.rid, 'h', true, true, 201, '{}', now() FROM r`

// BenchmarkRedemptionRows writes the rows of redemptions of one campaign
// at one shop from 64 clients, bare (redemptionRowsSQL): one redemption a
// statement and a commit, and 8 or 32 in one. It bounds from below what a
// redemption costs on this server, and what committing them in batches
// could gain, for the ratio to pgbench that issue 13 asks of the till API.
// Run with -benchtime=Nx.
func BenchmarkRedemptionRows(b *testing.B) {
	for _, batch := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { redemptionRows(b, batch) })
	}
}

func redemptionRows(b *testing.B, batch int) {
	ctx := context.Background()
	h := newBenchHub(b, "postgres")
	addCityHistory(b, h)
	db := h.db.(*postgres.DB)
	shop := h.shops(b, 1, "Forno")[0]
	n := b.N - b.N%batch
	if n == 0 {
		n = batch
	}
	camp := openCampaign(b, h, int64(n)*1000)
	ids := make([]string, n)
	claimAll(b, h, camp.ID, n, func(i int, v vouchers.VoucherView) { ids[i] = v.ID })
	held, payable := string(wallet.CampaignHeldAccount(camp.ID)), string(wallet.ShopPayableAccount(shop))
	closedLoop(b, n/batch, "batches/s", func(i int64) error {
		vids := ids[int(i)*batch : int(i+1)*batch]
		rids := make([]string, batch)
		for j, v := range vids {
			rids[j] = "vrd_bench_" + v
		}
		_, err := db.Pool().Exec(ctx, redemptionRowsSQL, vids, rids, camp.ID, shop, held, payable)
		return err
	})
	// closedLoop reported batches; the unit that compares is redemptions.
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "redeem/s")
}
