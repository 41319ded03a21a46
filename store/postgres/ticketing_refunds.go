package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/ticketing"
)

const cardRefundCols = `id, order_id, payment_intent_id, amount_cents, state, stripe_refund_id, attempts, last_error, created_at, updated_at, key_round`

func scanCardRefund(row pgx.Row) (ticketing.CardRefund, error) {
	var r ticketing.CardRefund
	err := row.Scan(&r.ID, &r.OrderID, &r.PaymentIntentID, &r.AmountCents, &r.State, &r.StripeRefundID, &r.Attempts, &r.LastError, &r.CreatedAt, &r.UpdatedAt, &r.KeyRound)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

func (tx *Tx) cardRefunds(ctx context.Context, what, q string, args ...any) ([]ticketing.CardRefund, error) {
	rows, err := tx.q.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap(what, err)
	}
	defer rows.Close()
	var out []ticketing.CardRefund
	for rows.Next() {
		r, err := scanCardRefund(rows)
		if err != nil {
			return nil, wrap(what, err)
		}
		out = append(out, r)
	}
	return out, wrap(what, rows.Err())
}

// InsertCardRefund implements ticketing.Tx.
func (tx *Tx) InsertCardRefund(ctx context.Context, r ticketing.CardRefund) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO ticket_card_refunds (`+cardRefundCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (order_id) DO NOTHING`,
		r.ID, r.OrderID, r.PaymentIntentID, r.AmountCents, r.State, r.StripeRefundID, r.Attempts, r.LastError, r.CreatedAt, r.UpdatedAt, r.KeyRound)
	return wrap("insert card refund", err)
}

// DueCardRefunds implements ticketing.Tx.
func (tx *Tx) DueCardRefunds(ctx context.Context, staleBefore time.Time, limit int) ([]ticketing.CardRefund, error) {
	return tx.cardRefunds(ctx, "list due card refunds", `SELECT `+cardRefundCols+` FROM ticket_card_refunds
		WHERE state = 'owed' OR (state = 'sent' AND updated_at < $1) ORDER BY created_at, id LIMIT $2`, staleBefore, limit)
}

// ClaimCardRefund implements ticketing.Tx.
func (tx *Tx) ClaimCardRefund(ctx context.Context, id string, staleBefore, now time.Time) (ticketing.CardRefund, bool, error) {
	r, err := scanCardRefund(tx.q.QueryRow(ctx, `UPDATE ticket_card_refunds SET state = 'sent', attempts = attempts + 1, updated_at = $3
		WHERE id = $1 AND (state = 'owed' OR (state = 'sent' AND updated_at < $2)) RETURNING `+cardRefundCols, id, staleBefore, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return ticketing.CardRefund{}, false, nil
	}
	return r, err == nil, wrap("claim card refund", err)
}

// FinishCardRefund implements ticketing.Tx.
func (tx *Tx) FinishCardRefund(ctx context.Context, r ticketing.CardRefund) error {
	tag, err := tx.q.Exec(ctx, `UPDATE ticket_card_refunds SET state = $2, stripe_refund_id = $3, last_error = $4, updated_at = $5, key_round = $6 WHERE id = $1`,
		r.ID, r.State, r.StripeRefundID, r.LastError, r.UpdatedAt, r.KeyRound)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("finish card refund", err)
}

// CardRefundOfOrder implements ticketing.Tx.
func (tx *Tx) CardRefundOfOrder(ctx context.Context, orderID string) (ticketing.CardRefund, error) {
	r, err := scanCardRefund(tx.q.QueryRow(ctx, `SELECT `+cardRefundCols+` FROM ticket_card_refunds WHERE order_id = $1`, orderID))
	return r, wrap("read card refund", err)
}

// ListCardRefunds implements ticketing.Tx.
func (tx *Tx) ListCardRefunds(ctx context.Context, limit int) ([]ticketing.CardRefund, error) {
	return tx.cardRefunds(ctx, "list card refunds", `SELECT `+cardRefundCols+` FROM ticket_card_refunds ORDER BY state = 'failed' DESC, created_at DESC, id LIMIT $1`, limit)
}
