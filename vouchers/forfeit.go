package vouchers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"cityhub/ids"
	"cityhub/wallet"
)

// Forfeit is a voucher's value given up because its holder erased their
// account, or a later reversal's, returned to its campaign's budget.
type Forfeit struct {
	ID          string
	VoucherID   string
	CampaignID  string
	AmountCents int64
	// Reason is ForfeitErasure or ForfeitReversal.
	Reason string
	At     time.Time
}

// The reasons of a forfeit.
const (
	ForfeitErasure  = "erasure"
	ForfeitReversal = "reversal"
)

// ForfeitTx gives up the vouchers of accountID, whose account is being
// erased in tx: each voucher of a campaign not closed is marked used, and
// what was left of it goes from the campaign's held value back to its
// budget, for the city to give to someone else. An erased person can no
// longer show a voucher, and its typed code, which they may have kept,
// must not be redeemable by them or anyone: the per-citizen limits would
// mean nothing if a person could erase the account, sign up again and
// claim again while keeping the old codes. A voucher with nothing left is
// recorded too (amount 0), so that a later reversal of its redemption
// goes to the budget and not back to it (reverse). Vouchers of closed
// campaigns hold nothing any more (the close released it) and cannot be
// redeemed; they are left as they are.
//
// Locks, in the order every voucher path takes them: the campaigns shared
// (a close waits), then each voucher, then the ledger accounts.
func ForfeitTx(ctx context.Context, tx Tx, accountID string, now time.Time) error {
	vs, err := tx.ListVouchers(ctx, accountID)
	if err != nil {
		return fmt.Errorf("list the vouchers to forfeit: %w", err)
	}
	slices.SortFunc(vs, func(a, b Voucher) int {
		return cmp.Or(cmp.Compare(a.CampaignID, b.CampaignID), cmp.Compare(a.ID, b.ID))
	})
	open := map[string]bool{}
	for _, v := range vs {
		if _, seen := open[v.CampaignID]; seen {
			continue
		}
		camp, err := tx.ShareCampaign(ctx, v.CampaignID)
		if err != nil {
			return fmt.Errorf("share campaign %s: %w", v.CampaignID, err)
		}
		open[v.CampaignID] = camp.Status != StatusClosed
	}
	now = now.UTC().Truncate(time.Microsecond)
	for _, listed := range vs {
		if !open[listed.CampaignID] {
			continue
		}
		v, err := tx.LockVoucher(ctx, listed.ID)
		if err != nil {
			return fmt.Errorf("lock voucher %s: %w", listed.ID, err)
		}
		left := int64(0)
		if v.Status == VoucherActive {
			left = v.RemainingCents
		}
		if err := tx.InsertForfeit(ctx, Forfeit{ID: ids.New("vff"), VoucherID: v.ID, CampaignID: v.CampaignID,
			AmountCents: left, Reason: ForfeitErasure, At: now}); err != nil {
			return fmt.Errorf("record the forfeit of voucher %s: %w", v.ID, err)
		}
		if left == 0 {
			continue
		}
		v.RemainingCents, v.Status = 0, VoucherUsed
		if err := tx.UpdateVoucher(ctx, v); err != nil {
			return fmt.Errorf("update voucher %s: %w", v.ID, err)
		}
		if _, err := wallet.Post(ctx, tx, forfeitPosting("voucher.forfeit:"+v.ID, v.CampaignID, left), now); err != nil {
			return fmt.Errorf("return voucher %s's value to the budget: %w", v.ID, err)
		}
	}
	return nil
}

// forfeitPosting moves cents of a campaign's held value back to its budget.
func forfeitPosting(key, campaignID string, cents int64) wallet.Transaction {
	return wallet.Transaction{
		Key: key, Kind: "voucher.forfeit", RefType: "campaign", RefID: campaignID,
		Memo: "Voucher given up: its holder's account was erased",
		Entries: []wallet.Entry{
			{Account: wallet.CampaignHeldAccount(campaignID), Amount: -cents},
			{Account: wallet.CampaignBudgetAccount(campaignID), Amount: cents},
		},
	}
}
