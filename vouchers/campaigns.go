package vouchers

import (
	"context"
	"fmt"
	"slices"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/wallet"
)

// ---- Campaigns ------------------------------------------------------------

// CreateCampaign creates a draft campaign and funds its budget from the
// city's funding account in the same transaction. Invalid for bad fields,
// a validity already over, and shops, districts or categories no shop has;
// Forbidden unless a city administrator.
func (s *Service) CreateCampaign(ctx context.Context, c identity.Caller, camp Campaign) (Campaign, error) {
	if err := requireAdmin(c); err != nil {
		return Campaign{}, err
	}
	if err := camp.Validate(); err != nil {
		return Campaign{}, err
	}
	if err := s.checkNotOver(camp); err != nil {
		return Campaign{}, err
	}
	camp.ID = ids.New("cmp")
	camp.Status = StatusDraft
	camp.Created = s.now()
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := checkEligibility(ctx, tx, camp); err != nil {
			return err
		}
		if err := tx.InsertCampaign(ctx, camp); err != nil {
			return fmt.Errorf("insert campaign: %w", err)
		}
		for _, a := range []wallet.Account{
			{ID: wallet.CityFunding, Kind: wallet.KindCityFunding},
			{ID: wallet.CampaignBudgetAccount(camp.ID), Kind: wallet.KindCampaignBudget, OwnerID: camp.ID, Floor: wallet.Zero()},
			// Held has no floor: each voucher row bounds what its redemptions
			// take, so redemptions of a city-wide campaign never queue on it.
			{ID: wallet.CampaignHeldAccount(camp.ID), Kind: wallet.KindCampaignHeld, OwnerID: camp.ID},
		} {
			if err := tx.EnsureAccount(ctx, a); err != nil {
				return fmt.Errorf("open campaign account: %w", err)
			}
		}
		_, err := wallet.Post(ctx, tx, wallet.Transaction{
			Key: "voucher.fund:" + camp.ID, Kind: "voucher.fund", RefType: "campaign", RefID: camp.ID,
			Memo: "Budget of " + camp.Name,
			Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -camp.BudgetCents},
				{Account: wallet.CampaignBudgetAccount(camp.ID), Amount: camp.BudgetCents},
			},
		}, s.now())
		if err != nil {
			return fmt.Errorf("fund campaign: %w", err)
		}
		return s.audit(ctx, tx, c, "campaign.create", "campaign", camp.ID, "", map[string]any{"budget_cents": camp.BudgetCents})
	})
	return camp, err
}

// checkEligibility refuses a campaign whose shop list names a shop that
// does not exist, or whose districts or categories name one no shop is in:
// a typo there would make a campaign nobody can spend, found only when the
// first citizen tries.
func checkEligibility(ctx context.Context, tx Tx, camp Campaign) error {
	if len(camp.ShopIDs) > 0 {
		found, err := tx.ListShops(ctx, ShopFilter{IDs: camp.ShopIDs})
		if err != nil {
			return fmt.Errorf("read the campaign's shops: %w", err)
		}
		if len(found) != len(camp.ShopIDs) {
			return apperr.R(apperr.Invalid, "unknown_shop", "The shop list names a shop that does not exist.")
		}
	}
	if len(camp.Districts)+len(camp.Categories) == 0 {
		return nil
	}
	shops, err := tx.ListShops(ctx, ShopFilter{})
	if err != nil {
		return fmt.Errorf("read the shops' districts: %w", err)
	}
	districts, categories := map[string]bool{}, map[string]bool{}
	for _, sh := range shops {
		districts[sh.District], categories[sh.Category] = true, true
	}
	for _, d := range camp.Districts {
		if !districts[d] {
			return apperr.R(apperr.Invalid, "no_shop_in_district", "No shop is in the district %q: check its spelling, or add the shop first.", d)
		}
	}
	for _, c := range camp.Categories {
		if !categories[c] {
			return apperr.R(apperr.Invalid, "no_shop_in_category", "No shop is in the category %q: check its spelling, or add the shop first.", c)
		}
	}
	return nil
}

// checkNotOver refuses a campaign whose validity has already ended: none
// of its vouchers could ever be claimed or spent.
func (s *Service) checkNotOver(camp Campaign) error {
	if !camp.ValidUntil.After(s.now()) {
		return apperr.R(apperr.Invalid, "validity_over", "The validity window has already ended.")
	}
	return nil
}

// UpdateCampaign changes a draft campaign. The budget is fixed at creation
// (it was funded then): Invalid (budget_fixed) for another one, while 0
// keeps it. Conflict unless the campaign is a draft.
func (s *Service) UpdateCampaign(ctx context.Context, c identity.Caller, camp Campaign) (Campaign, error) {
	if err := requireAdmin(c); err != nil {
		return Campaign{}, err
	}
	var out Campaign
	err := s.store.InTx(ctx, func(tx Tx) error {
		old, err := tx.LockCampaign(ctx, camp.ID)
		if err != nil {
			return campaignNotFound(err)
		}
		if old.Status != StatusDraft {
			return apperr.R(apperr.Conflict, "campaign_not_draft", "Only a draft campaign can be changed.")
		}
		// The budget was funded at creation: a change to it would not be
		// funded, so it is refused rather than silently kept.
		if camp.BudgetCents != 0 && camp.BudgetCents != old.BudgetCents {
			return apperr.R(apperr.Invalid, "budget_fixed", "The budget is fixed when the campaign is created (%s); for another budget, create another campaign.", money.Cents(old.BudgetCents))
		}
		camp.BudgetCents = old.BudgetCents
		camp.Status, camp.Created = old.Status, old.Created
		if err := camp.Validate(); err != nil {
			return err
		}
		if err := s.checkNotOver(camp); err != nil {
			return err
		}
		if err := checkEligibility(ctx, tx, camp); err != nil {
			return err
		}
		if err := tx.UpdateCampaign(ctx, camp); err != nil {
			return fmt.Errorf("update campaign: %w", err)
		}
		out = camp
		return s.audit(ctx, tx, c, "campaign.update", "campaign", camp.ID, "", nil)
	})
	return out, err
}

var transitions = map[string][]string{
	StatusDraft:  {StatusOpen, StatusClosed},
	StatusOpen:   {StatusPaused, StatusClosed},
	StatusPaused: {StatusOpen, StatusClosed},
}

// SetCampaignStatus opens, pauses or closes a campaign. Conflict for a
// transition that is not allowed (closed is final).
func (s *Service) SetCampaignStatus(ctx context.Context, c identity.Caller, id, status string) (Campaign, error) {
	if err := requireAdmin(c); err != nil {
		return Campaign{}, err
	}
	var out Campaign
	err := s.store.InTx(ctx, func(tx Tx) error {
		// A status change waits for redemptions in flight and holds off new
		// ones: a close must release the held value after the last of them.
		camp, err := tx.LockCampaignStatus(ctx, id)
		if err != nil {
			return campaignNotFound(err)
		}
		if camp.Status == status {
			out = camp
			return nil
		}
		if !slices.Contains(transitions[camp.Status], status) {
			return apperr.R(apperr.Conflict, "campaign_status", "A %s campaign cannot become %s.", camp.Status, status)
		}
		prev := camp.Status
		camp.Status = status
		if err := tx.UpdateCampaign(ctx, camp); err != nil {
			return fmt.Errorf("update campaign: %w", err)
		}
		detail := map[string]any{"from": prev}
		if status == StatusClosed {
			released, err := s.releaseHeld(ctx, tx, camp)
			if err != nil {
				return err
			}
			detail["released_cents"] = released
		}
		out = camp
		return s.audit(ctx, tx, c, "campaign."+status, "campaign", id, "", detail)
	})
	return out, err
}

// releaseHeld returns a closed campaign's reserved value (claimed vouchers
// never spent, what single-use vouchers did not cover) to its budget, so
// the budget left is what the campaign did not pay out. No voucher of a
// closed campaign can be redeemed again: the close waits for redemptions in
// flight (LockCampaignStatus), and later ones see the campaign closed.
func (s *Service) releaseHeld(ctx context.Context, tx Tx, camp Campaign) (int64, error) {
	held := wallet.CampaignHeldAccount(camp.ID)
	accounts, err := tx.LockAccounts(ctx, []wallet.AccountID{held})
	if err != nil {
		return 0, fmt.Errorf("lock held account: %w", err)
	}
	amount := accounts[0].Balance
	if amount <= 0 {
		return 0, nil
	}
	_, err = wallet.Post(ctx, tx, wallet.Transaction{
		Key: "voucher.release:" + camp.ID, Kind: "voucher.release", RefType: "campaign", RefID: camp.ID,
		Memo: "Unspent value of " + camp.Name,
		Entries: []wallet.Entry{
			{Account: held, Amount: -amount},
			{Account: wallet.CampaignBudgetAccount(camp.ID), Amount: amount},
		},
	}, s.now())
	if err != nil {
		return 0, fmt.Errorf("release held value: %w", err)
	}
	return amount, nil
}

// Campaign returns one campaign. NotFound.
func (s *Service) Campaign(ctx context.Context, id string) (Campaign, error) {
	var camp Campaign
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		camp, err = tx.Campaign(ctx, id)
		return campaignNotFound(err)
	})
	return camp, err
}

// Campaigns lists campaigns with one of statuses (all when none), newest first.
func (s *Service) Campaigns(ctx context.Context, statuses ...string) ([]Campaign, error) {
	var out []Campaign
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListCampaigns(ctx, statuses)
		return err
	})
	if out == nil {
		out = []Campaign{}
	}
	return out, err
}

// ShopsFor lists the active shops where a campaign's vouchers can be spent,
// optionally in one district, in the shops' order (compareShops). NotFound for an unknown campaign, and for a
// draft, which only its administrators see.
func (s *Service) ShopsFor(ctx context.Context, campaignID, district string) ([]Shop, error) {
	out := []Shop{}
	err := s.store.View(ctx, func(tx Tx) error {
		camp, err := tx.Campaign(ctx, campaignID)
		if err != nil {
			return campaignNotFound(err)
		}
		if camp.Status == StatusDraft {
			return campaignNotFound(apperr.E(apperr.NotFound, "draft"))
		}
		// The district as its code, as the shops are kept (PlaceCode).
		shops, err := tx.ListShops(ctx, ShopFilter{District: placeFilter(district), ActiveOnly: true})
		if err != nil {
			return err
		}
		for _, sh := range shops {
			if camp.Eligible(sh) {
				out = append(out, sh)
			}
		}
		slices.SortFunc(out, compareShops)
		return nil
	})
	return out, err
}
