package cardpay

import (
	"context"
	"fmt"

	"cityhub/wallet"
)

// DisputeMoney is what the card disputes say about stripe:disputes, beside
// its balance (the sum of its entries).
type DisputeMoney struct {
	// Held is what the open disputes hold: from the citizens' credit, from
	// the city and from the theatre's sales.
	Held    int64
	Balance int64 // balance of stripe:disputes
}

// Reconcile compares the card disputes with the account that holds their
// money: a dispute opened moves what it holds there (from the credit, the
// city or a sale), and its close moves all of it out again, won or lost,
// so the account holds what the open disputes hold (basis open_disputes).
func (s *Service) Reconcile(ctx context.Context) ([]wallet.Discrepancy, error) {
	var m DisputeMoney
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		m, err = tx.DisputeMoney(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile card disputes: %w", err)
	}
	return wallet.Disagreeing("cardpay", wallet.StripeDisputes, m.Balance, m.Held, "open_disputes"), nil
}
