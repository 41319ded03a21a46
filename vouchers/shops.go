package vouchers

import (
	"context"
	"fmt"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/wallet"
)

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
		if err := refuseDuplicateShop(ctx, tx, shop); err != nil {
			return err
		}
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

// refuseDuplicateShop refuses a second shop with the same name at the same
// address (letter case and spacing aside): a shop registered twice would
// split its redemptions and settlements over two payables. Two shops of one
// name at different addresses are branches, and allowed.
func refuseDuplicateShop(ctx context.Context, tx Tx, shop Shop) error {
	others, err := tx.ListShops(ctx, ShopFilter{})
	if err != nil {
		return fmt.Errorf("list shops: %w", err)
	}
	for _, o := range others {
		if o.ID != shop.ID && sameText(o.Name, shop.Name) && sameText(o.Address, shop.Address) {
			return apperr.R(apperr.Conflict, "shop_duplicate", "A shop named %q at %s is already registered.", o.Name, o.Address)
		}
	}
	return nil
}

// sameText compares names as people type them: case and runs of spaces
// do not matter.
func sameText(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
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
		if err := refuseDuplicateShop(ctx, tx, shop); err != nil {
			return err
		}
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
