package ticketing

import (
	"context"
	"fmt"

	"cityhub/wallet"
)

// TheatreMoney is what the theatre's orders and their card disputes say
// about its revenue, beside the balance of revenue:theatre (the sum of its
// entries).
type TheatreMoney struct {
	// Sold is what the paid orders took, less what was refunded of them at
	// Stripe.
	Sold int64
	// Disputed is what the open and the lost card disputes of orders took
	// from the sales they dispute.
	Disputed int64
	Revenue  int64 // balance of revenue:theatre
}

// Reconcile compares the orders with the theatre's revenue account. A sale
// (credit or card) moves an order's total into revenue; a refund, by the
// hub or at Stripe, takes back what it refunds, and an order refunded in
// full is no longer paid; a dispute holds what it disputes from revenue
// while open, gives it back when won, and keeps it when lost. So revenue is
// what the paid orders took less what was refunded of them at Stripe, less
// what the open and lost disputes hold or took (basis sold_less_disputed).
// The ledger check alone cannot see an order refunded twice, or paid
// without its sale posted: each posting balances.
func (s *Service) Reconcile(ctx context.Context) ([]wallet.Discrepancy, error) {
	var m TheatreMoney
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		m, err = tx.TheatreMoney(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile theatre revenue: %w", err)
	}
	return wallet.Disagreeing("ticketing", wallet.RevenueTheatre, m.Revenue, m.Sold-m.Disputed, "sold_less_disputed"), nil
}
