package sqlite

import (
	"context"

	"cityhub/vouchers"
)

// CampaignMoney implements vouchers.Tx. One statement: one snapshot, so a
// claim or redemption committing meanwhile is seen whole or not at all.
func (tx *Tx) CampaignMoney(ctx context.Context) ([]vouchers.CampaignMoney, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT c.id, c.status, c.budget_cents,
			COALESCE((SELECT SUM(v.value_cents) FROM vouchers v WHERE v.campaign_id = c.id), 0)
				- COALESCE((SELECT SUM(f.amount_cents) FROM voucher_forfeits f WHERE f.campaign_id = c.id), 0),
			COALESCE((SELECT SUM(r.amount_cents) FROM voucher_redemptions r WHERE r.campaign_id = c.id AND r.reversed_at IS NULL), 0),
			COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = 'campaign:' || c.id || ':budget'), 0),
			COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = 'campaign:' || c.id || ':held'), 0)
		FROM voucher_campaigns c ORDER BY c.id`)
	out, err := collect(rows, err, func(row rowScanner) (vouchers.CampaignMoney, error) {
		var m vouchers.CampaignMoney
		err := row.Scan(&m.ID, &m.Status, &m.BudgetCents, &m.Claimed, &m.Spent, &m.Budget, &m.Held)
		return m, err
	})
	return out, wrap("read campaigns' money", err)
}

// ShopMoney implements vouchers.Tx, in one statement as CampaignMoney.
func (tx *Tx) ShopMoney(ctx context.Context) ([]vouchers.ShopMoney, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT s.id,
			COALESCE((SELECT SUM(r.amount_cents) FROM voucher_redemptions r WHERE r.shop_id = s.id AND r.reversed_at IS NULL), 0),
			COALESCE((SELECT SUM(t.total_cents) FROM voucher_settlements t WHERE t.shop_id = s.id AND t.status = 'paid'), 0),
			COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = 'shop:' || s.id || ':payable'), 0),
			COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = 'shop:' || s.id || ':paid'), 0)
		FROM voucher_shops s ORDER BY s.id`)
	out, err := collect(rows, err, func(row rowScanner) (vouchers.ShopMoney, error) {
		var m vouchers.ShopMoney
		err := row.Scan(&m.ID, &m.Redeemed, &m.Settled, &m.Payable, &m.Paid)
		return m, err
	})
	return out, wrap("read shops' money", err)
}
