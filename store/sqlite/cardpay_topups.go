package sqlite

import (
	"context"
	"strings"

	"cityhub/cardpay"
)

// RecentTopUpPayments implements cardpay.Tx: a plain read, for the wallet
// page's list of top-ups.
// Only a dispute that holds (or, lost, took) some of the top-up names its
// state: one that held nothing (the payment was refunded first), or whose
// hold a refund released, changed nothing the citizen has.
func (tx *Tx) RecentTopUpPayments(ctx context.Context, accountID string, limit int) ([]cardpay.TopUpRecord, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+cardPaymentColsOf("p")+`,
		EXISTS (SELECT 1 FROM stripe_events e WHERE e.payment_intent_id = p.id AND e.type = ?3),
		COALESCE((SELECT d.status FROM card_disputes d WHERE d.payment_id = p.id AND d.from_credit_cents + d.from_city_cents > 0
			ORDER BY CASE d.status WHEN 'open' THEN 0 WHEN 'lost' THEN 1 ELSE 2 END, d.id LIMIT 1), '')
		FROM card_payments p WHERE p.account_id = ?1 AND p.purpose = 'wallet_topup' ORDER BY p.created_at DESC, p.id LIMIT ?2`,
		accountID, limit, cardpay.EventPaymentFailed)
	out, err := collect(rows, err, func(r rowScanner) (cardpay.TopUpRecord, error) {
		var p cardpay.TopUpRecord
		var created, updated int64
		err := r.Scan(&p.ID, &p.Purpose, &p.AccountID, &p.OrderID, &p.AmountCents, &p.CreditedCents, &p.RefundedCents, &created, &updated, &p.Failed, &p.Dispute)
		p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
		return p, err
	})
	return out, wrap("read recent top-up payments", err)
}

// cardPaymentColsOf is cardPaymentCols qualified by a table alias.
func cardPaymentColsOf(alias string) string {
	return alias + "." + strings.ReplaceAll(cardPaymentCols, ", ", ", "+alias+".")
}
