package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cityhub/ticketing"
)

const cardRefundCols = `id, order_id, payment_intent_id, amount_cents, state, stripe_refund_id, attempts, last_error, created_at, updated_at, key_round`

func scanCardRefund(row rowScanner) (ticketing.CardRefund, error) {
	var r ticketing.CardRefund
	var created, updated int64
	err := row.Scan(&r.ID, &r.OrderID, &r.PaymentIntentID, &r.AmountCents, &r.State, &r.StripeRefundID, &r.Attempts, &r.LastError, &created, &updated, &r.KeyRound)
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return r, err
}

// InsertCardRefund implements ticketing.Tx.
func (tx *Tx) InsertCardRefund(ctx context.Context, r ticketing.CardRefund) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO ticket_card_refunds (`+cardRefundCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (order_id) DO NOTHING`,
		r.ID, r.OrderID, r.PaymentIntentID, r.AmountCents, r.State, r.StripeRefundID, r.Attempts, r.LastError, toMicros(r.CreatedAt), toMicros(r.UpdatedAt), r.KeyRound)
	return wrap("insert card refund", err)
}

// DueCardRefunds implements ticketing.Tx.
func (tx *Tx) DueCardRefunds(ctx context.Context, staleBefore time.Time, limit int) ([]ticketing.CardRefund, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+cardRefundCols+` FROM ticket_card_refunds
		WHERE state = 'owed' OR (state = 'sent' AND updated_at < ?1) ORDER BY created_at, id LIMIT ?2`, toMicros(staleBefore), limit)
	out, err := collect(rows, err, scanCardRefund)
	return out, wrap("list due card refunds", err)
}

// ClaimCardRefund implements ticketing.Tx.
func (tx *Tx) ClaimCardRefund(ctx context.Context, id string, staleBefore, now time.Time) (ticketing.CardRefund, bool, error) {
	r, err := scanCardRefund(tx.q.QueryRowContext(ctx, `UPDATE ticket_card_refunds SET state = 'sent', attempts = attempts + 1, updated_at = ?3
		WHERE id = ?1 AND (state = 'owed' OR (state = 'sent' AND updated_at < ?2)) RETURNING `+cardRefundCols, id, toMicros(staleBefore), toMicros(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return ticketing.CardRefund{}, false, nil
	}
	return r, err == nil, wrap("claim card refund", err)
}

// FinishCardRefund implements ticketing.Tx.
func (tx *Tx) FinishCardRefund(ctx context.Context, r ticketing.CardRefund) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE ticket_card_refunds SET state = ?2, stripe_refund_id = ?3, last_error = ?4, updated_at = ?5, key_round = ?6 WHERE id = ?1`,
		r.ID, r.State, r.StripeRefundID, r.LastError, toMicros(r.UpdatedAt), r.KeyRound)
	return wrap("finish card refund", oneRow(res, err))
}

// CardRefundOfOrder implements ticketing.Tx.
func (tx *Tx) CardRefundOfOrder(ctx context.Context, orderID string) (ticketing.CardRefund, error) {
	r, err := scanCardRefund(tx.q.QueryRowContext(ctx, `SELECT `+cardRefundCols+` FROM ticket_card_refunds WHERE order_id = ?`, orderID))
	return r, wrap("read card refund", err)
}

// ListCardRefunds implements ticketing.Tx.
func (tx *Tx) ListCardRefunds(ctx context.Context, limit int) ([]ticketing.CardRefund, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+cardRefundCols+` FROM ticket_card_refunds ORDER BY state = 'failed' DESC, created_at DESC, id LIMIT ?`, limit)
	out, err := collect(rows, err, scanCardRefund)
	return out, wrap("list card refunds", err)
}
