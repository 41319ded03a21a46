package ticketing

import (
	"context"

	"cityhub/identity"
)

// VoidDisputedForTest voids a disputed order as a performance's
// cancellation does, in tx: the tests run it twice, as two cancellations
// that ran together would.
func VoidDisputedForTest(ctx context.Context, s *Service, tx Tx, c identity.Caller, orderID string) error {
	o, err := tx.LockOrder(ctx, orderID)
	if err != nil {
		return err
	}
	_, err = s.voidDisputed(ctx, tx, c, o, s.now())
	return err
}
