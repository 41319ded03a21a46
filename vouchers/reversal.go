package vouchers

import (
	"context"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/wallet"
)

// Reverse undoes a redemption of the caller's shop made less than
// ReversalWindow ago and not yet settled: the value goes back to the voucher
// and the shop's payable, exactly once. A replay of key returns the first
// result. NotFound if the redemption is not this shop's; Conflict (reasons
// already_reversed, already_settled, reversal_window_passed).
func (s *Service) Reverse(ctx context.Context, c identity.Caller, shopID, redemptionID, key string) (Redemption, bool, error) {
	if err := requireMerchant(c, shopID); err != nil {
		return Redemption{}, false, err
	}
	if err := idem.ValidateKey(key); err != nil {
		return Redemption{}, false, err
	}
	var out Redemption
	var replayed bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		out, replayed, err = idem.Do(ctx, tx, "voucher.reverse:"+shopID, key, map[string]string{"redemption_id": redemptionID}, func() (Redemption, error) {
			return s.reverseTx(ctx, tx, c, shopID, redemptionID)
		})
		return err
	})
	return out, replayed, err
}

func (s *Service) reverseTx(ctx context.Context, tx Tx, c identity.Caller, shopID, redemptionID string) (Redemption, error) {
	r, err := tx.LockRedemption(ctx, redemptionID)
	if err != nil || r.ShopID != shopID {
		if err == nil || apperr.Has(err, apperr.NotFound) {
			return Redemption{}, apperr.R(apperr.NotFound, "redemption_not_found", "No such redemption at this shop.")
		}
		return Redemption{}, err
	}
	now := s.now()
	if err := r.ReversalRefusal(now); err != nil {
		return Redemption{}, err
	}
	v, err := tx.LockVoucher(ctx, r.VoucherID)
	if err != nil {
		return Redemption{}, fmt.Errorf("lock voucher: %w", err)
	}
	// Shared until commit, so a close cannot release the held value between
	// this read and the posting that puts the value back into it.
	camp, err := tx.ShareCampaign(ctx, v.CampaignID)
	if err != nil {
		return Redemption{}, fmt.Errorf("read campaign: %w", err)
	}
	// A voucher given up with its holder's account stays given up, its
	// campaign closed since or not: the value goes to the budget, as the
	// rest of it did (ForfeitTx). Once the campaign is closed its value
	// goes there anyway, and a forfeit is not recorded (the close released
	// what the campaign held, and what the records reconcile).
	forfeited, err := tx.Forfeited(ctx, v.ID)
	if err != nil {
		return Redemption{}, fmt.Errorf("read the voucher's forfeit: %w", err)
	}
	switch {
	case forfeited && camp.Status == StatusClosed:
		// Stays used; the value goes to the budget below.
	case forfeited:
		if err := tx.InsertForfeit(ctx, Forfeit{ID: ids.New("vff"), VoucherID: v.ID, CampaignID: camp.ID,
			AmountCents: r.AmountCents, Reason: ForfeitReversal, At: now.UTC().Truncate(time.Microsecond)}); err != nil {
			return Redemption{}, fmt.Errorf("record the reversal's forfeit: %w", err)
		}
	default:
		if camp.Mode == ModeSingleUse {
			v.RemainingCents = v.ValueCents
		} else {
			v.RemainingCents += r.AmountCents
		}
		v.Status = VoucherActive
		if err := tx.UpdateVoucher(ctx, v); err != nil {
			return Redemption{}, fmt.Errorf("update voucher: %w", err)
		}
	}
	if err := tx.MarkReversed(ctx, r.ID, now.UTC(), c.AccountID); err != nil {
		return Redemption{}, fmt.Errorf("mark reversed: %w", err)
	}
	at := now.UTC()
	r.ReversedAt, r.ReversedBy = &at, c.AccountID
	if err := s.audit(ctx, tx, c, "voucher.reverse", "voucher", v.ID, shopID, map[string]any{"redemption_id": r.ID, "amount_cents": r.AmountCents}); err != nil {
		return Redemption{}, err
	}
	// The value goes back where it came from: the voucher's reservation, or,
	// once the campaign is closed and its reservations released or the
	// voucher given up, the budget.
	back := wallet.CampaignHeldAccount(camp.ID)
	if camp.Status == StatusClosed || forfeited {
		back = wallet.CampaignBudgetAccount(camp.ID)
	}
	_, err = wallet.Post(ctx, tx, wallet.Transaction{
		Key: "voucher.reverse:" + r.ID, Kind: "voucher.reverse", RefType: "voucher_redemption", RefID: r.ID,
		Entries: []wallet.Entry{
			{Account: wallet.ShopPayableAccount(shopID), Amount: -r.AmountCents},
			{Account: back, Amount: r.AmountCents},
		},
	}, now)
	if err != nil {
		return Redemption{}, fmt.Errorf("restore voucher value: %w", err)
	}
	return r, nil
}
