package vouchers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/qrtoken"
	"cityhub/wallet"
)

// Service holds the scheme's rules. Callers are identity.Caller values that
// the edge authenticated; the service decides what each may do.
type Service struct {
	store Store
	keys  qrtoken.Keys
	log   *slog.Logger
	now   func() time.Time
}

// Typed-code guessing limits: failures per shop and per address in a window.
const (
	MaxCodeFailuresPerShop = 20
	MaxCodeFailuresPerIP   = 20
	CodeFailureWindow      = 10 * time.Minute
)

// NewService returns the voucher service on store, signing QR tokens with keys.
func NewService(store Store, keys qrtoken.Keys, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store: store, keys: keys, log: log, now: time.Now,
	}
}

// SetClock replaces the clock (tests, demo data).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func requireAdmin(c identity.Caller) error {
	if !c.Has(identity.RoleAdmin) {
		return apperr.E(apperr.Forbidden, "Only a city administrator may do this.")
	}
	return nil
}

func requireCitizen(c identity.Caller) error {
	if c.AccountID == "" || !c.Has(identity.RoleCitizen) {
		return apperr.E(apperr.Forbidden, "Only a citizen may do this.")
	}
	return nil
}

// ShopOf picks the shop a merchant acts for: the one named in requested if
// the caller's grants include it, else the caller's only shop. The shop
// always comes from the credential; requested only chooses among its shops.
// Forbidden otherwise.
func ShopOf(c identity.Caller, requested string) (string, error) {
	shops := c.Scopes(identity.RoleMerchant)
	if requested != "" {
		if c.HasIn(identity.RoleMerchant, requested) {
			return requested, nil
		}
		return "", apperr.R(apperr.Forbidden, "not_your_shop", "You are not staff of this shop.")
	}
	switch len(shops) {
	case 0:
		return "", apperr.R(apperr.Forbidden, "not_merchant", "Only shop staff may do this.")
	case 1:
		return shops[0], nil
	}
	return "", apperr.R(apperr.Invalid, "shop_required", "You are staff of several shops: say which one.")
}

func requireMerchant(c identity.Caller, shopID string) error {
	if !c.HasIn(identity.RoleMerchant, shopID) {
		return apperr.R(apperr.Forbidden, "not_your_shop", "You are not staff of this shop.")
	}
	return nil
}

func (s *Service) audit(ctx context.Context, tx Tx, c identity.Caller, action, objType, objID, shopID string, detail map[string]any) error {
	o := audit.OriginFrom(ctx)
	err := tx.AppendAudit(ctx, audit.Entry{
		ActorID: c.AccountID, Action: action, ObjectType: objType, ObjectID: objID,
		ShopID: shopID, Device: o.Device, IP: o.IP, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// ---- Shops ----------------------------------------------------------------

// CreateShop registers a shop and opens its ledger accounts. Invalid for bad
// fields; Forbidden unless the caller is a city administrator.
func (s *Service) CreateShop(ctx context.Context, c identity.Caller, shop Shop) (Shop, error) {
	if err := requireAdmin(c); err != nil {
		return Shop{}, err
	}
	if err := shop.Validate(); err != nil {
		return Shop{}, err
	}
	shop.ID = ids.New("shp")
	shop.Active = true
	shop.Created = s.now().UTC()
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertShop(ctx, shop); err != nil {
			return fmt.Errorf("insert shop: %w", err)
		}
		// The payable has no floor: redemptions, reversals and settlements
		// are bounded by the redemption rows, so no posting locks it.
		for _, a := range []wallet.Account{
			{ID: wallet.ShopPayableAccount(shop.ID), Kind: wallet.KindShopPayable, OwnerID: shop.ID},
			{ID: wallet.ShopPaidAccount(shop.ID), Kind: wallet.KindShopPaid, OwnerID: shop.ID, Floor: wallet.Zero()},
		} {
			if err := tx.EnsureAccount(ctx, a); err != nil {
				return fmt.Errorf("open shop account: %w", err)
			}
		}
		return s.audit(ctx, tx, c, "shop.create", "shop", shop.ID, shop.ID, nil)
	})
	return shop, err
}

// UpdateShop changes a shop's details (not its id). NotFound, Invalid, Forbidden.
func (s *Service) UpdateShop(ctx context.Context, c identity.Caller, shop Shop) (Shop, error) {
	if err := requireAdmin(c); err != nil {
		return Shop{}, err
	}
	if err := shop.Validate(); err != nil {
		return Shop{}, err
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		old, err := tx.Shop(ctx, shop.ID)
		if err != nil {
			return shopNotFound(err)
		}
		shop.Created = old.Created
		if err := tx.UpdateShop(ctx, shop); err != nil {
			return fmt.Errorf("update shop: %w", err)
		}
		return s.audit(ctx, tx, c, "shop.update", "shop", shop.ID, shop.ID, map[string]any{"active": shop.Active})
	})
	return shop, err
}

func shopNotFound(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.NotFound, "shop_not_found", "No such shop.")
	}
	return err
}

func campaignNotFound(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.NotFound, "campaign_not_found", "No such campaign.")
	}
	return err
}

func voucherNotFound(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.NotFound, "voucher_not_found", "No such voucher.")
	}
	return err
}

// Shop returns one shop. NotFound.
func (s *Service) Shop(ctx context.Context, id string) (Shop, error) {
	var shop Shop
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		shop, err = tx.Shop(ctx, id)
		return shopNotFound(err)
	})
	return shop, err
}

// Shops lists shops.
func (s *Service) Shops(ctx context.Context, f ShopFilter) ([]Shop, error) {
	var out []Shop
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListShops(ctx, f)
		return err
	})
	if out == nil {
		out = []Shop{}
	}
	return out, err
}

// ---- Campaigns ------------------------------------------------------------

// CreateCampaign creates a draft campaign and funds its budget from the
// city's funding account in the same transaction. Invalid for bad fields
// (unknown shop ids included); Forbidden unless a city administrator.
func (s *Service) CreateCampaign(ctx context.Context, c identity.Caller, camp Campaign) (Campaign, error) {
	if err := requireAdmin(c); err != nil {
		return Campaign{}, err
	}
	if err := camp.Validate(); err != nil {
		return Campaign{}, err
	}
	camp.ID = ids.New("cmp")
	camp.Status = StatusDraft
	camp.Created = s.now().UTC()
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := checkShopsExist(ctx, tx, camp.ShopIDs); err != nil {
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

func checkShopsExist(ctx context.Context, tx Tx, shopIDs []string) error {
	if len(shopIDs) == 0 {
		return nil
	}
	found, err := tx.ListShops(ctx, ShopFilter{IDs: shopIDs})
	if err != nil {
		return err
	}
	if len(found) != len(shopIDs) {
		return apperr.R(apperr.Invalid, "unknown_shop", "The shop list names a shop that does not exist.")
	}
	return nil
}

// UpdateCampaign changes a draft campaign. The budget is fixed at creation
// (it was funded then). Conflict unless the campaign is a draft.
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
		camp.BudgetCents = old.BudgetCents
		camp.Status, camp.Created = old.Status, old.Created
		if err := camp.Validate(); err != nil {
			return err
		}
		if err := checkShopsExist(ctx, tx, camp.ShopIDs); err != nil {
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
// optionally in one district. NotFound for an unknown campaign.
func (s *Service) ShopsFor(ctx context.Context, campaignID, district string) ([]Shop, error) {
	out := []Shop{}
	err := s.store.View(ctx, func(tx Tx) error {
		camp, err := tx.Campaign(ctx, campaignID)
		if err != nil {
			return campaignNotFound(err)
		}
		shops, err := tx.ListShops(ctx, ShopFilter{District: district, ActiveOnly: true})
		if err != nil {
			return err
		}
		for _, sh := range shops {
			if camp.Eligible(sh) {
				out = append(out, sh)
			}
		}
		return nil
	})
	return out, err
}

// ---- Claiming -------------------------------------------------------------

// ClaimableCampaign is a campaign a citizen may claim now, with how many
// more vouchers they may take.
type ClaimableCampaign struct {
	Campaign
	ClaimedByYou int `json:"claimed_by_you"`
	YouMayClaim  int `json:"you_may_claim"`
}

// Claimable lists open campaigns in their validity window, with budget for
// one more voucher, that the citizen has not used up.
func (s *Service) Claimable(ctx context.Context, c identity.Caller) ([]ClaimableCampaign, error) {
	if err := requireCitizen(c); err != nil {
		return nil, err
	}
	now := s.now()
	out := []ClaimableCampaign{}
	err := s.store.View(ctx, func(tx Tx) error {
		camps, err := tx.ListCampaigns(ctx, []string{StatusOpen})
		if err != nil {
			return err
		}
		for _, camp := range camps {
			if now.Before(camp.ValidFrom) || !now.Before(camp.ValidUntil) {
				continue
			}
			budget, err := tx.Account(ctx, wallet.CampaignBudgetAccount(camp.ID))
			if err != nil {
				return fmt.Errorf("read budget: %w", err)
			}
			if budget.Balance < camp.FaceValueCents {
				continue // run out: nothing left to claim
			}
			n, err := tx.CountVouchers(ctx, camp.ID, c.AccountID)
			if err != nil {
				return err
			}
			if n < camp.PerCitizenLimit {
				out = append(out, ClaimableCampaign{Campaign: camp, ClaimedByYou: n, YouMayClaim: camp.PerCitizenLimit - n})
			}
		}
		return nil
	})
	return out, err
}

// Claim gives the citizen a voucher of the campaign, reserving its value
// from the budget. The campaign row is locked, so the budget and the
// citizen's limit are checked against every concurrent claim. NotFound for
// an unknown campaign; Conflict (reasons campaign_not_open, not_yet_valid,
// campaign_over, per_citizen_limit, budget_exhausted).
func (s *Service) Claim(ctx context.Context, c identity.Caller, campaignID string) (VoucherView, error) {
	out, _, err := s.ClaimWithKey(ctx, c, campaignID, "")
	return out, err
}

// ClaimWithKey is Claim under a client's idempotency key (none when key is
// empty): the key is recorded in the transaction that makes the voucher, so
// a retry, however many race and whenever it comes (after a crash, after the
// campaign closed or the citizen reached the limit), answers the first
// voucher (replayed=true) and never makes another. The same key for another
// campaign is Conflict (idempotency_key_reused).
func (s *Service) ClaimWithKey(ctx context.Context, c identity.Caller, campaignID, key string) (VoucherView, bool, error) {
	if err := requireCitizen(c); err != nil {
		return VoucherView{}, false, err
	}
	if key == "" {
		var out VoucherView
		err := s.store.InTx(ctx, func(tx Tx) error {
			var err error
			out, err = s.claimTx(ctx, tx, c, campaignID)
			return err
		})
		return out, false, err
	}
	if err := idem.ValidateKey(key); err != nil {
		return VoucherView{}, false, err
	}
	scope, request := "voucher.claim:"+c.AccountID, map[string]string{"campaign_id": campaignID}
	var out VoucherView
	var replayed bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		out, replayed, err = idem.Do(ctx, tx, scope, key, request, func() (VoucherView, error) {
			return s.claimTx(ctx, tx, c, campaignID)
		})
		return err
	})
	return out, replayed, err
}

func (s *Service) claimTx(ctx context.Context, tx Tx, c identity.Caller, campaignID string) (VoucherView, error) {
	camp, err := tx.LockCampaign(ctx, campaignID)
	if err != nil {
		return VoucherView{}, campaignNotFound(err)
	}
	now := s.now()
	if camp.Status != StatusOpen {
		return VoucherView{}, apperr.R(apperr.Conflict, "campaign_not_open", "This campaign is not open for claims.")
	}
	if now.Before(camp.ValidFrom) {
		return VoucherView{}, apperr.R(apperr.Conflict, "not_yet_valid", "This campaign has not started yet.")
	}
	if !now.Before(camp.ValidUntil) {
		return VoucherView{}, apperr.R(apperr.Conflict, "campaign_over", "This campaign has ended.")
	}
	n, err := tx.CountVouchers(ctx, camp.ID, c.AccountID)
	if err != nil {
		return VoucherView{}, fmt.Errorf("count vouchers: %w", err)
	}
	if n >= camp.PerCitizenLimit {
		return VoucherView{}, apperr.R(apperr.Conflict, "per_citizen_limit", "You already have as many vouchers of this campaign as allowed (%d).", camp.PerCitizenLimit)
	}
	code, hash := qrtoken.NewCode()
	v := Voucher{
		ID: ids.New("vch"), CampaignID: camp.ID, AccountID: c.AccountID,
		ValueCents: camp.FaceValueCents, RemainingCents: camp.FaceValueCents, Status: VoucherActive,
		Code: code, CodeHash: hash, ClaimedAt: now.UTC(), ExpiresAt: camp.ValidUntil,
	}
	if err := tx.InsertVoucher(ctx, v); err != nil {
		return VoucherView{}, fmt.Errorf("insert voucher: %w", err)
	}
	_, err = wallet.Post(ctx, tx, wallet.Transaction{
		Key: "voucher.claim:" + v.ID, Kind: "voucher.claim", RefType: "voucher", RefID: v.ID,
		Entries: []wallet.Entry{
			{Account: wallet.CampaignBudgetAccount(camp.ID), Amount: -v.ValueCents},
			{Account: wallet.CampaignHeldAccount(camp.ID), Amount: v.ValueCents},
		},
	}, now)
	if apperr.Has(err, apperr.InsufficientFunds) {
		return VoucherView{}, apperr.R(apperr.Conflict, "budget_exhausted", "This campaign's budget has run out.")
	}
	if err != nil {
		return VoucherView{}, fmt.Errorf("reserve voucher value: %w", err)
	}
	if err := s.audit(ctx, tx, c, "voucher.claim", "voucher", v.ID, "", map[string]any{"campaign_id": camp.ID, "value_cents": v.ValueCents}); err != nil {
		return VoucherView{}, err
	}
	return view(v, camp, now, true), nil
}

// VoucherView is a voucher as its holder sees it.
type VoucherView struct {
	Voucher
	CampaignName   string       `json:"campaign_name"`
	PercentOff     int          `json:"percent_off,omitempty"`
	MinSpendCents  int64        `json:"min_spend_cents"`
	Mode           string       `json:"mode"`
	TypedCode      string       `json:"code,omitempty"`
	Redemptions    []Redemption `json:"redemptions,omitempty"`
	CampaignStatus string       `json:"campaign_status"`
}

func view(v Voucher, camp Campaign, now time.Time, owner bool) VoucherView {
	if v.Status == VoucherActive && (!now.Before(camp.ValidUntil) || camp.Status == StatusClosed) {
		v.Status = VoucherExpired
	}
	vv := VoucherView{Voucher: v, CampaignName: camp.Name, PercentOff: camp.PercentOff, MinSpendCents: camp.MinSpendCents, Mode: camp.Mode, CampaignStatus: camp.Status}
	if owner && v.Status == VoucherActive {
		vv.TypedCode = v.Code
	}
	return vv
}

// MyVouchers lists the caller's vouchers, newest first.
func (s *Service) MyVouchers(ctx context.Context, c identity.Caller) ([]VoucherView, error) {
	if c.AccountID == "" {
		return nil, apperr.E(apperr.Unauthenticated, "Sign in first.")
	}
	return s.vouchersOf(ctx, c.AccountID)
}

func (s *Service) vouchersOf(ctx context.Context, accountID string) ([]VoucherView, error) {
	now := s.now()
	out := []VoucherView{}
	err := s.store.View(ctx, func(tx Tx) error {
		vs, err := tx.ListVouchers(ctx, accountID)
		if err != nil {
			return err
		}
		camps := map[string]Campaign{}
		for _, v := range vs {
			camp, ok := camps[v.CampaignID]
			if !ok {
				if camp, err = tx.Campaign(ctx, v.CampaignID); err != nil {
					return fmt.Errorf("read campaign: %w", err)
				}
				camps[v.CampaignID] = camp
			}
			out = append(out, view(v, camp, now, true))
		}
		return nil
	})
	return out, err
}

// MyVoucher returns one of the caller's vouchers with where it was used.
// NotFound if it is not the caller's (whether or not it exists).
func (s *Service) MyVoucher(ctx context.Context, c identity.Caller, id string) (VoucherView, error) {
	var out VoucherView
	err := s.store.View(ctx, func(tx Tx) error {
		v, err := tx.Voucher(ctx, id)
		if err != nil || v.AccountID != c.AccountID || c.AccountID == "" {
			return apperr.R(apperr.NotFound, "voucher_not_found", "No such voucher.")
		}
		camp, err := tx.Campaign(ctx, v.CampaignID)
		if err != nil {
			return err
		}
		out = view(v, camp, s.now(), true)
		out.Redemptions, err = tx.ListRedemptions(ctx, RedemptionFilter{VoucherID: v.ID})
		return err
	})
	return out, err
}

// Token is a freshly signed, rotating QR token for a voucher.
type Token = qrtoken.Rotating

// FreshToken signs a new short-lived QR token for one of the caller's active
// vouchers. NotFound if it is not the caller's; Conflict if it cannot be
// used any more.
func (s *Service) FreshToken(ctx context.Context, c identity.Caller, voucherID string) (Token, error) {
	tok, _, err := s.freshToken(ctx, c.AccountID, voucherID)
	return tok, err
}

// QRToken gives the wallet pages a voucher's rotating QR token and its typed
// code. NotFound unless accountID holds the voucher; Conflict once it is used
// or expired.
func (s *Service) QRToken(ctx context.Context, accountID, voucherID string) (token, typedCode string, expires time.Time, err error) {
	tok, code, err := s.freshToken(ctx, accountID, voucherID)
	return tok.Token, code, tok.ExpiresAt, err
}

func (s *Service) freshToken(ctx context.Context, accountID, voucherID string) (Token, string, error) {
	vv, err := s.MyVoucher(ctx, identity.Caller{AccountID: accountID}, voucherID)
	if err != nil {
		return Token{}, "", err
	}
	if vv.Status != VoucherActive {
		return Token{}, "", apperr.R(apperr.Conflict, "voucher_not_active", "This voucher is %s.", vv.Status)
	}
	tok, err := qrtoken.IssueRotating(s.keys, qrtoken.KindVoucher, vv.ID, s.now())
	if err != nil {
		return Token{}, "", err
	}
	return tok, vv.TypedCode, nil
}

// WalletItems implements wallet.ItemSource.
func (s *Service) WalletItems(ctx context.Context, accountID string) ([]wallet.Item, error) {
	vs, err := s.vouchersOf(ctx, accountID)
	if err != nil {
		return nil, err
	}
	items := make([]wallet.Item, 0, len(vs))
	for _, v := range vs {
		remaining := v.RemainingCents
		exp := v.ExpiresAt
		// No text of our own here: the wallet page formats the value in the
		// reader's language; the title is the campaign's name as the city wrote it.
		items = append(items, wallet.Item{
			Kind: "voucher", ID: v.ID, Title: v.CampaignName, Status: v.Status,
			Value: &remaining, Expires: &exp, At: v.ClaimedAt, HasQR: v.Status == VoucherActive,
			Link: "/vouchers#" + v.ID,
		})
	}
	return items, nil
}

var _ wallet.ItemSource = (*Service)(nil)

// ---- Redemption -----------------------------------------------------------

// Preview is what the till shows after a scan, before the amount is entered.
type Preview struct {
	VoucherID      string    `json:"voucher_id"`
	CampaignName   string    `json:"campaign_name"`
	Status         string    `json:"status"`
	RemainingCents int64     `json:"remaining_cents"`
	PercentOff     int       `json:"percent_off,omitempty"`
	MinSpendCents  int64     `json:"min_spend_cents"`
	Mode           string    `json:"mode"`
	ExpiresAt      time.Time `json:"expires_at"`
	Eligible       bool      `json:"eligible_here"`
	// Problem says why it cannot be redeemed here now, when it cannot.
	Problem string `json:"problem,omitempty"`
}

// identify turns what the till read (a QR token or a typed code) into a
// voucher id. Tokens are verified before anything else is looked at; typed
// codes are looked up by hash, and failures count against the shop and the
// caller's address. Every failure of a typed code answers alike, whether or
// not some voucher has that code.
func (s *Service) identify(ctx context.Context, shopID, presented string) (string, error) {
	presented = strings.TrimSpace(presented)
	if presented == "" {
		return "", apperr.R(apperr.Invalid, "code_missing", "Scan or type the voucher's code.")
	}
	now := s.now()
	if qrtoken.LooksLikeToken(presented) {
		claims, err := qrtoken.Verify(s.keys, presented, qrtoken.KindVoucher, now, TokenLeeway)
		if err != nil {
			return "", err
		}
		return claims.ObjectID, nil
	}
	// Failures are counted in the database, so every hub replica behind a
	// balancer sees the same count.
	ip := audit.OriginFrom(ctx).IP
	shopKey, ipKey := "shop:"+shopID, "ip:"+ip
	keys := []string{shopKey}
	if ip != "" {
		keys = append(keys, ipKey)
	}
	var fails map[string]int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		fails, err = tx.CodeFailures(ctx, keys, now.Add(-CodeFailureWindow))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("count failed codes: %w", err)
	}
	if fails[shopKey] >= MaxCodeFailuresPerShop || (ip != "" && fails[ipKey] >= MaxCodeFailuresPerIP) {
		return "", apperr.R(apperr.RateLimited, "too_many_failed_codes", "Too many wrong codes; wait a few minutes and try again.")
	}
	fail := func() error {
		err := s.store.InTx(ctx, func(tx Tx) error { return tx.RecordCodeFailures(ctx, keys, now, now.Add(-2*CodeFailureWindow)) })
		if err != nil {
			s.log.ErrorContext(ctx, "record failed code", slog.Any("error", err))
		}
		s.log.WarnContext(ctx, "typed voucher code not found", slog.String("shop", shopID), slog.String("ip", ip))
		return apperr.R(apperr.NotFound, "code_unknown", "No voucher has this code.")
	}
	hash, err := qrtoken.ParseCode(presented)
	if err != nil {
		return "", errors.Join(err, fail())
	}
	var id string
	err = s.store.View(ctx, func(tx Tx) error {
		v, err := tx.VoucherByCodeHash(ctx, hash)
		if err != nil {
			return err
		}
		id = v.ID
		return nil
	})
	if apperr.Has(err, apperr.NotFound) {
		return "", fail()
	}
	return id, err
}

// PreviewCode shows a merchant what a scanned or typed code is worth at
// their shop. Forbidden unless the caller is staff of shopID (checked before
// the code is read); Invalid/NotFound/Conflict/RateLimited as identify.
func (s *Service) PreviewCode(ctx context.Context, c identity.Caller, shopID, presented string) (Preview, error) {
	if err := requireMerchant(c, shopID); err != nil {
		return Preview{}, err
	}
	id, err := s.identify(ctx, shopID, presented)
	if err != nil {
		return Preview{}, err
	}
	var p Preview
	err = s.store.View(ctx, func(tx Tx) error {
		v, err := tx.Voucher(ctx, id)
		if err != nil {
			return voucherNotFound(err)
		}
		camp, err := tx.Campaign(ctx, v.CampaignID)
		if err != nil {
			return err
		}
		shop, err := tx.Shop(ctx, shopID)
		if err != nil {
			return shopNotFound(err)
		}
		vv := view(v, camp, s.now(), false)
		p = Preview{VoucherID: v.ID, CampaignName: camp.Name, Status: vv.Status, RemainingCents: v.RemainingCents,
			PercentOff: camp.PercentOff, MinSpendCents: camp.MinSpendCents, Mode: camp.Mode, ExpiresAt: v.ExpiresAt, Eligible: camp.Eligible(shop)}
		if err := redeemable(v, camp, shop, s.now()); err != nil {
			p.Problem = apperr.MessageOf(err)
		}
		return nil
	})
	return p, err
}

// redeemable checks everything about a voucher except the purchase amount.
func redeemable(v Voucher, camp Campaign, shop Shop, now time.Time) error {
	switch {
	case camp.Status == StatusClosed || camp.Status == StatusDraft:
		return apperr.R(apperr.Conflict, "campaign_closed", "This voucher's campaign is closed.")
	case now.Before(camp.ValidFrom):
		return apperr.R(apperr.Conflict, "not_yet_valid", "This voucher cannot be used before %s.", camp.ValidFrom.In(Rome).Format("2 Jan 2006 15:04"))
	case !now.Before(camp.ValidUntil):
		return apperr.R(apperr.Conflict, "voucher_expired", "This voucher has expired.")
	case v.Status != VoucherActive || v.RemainingCents <= 0:
		return apperr.R(apperr.Conflict, "voucher_used", "This voucher has already been used.")
	case !camp.Eligible(shop):
		return apperr.R(apperr.Conflict, "shop_not_eligible", "This voucher cannot be used at this shop.")
	}
	return nil
}

// RedeemRequest is what the till sends.
type RedeemRequest struct {
	Code          string `json:"code"` // a QR token or a typed code
	PurchaseCents int64  `json:"purchase_cents"`
}

// Redeem uses a voucher at the caller's shop for a purchase. The voucher row
// is locked and every rule (campaign state, validity, eligibility, minimum
// spend, remaining value) is checked in the transaction that moves the value
// to the shop's payable, so one voucher cannot be spent twice. A replay of
// key with the same request (code and amount) returns the first result
// (replayed=true), even once the QR code it carried has expired: the key is
// looked up before the code is read. The same key with another code or
// amount is Conflict (idempotency_key_reused).
func (s *Service) Redeem(ctx context.Context, c identity.Caller, shopID, key string, req RedeemRequest) (Redemption, bool, error) {
	if err := requireMerchant(c, shopID); err != nil {
		return Redemption{}, false, err
	}
	if err := idem.ValidateKey(key); err != nil {
		return Redemption{}, false, err
	}
	if req.PurchaseCents <= 0 || req.PurchaseCents > MaxCents {
		return Redemption{}, false, apperr.R(apperr.Invalid, "purchase_amount", "The purchase amount must be a positive whole number of cents.")
	}
	scope := "voucher.redeem:" + shopID
	// The request as the till sent it: a retry carries the same code, even
	// when that code has expired since.
	request := RedeemRequest{Code: strings.TrimSpace(req.Code), PurchaseCents: req.PurchaseCents}
	var out Redemption
	var replayed bool
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, replayed, err = idem.Replay[Redemption](ctx, tx, scope, key, request)
		return err
	})
	if err != nil || replayed {
		return out, replayed, err
	}
	voucherID, err := s.identify(ctx, shopID, req.Code)
	if err != nil {
		return Redemption{}, false, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		var pay wallet.Transaction
		var err error
		out, replayed, err = idem.Do(ctx, tx, scope, key, request, func() (Redemption, error) {
			var r Redemption
			r, pay, err = s.redeemTx(ctx, tx, c, shopID, voucherID, req.PurchaseCents)
			return r, err
		})
		if err != nil || replayed {
			return err
		}
		// The ledger posting locks nothing: neither the campaign's held
		// account nor the shop's payable has a floor (the voucher row, locked
		// above, bounds what is taken), so redemptions of a city-wide
		// campaign do not queue on them. A close cannot slip in between: the
		// campaign is shared until commit (RedemptionTarget).
		if _, err := wallet.Post(ctx, tx, pay, s.now()); err != nil {
			return fmt.Errorf("pay shop: %w", err)
		}
		return nil
	})
	return out, replayed, err
}

// redeemTx checks and records a redemption and returns the ledger
// transaction that pays the shop, for the caller to post last.
func (s *Service) redeemTx(ctx context.Context, tx Tx, c identity.Caller, shopID, voucherID string, purchase int64) (Redemption, wallet.Transaction, error) {
	// The voucher is locked and its campaign shared until commit, so a close
	// waits for this redemption (and its held value is released after it).
	v, camp, shop, err := tx.RedemptionTarget(ctx, voucherID, shopID)
	if err != nil {
		if apperr.ReasonOf(err) == "shop_not_found" {
			return Redemption{}, wallet.Transaction{}, err
		}
		return Redemption{}, wallet.Transaction{}, voucherNotFound(err)
	}
	now := s.now()
	if err := redeemable(v, camp, shop, now); err != nil {
		return Redemption{}, wallet.Transaction{}, err
	}
	if purchase < camp.MinSpendCents {
		return Redemption{}, wallet.Transaction{}, apperr.R(apperr.Invalid, "below_min_spend", "This voucher needs a purchase of at least %s.", wallet.FormatEUR(camp.MinSpendCents))
	}
	amount := camp.Discount(purchase, v.RemainingCents)
	if amount <= 0 {
		return Redemption{}, wallet.Transaction{}, apperr.R(apperr.Invalid, "purchase_amount", "The purchase is too small for this voucher.")
	}
	r := Redemption{
		ID: ids.New("vrd"), VoucherID: v.ID, CampaignID: camp.ID, ShopID: shopID,
		PurchaseCents: purchase, AmountCents: amount, StaffID: c.AccountID,
		Device: audit.OriginFrom(ctx).Device, At: now.UTC(),
	}
	v.RemainingCents -= amount
	if camp.Mode == ModeSingleUse {
		// What a single-use voucher did not cover stays reserved in the
		// campaign's held account, so a reversal can restore it exactly.
		v.RemainingCents = 0
	}
	if v.RemainingCents == 0 {
		v.Status = VoucherUsed
	}
	if err := tx.UpdateVoucher(ctx, v); err != nil {
		return Redemption{}, wallet.Transaction{}, fmt.Errorf("update voucher: %w", err)
	}
	if err := tx.InsertRedemption(ctx, r); err != nil {
		return Redemption{}, wallet.Transaction{}, fmt.Errorf("insert redemption: %w", err)
	}
	err = s.audit(ctx, tx, c, "voucher.redeem", "voucher", v.ID, shopID, map[string]any{
		"redemption_id": r.ID, "purchase_cents": purchase, "amount_cents": amount,
	})
	if err != nil {
		return Redemption{}, wallet.Transaction{}, err
	}
	return r, wallet.Transaction{
		Key: "voucher.redeem:" + r.ID, Kind: "voucher.redeem", RefType: "voucher_redemption", RefID: r.ID,
		Entries: []wallet.Entry{
			{Account: wallet.CampaignHeldAccount(camp.ID), Amount: -amount},
			{Account: wallet.ShopPayableAccount(shopID), Amount: amount},
		},
	}, nil
}

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
	switch {
	case r.ReversedAt != nil:
		return Redemption{}, apperr.R(apperr.Conflict, "already_reversed", "This redemption was already reversed.")
	case r.SettlementID != "":
		return Redemption{}, apperr.R(apperr.Conflict, "already_settled", "This redemption is on a statement already and cannot be reversed.")
	case now.Sub(r.At) > ReversalWindow:
		return Redemption{}, apperr.R(apperr.Conflict, "reversal_window_passed", "A redemption can be reversed only within %d minutes.", int(ReversalWindow.Minutes()))
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
	if camp.Mode == ModeSingleUse {
		v.RemainingCents = v.ValueCents
	} else {
		v.RemainingCents += r.AmountCents
	}
	v.Status = VoucherActive
	if err := tx.UpdateVoucher(ctx, v); err != nil {
		return Redemption{}, fmt.Errorf("update voucher: %w", err)
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
	// once the campaign is closed and its reservations released, the budget.
	back := wallet.CampaignHeldAccount(camp.ID)
	if camp.Status == StatusClosed {
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

// DayReport is a shop's redemptions of one day (Rome time).
type DayReport struct {
	Day         string       `json:"day"`
	Count       int          `json:"count"`
	TotalCents  int64        `json:"total_cents"`
	Redemptions []Redemption `json:"redemptions"`
}

// Today lists the shop's redemptions today, reversed ones included (they do
// not count in the totals).
func (s *Service) Today(ctx context.Context, c identity.Caller, shopID string) (DayReport, error) {
	if err := requireMerchant(c, shopID); err != nil {
		return DayReport{}, err
	}
	start, end := DayBounds(s.now())
	rep := DayReport{Day: start.In(Rome).Format(time.DateOnly), Redemptions: []Redemption{}}
	err := s.store.View(ctx, func(tx Tx) error {
		rs, err := tx.ListRedemptions(ctx, RedemptionFilter{ShopID: shopID, Since: start, Until: end})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.ReversedAt == nil {
				rep.Count++
				rep.TotalCents += r.AmountCents
			}
		}
		if rs != nil {
			rep.Redemptions = rs
		}
		return nil
	})
	return rep, err
}

// Balance is what the city owes a shop.
type Balance struct {
	ShopID string `json:"shop_id"`
	// OwedCents is everything redeemed and not yet paid.
	OwedCents int64 `json:"owed_cents"`
	// OnStatementsCents is the part of it on closed, unpaid statements.
	OnStatementsCents int64 `json:"on_statements_cents"`
	PaidCents         int64 `json:"paid_cents"`
}

// ShopBalance reports what the city owes a shop. Staff of the shop or a
// city administrator.
func (s *Service) ShopBalance(ctx context.Context, c identity.Caller, shopID string) (Balance, error) {
	if err := requireShopOrAdmin(c, shopID); err != nil {
		return Balance{}, err
	}
	b := Balance{ShopID: shopID}
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Shop(ctx, shopID); err != nil {
			return shopNotFound(err)
		}
		p, err := tx.Account(ctx, wallet.ShopPayableAccount(shopID))
		if err != nil {
			return fmt.Errorf("read payable: %w", err)
		}
		paid, err := tx.Account(ctx, wallet.ShopPaidAccount(shopID))
		if err != nil {
			return fmt.Errorf("read paid: %w", err)
		}
		b.OwedCents, b.PaidCents = p.Balance, paid.Balance
		sts, err := tx.ListSettlements(ctx, shopID)
		if err != nil {
			return err
		}
		for _, st := range sts {
			if st.Status == SettlementClosed {
				b.OnStatementsCents += st.TotalCents
			}
		}
		return nil
	})
	return b, err
}

func requireShopOrAdmin(c identity.Caller, shopID string) error {
	if c.Has(identity.RoleAdmin) || c.HasIn(identity.RoleMerchant, shopID) {
		return nil
	}
	return apperr.R(apperr.Forbidden, "not_your_shop", "You are not staff of this shop.")
}
