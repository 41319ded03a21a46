package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/cardpay"
)

// LockTopUpPayments implements cardpay.Tx.
func (tx *Tx) LockTopUpPayments(ctx context.Context, accountID string) ([]cardpay.Payment, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+cardPaymentCols+` FROM card_payments
		WHERE account_id = $1 AND purpose = 'wallet_topup' ORDER BY created_at DESC, id FOR UPDATE`, accountID)
	if err != nil {
		return nil, wrap("read top-up payments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cardpay.Payment, error) {
		var p cardpay.Payment
		err := r.Scan(&p.ID, &p.Purpose, &p.AccountID, &p.OrderID, &p.AmountCents, &p.CreditedCents, &p.RefundedCents, &p.CreatedAt, &p.UpdatedAt)
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		return p, err
	})
	return out, wrap("read top-up payments", err)
}

const topUpRefundCols = `id, payment_intent_id, account_id, amount_cents, state, stripe_refund_id, attempts, last_error, created_at, updated_at, key_round`

func scanTopUpRefund(r pgx.Row) (cardpay.TopUpRefund, error) {
	var x cardpay.TopUpRefund
	err := r.Scan(&x.ID, &x.PaymentIntentID, &x.AccountID, &x.AmountCents, &x.State, &x.StripeRefundID, &x.Attempts, &x.LastError, &x.CreatedAt, &x.UpdatedAt, &x.KeyRound)
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	return x, err
}

func (tx *Tx) topUpRefunds(ctx context.Context, what, q string, args ...any) ([]cardpay.TopUpRefund, error) {
	rows, err := tx.q.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap(what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cardpay.TopUpRefund, error) { return scanTopUpRefund(r) })
	return out, wrap(what, err)
}

// InsertTopUpRefund implements cardpay.Tx.
func (tx *Tx) InsertTopUpRefund(ctx context.Context, r cardpay.TopUpRefund) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO topup_card_refunds (`+topUpRefundCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.PaymentIntentID, r.AccountID, r.AmountCents, r.State, r.StripeRefundID, r.Attempts, r.LastError, r.CreatedAt, r.UpdatedAt, r.KeyRound)
	return wrap("insert top-up refund", err)
}

// DueTopUpRefunds implements cardpay.Tx.
func (tx *Tx) DueTopUpRefunds(ctx context.Context, staleBefore time.Time, limit int) ([]cardpay.TopUpRefund, error) {
	return tx.topUpRefunds(ctx, "list due top-up refunds", `SELECT `+topUpRefundCols+` FROM topup_card_refunds
		WHERE state = 'owed' OR (state = 'sent' AND updated_at < $1) ORDER BY created_at, id LIMIT $2`, staleBefore, limit)
}

// ClaimTopUpRefund implements cardpay.Tx.
func (tx *Tx) ClaimTopUpRefund(ctx context.Context, id string, staleBefore, now time.Time) (cardpay.TopUpRefund, bool, error) {
	r, err := scanTopUpRefund(tx.q.QueryRow(ctx, `UPDATE topup_card_refunds SET state = 'sent', attempts = attempts + 1, updated_at = $3
		WHERE id = $1 AND (state = 'owed' OR (state = 'sent' AND updated_at < $2)) RETURNING `+topUpRefundCols, id, staleBefore, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return cardpay.TopUpRefund{}, false, nil
	}
	return r, err == nil, wrap("claim top-up refund", err)
}

// FinishTopUpRefund implements cardpay.Tx.
func (tx *Tx) FinishTopUpRefund(ctx context.Context, r cardpay.TopUpRefund) error {
	tag, err := tx.q.Exec(ctx, `UPDATE topup_card_refunds SET state = $2, stripe_refund_id = $3, last_error = $4, updated_at = $5, key_round = $6 WHERE id = $1`,
		r.ID, r.State, r.StripeRefundID, r.LastError, r.UpdatedAt, r.KeyRound)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("finish top-up refund", err)
}

// ShrinkTopUpRefund implements cardpay.Tx.
func (tx *Tx) ShrinkTopUpRefund(ctx context.Context, id string, amount int64, now time.Time) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE topup_card_refunds SET amount_cents = $2, updated_at = $3 WHERE id = $1 AND state = 'owed' AND attempts = 0`, id, amount, now)
	return err == nil && tag.RowsAffected() == 1, wrap("shrink top-up refund", err)
}

// OwedTopUpRefundOf implements cardpay.Tx. A claim that committed first
// leaves the row no longer owed, and none is found.
func (tx *Tx) OwedTopUpRefundOf(ctx context.Context, paymentID string) (cardpay.TopUpRefund, error) {
	r, err := scanTopUpRefund(tx.q.QueryRow(ctx, `SELECT `+topUpRefundCols+` FROM topup_card_refunds
		WHERE payment_intent_id = $1 AND state = 'owed' ORDER BY created_at, id LIMIT 1 FOR UPDATE`, paymentID))
	return r, wrap("read owed top-up refund", err)
}

// TopUpRefundsOf implements cardpay.Tx.
func (tx *Tx) TopUpRefundsOf(ctx context.Context, accountID string) ([]cardpay.TopUpRefund, error) {
	return tx.topUpRefunds(ctx, "list top-up refunds", `SELECT `+topUpRefundCols+` FROM topup_card_refunds
		WHERE account_id = $1 ORDER BY created_at DESC, id`, accountID)
}

// DisputedPayments implements cardpay.Tx.
func (tx *Tx) DisputedPayments(ctx context.Context, accountID string) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT DISTINCT d.payment_id FROM card_disputes d JOIN card_payments p ON p.id = d.payment_id
		WHERE p.account_id = $1 AND d.status IN ('open', 'lost') ORDER BY d.payment_id`, accountID)
	if err != nil {
		return nil, wrap("read disputed payments", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, wrap("read disputed payments", err)
}

// ListTopUpRefunds implements cardpay.Tx.
func (tx *Tx) ListTopUpRefunds(ctx context.Context, limit int) ([]cardpay.TopUpRefund, error) {
	return tx.topUpRefunds(ctx, "list top-up refunds", `SELECT `+topUpRefundCols+` FROM topup_card_refunds ORDER BY state = 'failed' DESC, created_at DESC, id LIMIT $1`, limit)
}

// TopUpRefundByID implements cardpay.Tx.
func (tx *Tx) TopUpRefundByID(ctx context.Context, id string) (cardpay.TopUpRefund, error) {
	r, err := scanTopUpRefund(tx.q.QueryRow(ctx, `SELECT `+topUpRefundCols+` FROM topup_card_refunds WHERE id = $1`, id))
	return r, wrap("read top-up refund", err)
}
