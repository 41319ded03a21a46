package mobility

import (
	"context"
	"fmt"

	"cityhub/wallet"
)

// FareMoney is what the rides say about bikeshare revenue, beside the
// balance of revenue:bikeshare (the sum of its entries).
type FareMoney struct {
	// Charged is the fares of the ended rides that were charged (not
	// unsettled).
	Charged int64
	Revenue int64 // balance of revenue:bikeshare
}

// Reconcile compares the rides with bikeshare revenue: a ride's fare is
// posted with the ride's end, in its transaction, or the ride is ended
// unsettled and nothing moves, so revenue is the fares of the ended rides
// not unsettled (basis charged_fares). A fare posted at the COMMIT
// (wallet.PostOrQueue) commits with its ride or not at all, so the one
// snapshot sees both or neither.
func (s *Service) Reconcile(ctx context.Context) ([]wallet.Discrepancy, error) {
	var m FareMoney
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		m, err = tx.FareMoney(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile bikeshare revenue: %w", err)
	}
	return wallet.Disagreeing("mobility", wallet.RevenueBikeshare, m.Revenue, m.Charged, "charged_fares"), nil
}
