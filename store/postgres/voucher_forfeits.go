package postgres

import (
	"context"

	"cityhub/vouchers"
)

// InsertForfeit implements vouchers.Tx, queued like the voucher's update
// it goes with (pipeline.go).
func (tx *Tx) InsertForfeit(ctx context.Context, f vouchers.Forfeit) error {
	return tx.later(ctx, deferred{what: "insert voucher forfeit",
		sql:  `INSERT INTO voucher_forfeits (id, voucher_id, campaign_id, amount_cents, reason, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		args: []any{f.ID, f.VoucherID, f.CampaignID, f.AmountCents, f.Reason, f.At}})
}

// Forfeited implements vouchers.Tx.
func (tx *Tx) Forfeited(ctx context.Context, voucherID string) (bool, error) {
	var yes bool
	err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM voucher_forfeits WHERE voucher_id = $1)`, voucherID).Scan(&yes)
	return yes, wrap("read voucher forfeit", err)
}
