package sqlite

import (
	"context"
	"time"

	"cityhub/vouchers"
)

// VouchersToRemind implements vouchers.Tx (one writer at a time: nothing
// to skip).
func (tx *Tx) VouchersToRemind(ctx context.Context, from, to time.Time, limit int) ([]vouchers.Voucher, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+voucherCols+` FROM vouchers
		WHERE status = 'active' AND remaining_cents > 0 AND expiry_reminded_at IS NULL AND expires_at > ? AND expires_at <= ?
		ORDER BY expires_at, id LIMIT ?`, toMicros(from), toMicros(to), limit)
	out, err := collect(rows, err, scanVoucher)
	return out, wrap("list vouchers to remind", err)
}

// MarkReminded implements vouchers.Tx.
func (tx *Tx) MarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE vouchers SET expiry_reminded_at = ? WHERE id = ? AND expiry_reminded_at IS NULL`, toMicros(at), id)
	if err != nil {
		return false, wrap("mark voucher reminded", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("mark voucher reminded", err)
}
