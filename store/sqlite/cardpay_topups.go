package sqlite

import (
	"context"

	"cityhub/cardpay"
)

// RecentTopUpPayments implements cardpay.Tx: a plain read, for the wallet
// page's list of top-ups.
func (tx *Tx) RecentTopUpPayments(ctx context.Context, accountID string, limit int) ([]cardpay.Payment, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+cardPaymentCols+` FROM card_payments
		WHERE account_id = ? AND purpose = 'wallet_topup' ORDER BY created_at DESC, id LIMIT ?`, accountID, limit)
	out, err := collect(rows, err, func(r rowScanner) (cardpay.Payment, error) {
		var p cardpay.Payment
		var created, updated int64
		err := r.Scan(&p.ID, &p.Purpose, &p.AccountID, &p.OrderID, &p.AmountCents, &p.CreditedCents, &p.RefundedCents, &created, &updated)
		p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
		return p, err
	})
	return out, wrap("read recent top-up payments", err)
}
