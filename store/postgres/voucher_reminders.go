package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/vouchers"
)

// vouchersToRemindSQL lists the active vouchers with money left that
// expire in ($1, $2] and were not reminded, by the index of the vouchers
// not reminded (migration 1007).
const vouchersToRemindSQL = `SELECT ` + voucherCols + ` FROM vouchers
		WHERE status = 'active' AND remaining_cents > 0 AND expiry_reminded_at IS NULL AND expires_at > $1 AND expires_at <= $2
		ORDER BY expires_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`

// VouchersToRemind implements vouchers.Tx. Rows another transaction is
// reminding are skipped rather than waited for.
func (tx *Tx) VouchersToRemind(ctx context.Context, from, to time.Time, limit int) ([]vouchers.Voucher, error) {
	rows, err := tx.q.Query(ctx, vouchersToRemindSQL, from, to, limit)
	if err != nil {
		return nil, wrap("list vouchers to remind", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (vouchers.Voucher, error) { return scanVoucher(r) })
	return out, wrap("list vouchers to remind", err)
}

// MarkReminded implements vouchers.Tx.
func (tx *Tx) MarkReminded(ctx context.Context, id string, at time.Time) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE vouchers SET expiry_reminded_at = $2 WHERE id = $1 AND expiry_reminded_at IS NULL`, id, at)
	if err != nil {
		return false, wrap("mark voucher reminded", err)
	}
	return tag.RowsAffected() == 1, nil
}
