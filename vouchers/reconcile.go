package vouchers

import (
	"context"

	"cityhub/wallet"
)

// CampaignMoney is what a campaign's records say about its money, beside
// the balances of its budget and held accounts (the sums of their entries).
type CampaignMoney struct {
	ID          string
	Status      string
	BudgetCents int64
	// Claimed is the face value of every voucher of the campaign.
	Claimed int64
	// Spent is what its unreversed redemptions took.
	Spent  int64
	Budget int64 // balance of the budget account
	Held   int64 // balance of the held account
}

// ShopMoney is what a shop's records say about what it is owed and was
// paid, beside its payable and paid balances.
type ShopMoney struct {
	ID string
	// Redeemed is what its unreversed redemptions took.
	Redeemed int64
	// Settled is the total of its paid settlements.
	Settled int64
	Payable int64 // balance of the payable account
	Paid    int64 // balance of the paid account
}

// Reconcile compares the vouchers' records with the ledger accounts they
// post to, and returns every account that disagrees. A claim moves a
// voucher's face value from the budget to held; a redemption moves what it
// takes from held to the shop's payable, and its reversal moves it back; a
// close releases what is left held to the budget; a paid settlement moves
// its total from payable to paid. So, at any moment:
//   - held is what was claimed less what was spent, while the campaign is
//     not closed, and nothing once it is;
//   - budget is the budget less what was claimed, or, once closed, less
//     what was spent;
//   - payable is what the shop's redemptions took less what was paid;
//   - paid is what was paid.
//
// The ledger check alone cannot see a voucher written without its
// reservation: no money moved, so every balance still equals its entries.
func (s *Service) Reconcile(ctx context.Context) ([]wallet.Discrepancy, error) {
	var camps []CampaignMoney
	var shops []ShopMoney
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if camps, err = tx.CampaignMoney(ctx); err != nil {
			return err
		}
		shops, err = tx.ShopMoney(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []wallet.Discrepancy{}
	add := func(id wallet.AccountID, balance, expected int64, basis string) {
		out = append(out, wallet.Disagreeing("vouchers", id, balance, expected, basis)...)
	}
	for _, c := range camps {
		if c.Status == StatusClosed {
			add(wallet.CampaignHeldAccount(c.ID), c.Held, 0, "closed_holds_nothing")
			add(wallet.CampaignBudgetAccount(c.ID), c.Budget, c.BudgetCents-c.Spent, "budget_less_spent")
			continue
		}
		add(wallet.CampaignHeldAccount(c.ID), c.Held, c.Claimed-c.Spent, "claimed_less_spent")
		add(wallet.CampaignBudgetAccount(c.ID), c.Budget, c.BudgetCents-c.Claimed, "budget_less_claimed")
	}
	for _, sh := range shops {
		add(wallet.ShopPayableAccount(sh.ID), sh.Payable, sh.Redeemed-sh.Settled, "redeemed_less_paid")
		add(wallet.ShopPaidAccount(sh.ID), sh.Paid, sh.Settled, "paid_settlements")
	}
	return out, nil
}
