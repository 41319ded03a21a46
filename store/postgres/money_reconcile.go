package postgres

import (
	"context"
	"time"

	"cityhub/cardpay"
	"cityhub/mobility"
	"cityhub/ticketing"
)

// TheatreMoney implements ticketing.Tx. One statement: one snapshot, so a
// sale, refund or dispute committing meanwhile is seen whole or not at all.
func (tx *Tx) TheatreMoney(ctx context.Context) (ticketing.TheatreMoney, error) {
	var m ticketing.TheatreMoney
	err := tx.q.QueryRow(ctx, `SELECT
			COALESCE((SELECT SUM(total_cents - card_refunded_cents) FROM ticket_orders WHERE status = 'paid'), 0)::bigint,
			COALESCE((SELECT SUM(from_sale_cents) FROM card_disputes WHERE status IN ('open', 'lost')), 0)::bigint,
			COALESCE((SELECT SUM(amount) FROM ledger_lines WHERE account_id = 'revenue:theatre'), 0)::bigint`).
		Scan(&m.Sold, &m.Disputed, &m.Revenue)
	return m, wrap("read the theatre's money", err)
}

// FareMoney implements mobility.Tx, in one statement as TheatreMoney.
func (tx *Tx) FareMoney(ctx context.Context) (mobility.FareMoney, error) {
	var m mobility.FareMoney
	err := tx.q.QueryRow(ctx, `SELECT
			COALESCE((SELECT SUM(fare_cents) FROM mobility_rides WHERE status = 'ended' AND NOT unsettled), 0)::bigint,
			COALESCE((SELECT SUM(amount) FROM ledger_lines WHERE account_id = 'revenue:bikeshare'), 0)::bigint`).
		Scan(&m.Charged, &m.Revenue)
	return m, wrap("read the rides' money", err)
}

// CardMoney implements cardpay.Tx, in one statement as TheatreMoney.
func (tx *Tx) CardMoney(ctx context.Context) (cardpay.CardMoney, error) {
	var m cardpay.CardMoney
	err := tx.q.QueryRow(ctx, `SELECT
			COALESCE((SELECT SUM(credited_cents) FROM card_payments WHERE purpose = 'wallet_topup'), 0)::bigint,
			COALESCE((SELECT SUM(refunded_cents) FROM card_payments WHERE purpose = 'wallet_topup'), 0)::bigint,
			COALESCE((SELECT SUM(total_cents - card_refunded_cents) FROM ticket_orders WHERE status = 'paid' AND method = 'card'), 0)::bigint,
			COALESCE((SELECT SUM(from_credit_cents + from_city_cents + from_sale_cents) FROM card_disputes WHERE status = 'open'), 0)::bigint,
			COALESCE((SELECT SUM(from_credit_cents + from_city_cents + from_sale_cents) FROM card_disputes WHERE status = 'lost'), 0)::bigint,
			COALESCE((SELECT SUM(amount) FROM ledger_lines WHERE account_id = 'stripe:clearing'), 0)::bigint,
			COALESCE((SELECT SUM(amount) FROM ledger_lines WHERE account_id = 'stripe:disputes'), 0)::bigint`).
		Scan(&m.Credited, &m.Refunded, &m.CardSales, &m.Held, &m.Lost, &m.Clearing, &m.Disputes)
	return m, wrap("read the card payments' money", err)
}

// HoldRider implements cardpay.Tx. The stale pending rides are ended
// before the account is locked: an unlock ends them (ExpirePendingRides)
// before it holds the account, so both take the two in one order.
func (tx *Tx) HoldRider(ctx context.Context, accountID string, now time.Time) (bool, error) {
	if _, err := tx.q.Exec(ctx, `UPDATE mobility_rides SET status = 'failed', failure_reason = 'pending_expired'
		WHERE rider_id = $1 AND status = 'pending' AND deadline < $2`, accountID, now.Add(-mobility.PendingGrace)); err != nil {
		return false, wrap("expire the rider's pending rides", err)
	}
	// NO KEY UPDATE: it waits for an unlock's FOR SHARE, but not for the
	// inserts that refer to the account (a receipt, an audit entry).
	if _, err := tx.q.Exec(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, accountID); err != nil {
		return false, wrap("lock the rider's account", err)
	}
	var open bool
	err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mobility_rides WHERE rider_id = $1 AND status IN ('pending', 'active'))`, accountID).Scan(&open)
	return open, wrap("read open ride", err)
}
