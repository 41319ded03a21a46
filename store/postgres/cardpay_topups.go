package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"cityhub/cardpay"
)

// RecentTopUpPayments implements cardpay.Tx: a plain read, no lock, for the
// wallet page's list of top-ups.
func (tx *Tx) RecentTopUpPayments(ctx context.Context, accountID string, limit int) ([]cardpay.Payment, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+cardPaymentCols+` FROM card_payments
		WHERE account_id = $1 AND purpose = 'wallet_topup' ORDER BY created_at DESC, id LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, wrap("read recent top-up payments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cardpay.Payment, error) {
		var p cardpay.Payment
		err := r.Scan(&p.ID, &p.Purpose, &p.AccountID, &p.OrderID, &p.AmountCents, &p.CreditedCents, &p.RefundedCents, &p.CreatedAt, &p.UpdatedAt)
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		return p, err
	})
	return out, wrap("read recent top-up payments", err)
}
