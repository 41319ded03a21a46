package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/cardpay"
)

type cardpayStore struct{ db *DB }

// CardPayments is cardpay's view of the database.
func (db *DB) CardPayments() cardpay.Store { return cardpayStore{db} }

func (s cardpayStore) InTx(ctx context.Context, fn func(cardpay.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s cardpayStore) View(ctx context.Context, fn func(cardpay.Tx) error) error {
	return s.db.View(ctx, func(tx *Tx) error { return fn(tx) })
}

const stripeEventCols = `id, type, payment_intent_id, object_id, amount_cents, currency, livemode, outcome, attention, note, transaction_id, received_at`

func scanStripeEvent(row pgx.Row) (cardpay.Record, error) {
	var r cardpay.Record
	err := row.Scan(&r.ID, &r.Type, &r.PaymentIntentID, &r.ObjectID, &r.AmountCents, &r.Currency, &r.Livemode, &r.Outcome,
		&r.Attention, &r.Note, &r.TransactionID, &r.ReceivedAt)
	r.ReceivedAt = r.ReceivedAt.UTC()
	return r, err
}

// InsertEvent implements cardpay.Tx. The primary key makes a concurrent
// insert of the same id wait for the first transaction, then do nothing.
func (tx *Tx) InsertEvent(ctx context.Context, r cardpay.Record) (bool, error) {
	tag, err := tx.q.Exec(ctx, `INSERT INTO stripe_events (`+stripeEventCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (id) DO NOTHING`, r.ID, r.Type, r.PaymentIntentID, r.ObjectID, r.AmountCents, r.Currency, r.Livemode, r.Outcome,
		r.Attention, r.Note, r.TransactionID, r.ReceivedAt)
	if err != nil {
		return false, wrap("insert stripe event", err)
	}
	return tag.RowsAffected() == 1, nil
}

// FinishEvent implements cardpay.Tx.
func (tx *Tx) FinishEvent(ctx context.Context, r cardpay.Record) error {
	tag, err := tx.q.Exec(ctx, `UPDATE stripe_events SET outcome = $2, attention = $3, note = $4, transaction_id = $5 WHERE id = $1`,
		r.ID, r.Outcome, r.Attention, r.Note, r.TransactionID)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("finish stripe event", err)
}

// Event implements cardpay.Tx.
func (tx *Tx) Event(ctx context.Context, id string) (cardpay.Record, error) {
	r, err := scanStripeEvent(tx.q.QueryRow(ctx, `SELECT `+stripeEventCols+` FROM stripe_events WHERE id = $1`, id))
	return r, wrap("read stripe event", err)
}

// AttentionEvents implements cardpay.Tx.
func (tx *Tx) AttentionEvents(ctx context.Context, before string, limit int) ([]cardpay.Record, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+stripeEventCols+` FROM stripe_events WHERE attention <> ''
		AND ($2 = '' OR (received_at, id) < (SELECT received_at, id FROM stripe_events WHERE id = $2))
		ORDER BY received_at DESC, id DESC LIMIT $1`, limit, before)
	if err != nil {
		return nil, wrap("list stripe events", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cardpay.Record, error) { return scanStripeEvent(r) })
	return out, wrap("list stripe events", err)
}

// CountAttentionEvents implements cardpay.Tx.
func (tx *Tx) CountAttentionEvents(ctx context.Context) (int, error) {
	var n int
	err := tx.q.QueryRow(ctx, `SELECT count(*) FROM stripe_events WHERE attention <> ''`).Scan(&n)
	return n, wrap("count stripe events", err)
}

const cardPaymentCols = `id, purpose, account_id, order_id, amount_cents, credited_cents, refunded_cents, created_at, updated_at`

// InsertPayment implements cardpay.Tx.
func (tx *Tx) InsertPayment(ctx context.Context, p cardpay.Payment) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO card_payments (`+cardPaymentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO NOTHING`, p.ID, p.Purpose, p.AccountID, p.OrderID, p.AmountCents, p.CreditedCents, p.RefundedCents, p.CreatedAt, p.UpdatedAt)
	return wrap("insert card payment", err)
}

// LockPayment implements cardpay.Tx.
func (tx *Tx) LockPayment(ctx context.Context, id string) (cardpay.Payment, error) {
	var p cardpay.Payment
	err := tx.q.QueryRow(ctx, `SELECT `+cardPaymentCols+` FROM card_payments WHERE id = $1 FOR UPDATE`, id).Scan(
		&p.ID, &p.Purpose, &p.AccountID, &p.OrderID, &p.AmountCents, &p.CreditedCents, &p.RefundedCents, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, wrap("lock card payment", err)
}

// UpdatePayment implements cardpay.Tx.
func (tx *Tx) UpdatePayment(ctx context.Context, p cardpay.Payment) error {
	tag, err := tx.q.Exec(ctx, `UPDATE card_payments SET credited_cents = $2, refunded_cents = $3, updated_at = $4 WHERE id = $1`,
		p.ID, p.CreditedCents, p.RefundedCents, p.UpdatedAt)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("update card payment", err)
}

const cardDisputeCols = `id, payment_id, amount_cents, status, reason, from_credit_cents, from_city_cents, from_sale_cents, created_at, closed_at`

// InsertDispute implements cardpay.Tx.
func (tx *Tx) InsertDispute(ctx context.Context, d cardpay.Dispute) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO card_disputes (`+cardDisputeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		d.ID, d.PaymentID, d.AmountCents, d.Status, d.Reason, d.FromCredit, d.FromCity, d.FromSale, d.CreatedAt, nullTime(d.ClosedAt))
	return wrap("insert card dispute", err)
}

// scanDispute reads one row of cardDisputeCols.
func scanDispute(row pgx.Row) (cardpay.Dispute, error) {
	var d cardpay.Dispute
	var closed *time.Time
	err := row.Scan(&d.ID, &d.PaymentID, &d.AmountCents, &d.Status, &d.Reason, &d.FromCredit, &d.FromCity, &d.FromSale, &d.CreatedAt, &closed)
	d.CreatedAt = d.CreatedAt.UTC()
	if closed != nil {
		d.ClosedAt = closed.UTC()
	}
	return d, err
}

// Dispute implements cardpay.Tx.
func (tx *Tx) Dispute(ctx context.Context, id string) (cardpay.Dispute, error) {
	d, err := scanDispute(tx.q.QueryRow(ctx, `SELECT `+cardDisputeCols+` FROM card_disputes WHERE id = $1`, id))
	return d, wrap("read card dispute", err)
}

// UpdateDispute implements cardpay.Tx.
func (tx *Tx) UpdateDispute(ctx context.Context, d cardpay.Dispute) error {
	tag, err := tx.q.Exec(ctx, `UPDATE card_disputes SET status = $2, closed_at = $3, from_credit_cents = $4, from_city_cents = $5 WHERE id = $1`,
		d.ID, d.Status, nullTime(d.ClosedAt), d.FromCredit, d.FromCity)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("update card dispute", err)
}

// OpenTopUpDisputes implements cardpay.Tx.
func (tx *Tx) OpenTopUpDisputes(ctx context.Context, paymentID string) ([]cardpay.Dispute, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+cardDisputeCols+` FROM card_disputes WHERE payment_id = $1 AND status = 'open' ORDER BY created_at, id`, paymentID)
	if err != nil {
		return nil, wrap("read open disputes", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cardpay.Dispute, error) { return scanDispute(r) })
	return out, wrap("read open disputes", err)
}
