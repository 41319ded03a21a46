package sqlite

import (
	"context"

	"cityhub/vouchers"
)

// InsertForfeit implements vouchers.Tx.
func (tx *Tx) InsertForfeit(ctx context.Context, f vouchers.Forfeit) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO voucher_forfeits (id, voucher_id, campaign_id, amount_cents, reason, at) VALUES (?, ?, ?, ?, ?, ?)`,
		f.ID, f.VoucherID, f.CampaignID, f.AmountCents, f.Reason, toMicros(f.At))
	return wrap("insert voucher forfeit", err)
}

// Forfeited implements vouchers.Tx.
func (tx *Tx) Forfeited(ctx context.Context, voucherID string) (bool, error) {
	var yes bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM voucher_forfeits WHERE voucher_id = ?)`, voucherID).Scan(&yes)
	return yes, wrap("read voucher forfeit", err)
}
