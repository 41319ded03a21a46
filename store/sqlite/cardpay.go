package sqlite

import (
	"context"
	"database/sql"

	"cityhub/cardpay"
)

// SQLite has one writer, so LockPayment is a plain read: the write
// transaction that calls it already excludes every other writer, and the
// events' primary key still refuses a second record of one event.

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

func scanStripeEvent(row rowScanner) (cardpay.Record, error) {
	var r cardpay.Record
	var live int
	var received int64
	err := row.Scan(&r.ID, &r.Type, &r.PaymentIntentID, &r.ObjectID, &r.AmountCents, &r.Currency, &live, &r.Outcome,
		&r.Attention, &r.Note, &r.TransactionID, &received)
	r.Livemode, r.ReceivedAt = live == 1, fromMicros(received)
	return r, err
}

// InsertEvent implements cardpay.Tx.
func (tx *Tx) InsertEvent(ctx context.Context, r cardpay.Record) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO stripe_events (`+stripeEventCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, r.ID, r.Type, r.PaymentIntentID, r.ObjectID, r.AmountCents, r.Currency, boolInt(r.Livemode), r.Outcome,
		r.Attention, r.Note, r.TransactionID, toMicros(r.ReceivedAt))
	if err != nil {
		return false, wrap("insert stripe event", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("insert stripe event", err)
}

// FinishEvent implements cardpay.Tx.
func (tx *Tx) FinishEvent(ctx context.Context, r cardpay.Record) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE stripe_events SET outcome = ?2, attention = ?3, note = ?4, transaction_id = ?5 WHERE id = ?1`,
		r.ID, r.Outcome, r.Attention, r.Note, r.TransactionID)
	return wrap("finish stripe event", oneRow(res, err))
}

// Event implements cardpay.Tx.
func (tx *Tx) Event(ctx context.Context, id string) (cardpay.Record, error) {
	r, err := scanStripeEvent(tx.q.QueryRowContext(ctx, `SELECT `+stripeEventCols+` FROM stripe_events WHERE id = ?`, id))
	return r, wrap("read stripe event", err)
}

// AttentionEvents implements cardpay.Tx.
func (tx *Tx) AttentionEvents(ctx context.Context, before string, limit int) ([]cardpay.Record, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+stripeEventCols+` FROM stripe_events WHERE attention <> ''
		AND (?2 = '' OR (received_at, id) < (SELECT received_at, id FROM stripe_events WHERE id = ?2))
		ORDER BY received_at DESC, id DESC LIMIT ?1`, limit, before)
	out, err := collect(rows, err, scanStripeEvent)
	return out, wrap("list stripe events", err)
}

// CountAttentionEvents implements cardpay.Tx.
func (tx *Tx) CountAttentionEvents(ctx context.Context) (int, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM stripe_events WHERE attention <> ''`).Scan(&n)
	return n, wrap("count stripe events", err)
}

const cardPaymentCols = `id, purpose, account_id, order_id, amount_cents, credited_cents, refunded_cents, created_at, updated_at`

// InsertPayment implements cardpay.Tx.
func (tx *Tx) InsertPayment(ctx context.Context, p cardpay.Payment) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO card_payments (`+cardPaymentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, p.ID, p.Purpose, p.AccountID, p.OrderID, p.AmountCents, p.CreditedCents, p.RefundedCents,
		toMicros(p.CreatedAt), toMicros(p.UpdatedAt))
	return wrap("insert card payment", err)
}

// LockPayment implements cardpay.Tx.
func (tx *Tx) LockPayment(ctx context.Context, id string) (cardpay.Payment, error) {
	var p cardpay.Payment
	var created, updated int64
	err := tx.q.QueryRowContext(ctx, `SELECT `+cardPaymentCols+` FROM card_payments WHERE id = ?`, id).Scan(
		&p.ID, &p.Purpose, &p.AccountID, &p.OrderID, &p.AmountCents, &p.CreditedCents, &p.RefundedCents, &created, &updated)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, wrap("lock card payment", err)
}

// UpdatePayment implements cardpay.Tx.
func (tx *Tx) UpdatePayment(ctx context.Context, p cardpay.Payment) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE card_payments SET credited_cents = ?2, refunded_cents = ?3, updated_at = ?4 WHERE id = ?1`,
		p.ID, p.CreditedCents, p.RefundedCents, toMicros(p.UpdatedAt))
	return wrap("update card payment", oneRow(res, err))
}

const cardDisputeCols = `id, payment_id, amount_cents, status, reason, from_credit_cents, from_city_cents, from_sale_cents, created_at, closed_at`

// InsertDispute implements cardpay.Tx.
func (tx *Tx) InsertDispute(ctx context.Context, d cardpay.Dispute) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO card_disputes (`+cardDisputeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.PaymentID, d.AmountCents, d.Status, d.Reason, d.FromCredit, d.FromCity, d.FromSale, toMicros(d.CreatedAt), nullMicros(d.ClosedAt))
	return wrap("insert card dispute", err)
}

// scanDispute reads one row of cardDisputeCols.
func scanDispute(r rowScanner) (cardpay.Dispute, error) {
	var d cardpay.Dispute
	var created int64
	var closed sql.NullInt64
	err := r.Scan(&d.ID, &d.PaymentID, &d.AmountCents, &d.Status, &d.Reason, &d.FromCredit, &d.FromCity, &d.FromSale, &created, &closed)
	d.CreatedAt, d.ClosedAt = fromMicros(created), fromMicros(closed.Int64)
	return d, err
}

// Dispute implements cardpay.Tx.
func (tx *Tx) Dispute(ctx context.Context, id string) (cardpay.Dispute, error) {
	d, err := scanDispute(tx.q.QueryRowContext(ctx, `SELECT `+cardDisputeCols+` FROM card_disputes WHERE id = ?`, id))
	return d, wrap("read card dispute", err)
}

// UpdateDispute implements cardpay.Tx.
func (tx *Tx) UpdateDispute(ctx context.Context, d cardpay.Dispute) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE card_disputes SET status = ?2, closed_at = ?3, from_credit_cents = ?4, from_city_cents = ?5 WHERE id = ?1`,
		d.ID, d.Status, nullMicros(d.ClosedAt), d.FromCredit, d.FromCity)
	return wrap("update card dispute", oneRow(res, err))
}

// OpenTopUpDisputes implements cardpay.Tx.
func (tx *Tx) OpenTopUpDisputes(ctx context.Context, paymentID string) ([]cardpay.Dispute, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+cardDisputeCols+` FROM card_disputes WHERE payment_id = ? AND status = 'open' ORDER BY created_at, id`, paymentID)
	return collect(rows, err, scanDispute)
}
