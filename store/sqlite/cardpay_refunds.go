package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cityhub/cardpay"
)

// LockTopUpPayments implements cardpay.Tx (a plain read: the write
// transaction already excludes every other writer).
func (tx *Tx) LockTopUpPayments(ctx context.Context, accountID string) ([]cardpay.Payment, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+cardPaymentCols+` FROM card_payments
		WHERE account_id = ? AND purpose = 'wallet_topup' ORDER BY created_at DESC, id`, accountID)
	out, err := collect(rows, err, func(r rowScanner) (cardpay.Payment, error) {
		var p cardpay.Payment
		var created, updated int64
		err := r.Scan(&p.ID, &p.Purpose, &p.AccountID, &p.OrderID, &p.AmountCents, &p.CreditedCents, &p.RefundedCents, &created, &updated)
		p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
		return p, err
	})
	return out, wrap("read top-up payments", err)
}

const topUpRefundCols = `id, payment_intent_id, account_id, amount_cents, state, stripe_refund_id, attempts, last_error, created_at, updated_at, key_round`

func scanTopUpRefund(r rowScanner) (cardpay.TopUpRefund, error) {
	var x cardpay.TopUpRefund
	var created, updated int64
	err := r.Scan(&x.ID, &x.PaymentIntentID, &x.AccountID, &x.AmountCents, &x.State, &x.StripeRefundID, &x.Attempts, &x.LastError, &created, &updated, &x.KeyRound)
	x.CreatedAt, x.UpdatedAt = fromMicros(created), fromMicros(updated)
	return x, err
}

// InsertTopUpRefund implements cardpay.Tx.
func (tx *Tx) InsertTopUpRefund(ctx context.Context, r cardpay.TopUpRefund) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO topup_card_refunds (`+topUpRefundCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PaymentIntentID, r.AccountID, r.AmountCents, r.State, r.StripeRefundID, r.Attempts, r.LastError, toMicros(r.CreatedAt), toMicros(r.UpdatedAt), r.KeyRound)
	return wrap("insert top-up refund", err)
}

// DueTopUpRefunds implements cardpay.Tx.
func (tx *Tx) DueTopUpRefunds(ctx context.Context, staleBefore time.Time, limit int) ([]cardpay.TopUpRefund, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+topUpRefundCols+` FROM topup_card_refunds
		WHERE state = 'owed' OR (state = 'sent' AND updated_at < ?1) ORDER BY created_at, id LIMIT ?2`, toMicros(staleBefore), limit)
	out, err := collect(rows, err, scanTopUpRefund)
	return out, wrap("list due top-up refunds", err)
}

// ClaimTopUpRefund implements cardpay.Tx.
func (tx *Tx) ClaimTopUpRefund(ctx context.Context, id string, staleBefore, now time.Time) (cardpay.TopUpRefund, bool, error) {
	r, err := scanTopUpRefund(tx.q.QueryRowContext(ctx, `UPDATE topup_card_refunds SET state = 'sent', attempts = attempts + 1, updated_at = ?3
		WHERE id = ?1 AND (state = 'owed' OR (state = 'sent' AND updated_at < ?2)) RETURNING `+topUpRefundCols, id, toMicros(staleBefore), toMicros(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return cardpay.TopUpRefund{}, false, nil
	}
	return r, err == nil, wrap("claim top-up refund", err)
}

// FinishTopUpRefund implements cardpay.Tx.
func (tx *Tx) FinishTopUpRefund(ctx context.Context, r cardpay.TopUpRefund) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE topup_card_refunds SET state = ?2, stripe_refund_id = ?3, last_error = ?4, updated_at = ?5, key_round = ?6 WHERE id = ?1`,
		r.ID, r.State, r.StripeRefundID, r.LastError, toMicros(r.UpdatedAt), r.KeyRound)
	return wrap("finish top-up refund", oneRow(res, err))
}

// TopUpRefundsOf implements cardpay.Tx.
func (tx *Tx) TopUpRefundsOf(ctx context.Context, accountID string) ([]cardpay.TopUpRefund, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+topUpRefundCols+` FROM topup_card_refunds WHERE account_id = ? ORDER BY created_at DESC, id`, accountID)
	out, err := collect(rows, err, scanTopUpRefund)
	return out, wrap("list top-up refunds", err)
}

// DisputedPayments implements cardpay.Tx.
func (tx *Tx) DisputedPayments(ctx context.Context, accountID string) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT DISTINCT d.payment_id FROM card_disputes d JOIN card_payments p ON p.id = d.payment_id
		WHERE p.account_id = ? AND d.status IN ('open', 'lost') ORDER BY d.payment_id`, accountID)
	ids, err := collect(rows, err, func(r rowScanner) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
	return ids, wrap("read disputed payments", err)
}

// ListTopUpRefunds implements cardpay.Tx.
func (tx *Tx) ListTopUpRefunds(ctx context.Context, limit int) ([]cardpay.TopUpRefund, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+topUpRefundCols+` FROM topup_card_refunds ORDER BY state = 'failed' DESC, created_at DESC, id LIMIT ?`, limit)
	out, err := collect(rows, err, scanTopUpRefund)
	return out, wrap("list top-up refunds", err)
}

// OwedTopUpRefundOf implements cardpay.Tx. Write transactions here run
// one at a time: no claim can change it before this one commits.
func (tx *Tx) OwedTopUpRefundOf(ctx context.Context, paymentID string) (cardpay.TopUpRefund, error) {
	r, err := scanTopUpRefund(tx.q.QueryRowContext(ctx, `SELECT `+topUpRefundCols+` FROM topup_card_refunds
		WHERE payment_intent_id = ? AND state = 'owed' ORDER BY created_at, id LIMIT 1`, paymentID))
	return r, wrap("read owed top-up refund", err)
}

// ShrinkTopUpRefund implements cardpay.Tx.
func (tx *Tx) ShrinkTopUpRefund(ctx context.Context, id string, amount int64, now time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE topup_card_refunds SET amount_cents = ?, updated_at = ? WHERE id = ? AND state = 'owed' AND attempts = 0`, amount, toMicros(now), id)
	if err != nil {
		return false, wrap("shrink top-up refund", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// TopUpRefundByID implements cardpay.Tx.
func (tx *Tx) TopUpRefundByID(ctx context.Context, id string) (cardpay.TopUpRefund, error) {
	r, err := scanTopUpRefund(tx.q.QueryRowContext(ctx, `SELECT `+topUpRefundCols+` FROM topup_card_refunds WHERE id = ?`, id))
	return r, wrap("read top-up refund", err)
}
