package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"cityhub/vouchers"
)

// CampaignMoney implements vouchers.Tx. One statement: one snapshot, so a
// claim or redemption committing meanwhile is seen whole or not at all.
func (tx *Tx) CampaignMoney(ctx context.Context) ([]vouchers.CampaignMoney, error) {
	rows, err := tx.q.Query(ctx, `SELECT c.id, c.status, c.budget_cents,
			COALESCE((SELECT SUM(v.value_cents) FROM vouchers v WHERE v.campaign_id = c.id), 0)::bigint
				- COALESCE((SELECT SUM(f.amount_cents) FROM voucher_forfeits f WHERE f.campaign_id = c.id), 0)::bigint,
			COALESCE((SELECT SUM(r.amount_cents) FROM voucher_redemptions r WHERE r.campaign_id = c.id AND r.reversed_at IS NULL), 0)::bigint,
			COALESCE((SELECT SUM(e.amount) FROM ledger_lines e WHERE e.account_id = 'campaign:' || c.id || ':budget'), 0)::bigint,
			COALESCE((SELECT SUM(e.amount) FROM ledger_lines e WHERE e.account_id = 'campaign:' || c.id || ':held'), 0)::bigint
		FROM voucher_campaigns c ORDER BY c.id`)
	if err != nil {
		return nil, wrap("read campaigns' money", err)
	}
	var out []vouchers.CampaignMoney
	var m vouchers.CampaignMoney
	_, err = pgx.ForEachRow(rows, []any{&m.ID, &m.Status, &m.BudgetCents, &m.Claimed, &m.Spent, &m.Budget, &m.Held}, func() error {
		out = append(out, m)
		return nil
	})
	return out, wrap("read campaigns' money", err)
}

// ShopMoney implements vouchers.Tx, in one statement as CampaignMoney.
func (tx *Tx) ShopMoney(ctx context.Context) ([]vouchers.ShopMoney, error) {
	rows, err := tx.q.Query(ctx, `SELECT s.id,
			COALESCE((SELECT SUM(r.amount_cents) FROM voucher_redemptions r WHERE r.shop_id = s.id AND r.reversed_at IS NULL), 0)::bigint,
			COALESCE((SELECT SUM(t.total_cents) FROM voucher_settlements t WHERE t.shop_id = s.id AND t.status = 'paid'), 0)::bigint,
			COALESCE((SELECT SUM(e.amount) FROM ledger_lines e WHERE e.account_id = 'shop:' || s.id || ':payable'), 0)::bigint,
			COALESCE((SELECT SUM(e.amount) FROM ledger_lines e WHERE e.account_id = 'shop:' || s.id || ':paid'), 0)::bigint
		FROM voucher_shops s ORDER BY s.id`)
	if err != nil {
		return nil, wrap("read shops' money", err)
	}
	var out []vouchers.ShopMoney
	var m vouchers.ShopMoney
	_, err = pgx.ForEachRow(rows, []any{&m.ID, &m.Redeemed, &m.Settled, &m.Payable, &m.Paid}, func() error {
		out = append(out, m)
		return nil
	})
	return out, wrap("read shops' money", err)
}
