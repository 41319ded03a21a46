package vouchers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"cityhub/apperr"
	"cityhub/collate"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/wallet"
)

// ---- Shops ----------------------------------------------------------------

// CreateShop registers an active shop: RegisterShop with active true.
func (s *Service) CreateShop(ctx context.Context, c identity.Caller, shop Shop) (Shop, error) {
	return s.RegisterShop(ctx, c, shop, true)
}

// RegisterShop registers a shop and opens its ledger accounts, active (it
// takes vouchers, citizens see it among a campaign's shops) or not: a shop
// registered before it opens is inactive until UpdateShop makes it active.
// shop.Active is not read, so that a Shop written without it is no
// inactive shop by mistake. Invalid for bad fields; Forbidden unless the
// caller is a city administrator.
func (s *Service) RegisterShop(ctx context.Context, c identity.Caller, shop Shop, active bool) (Shop, error) {
	if err := requireAdmin(c); err != nil {
		return Shop{}, err
	}
	if err := shop.Validate(); err != nil {
		return Shop{}, err
	}
	shop.ID = ids.New("shp")
	shop.Active = active
	shop.Created = s.now()
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := refuseDuplicateShop(ctx, tx, shop); err != nil {
			return err
		}
		if err := tx.InsertShop(ctx, shop); err != nil {
			return shopWriteError("insert shop", shop, err)
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
		return s.audit(ctx, tx, c, "shop.create", "shop", shop.ID, shop.ID, map[string]any{"active": shop.Active})
	})
	return shop, err
}

// refuseDuplicateShop refuses a second shop with the same name at the same
// address (letter case and spacing aside): a shop registered twice would
// split its redemptions and settlements over two payables. Two shops of one
// name at different addresses are branches, and allowed. Two registrations
// racing past this check meet the store's unique index on ShopKey instead
// (duplicateShop).
func refuseDuplicateShop(ctx context.Context, tx Tx, shop Shop) error {
	others, err := tx.ListShops(ctx, ShopFilter{})
	if err != nil {
		return fmt.Errorf("list shops: %w", err)
	}
	key := ShopKey(shop.Name, shop.Address)
	for _, o := range others {
		if o.ID != shop.ID && ShopKey(o.Name, o.Address) == key {
			return duplicateShop(o)
		}
	}
	return nil
}

func duplicateShop(o Shop) error {
	return apperr.R(apperr.Conflict, "shop_duplicate", "A shop named %q at %s is already registered.", o.Name, o.Address)
}

// shopWriteError is the error of a shop's insert or update: a unique
// violation there can only be the name and address index (the id is fresh
// or unchanged), so it is the refusal refuseDuplicateShop gives, for the
// registration that lost a race the check could not see.
func shopWriteError(what string, shop Shop, err error) error {
	if apperr.Has(err, apperr.Conflict) {
		return duplicateShop(shop)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ShopKey is what two registrations of one shop have in common: its name
// and address with letter case and runs of spaces not mattering. Two keys
// are equal exactly when strings.EqualFold says the space-collapsed names
// and addresses are; the stores keep it in a unique index. Letters come out
// lower case where that is one letter of the same case orbit, as SQL's
// lower() gives them.
func ShopKey(name, address string) string {
	return foldText(name) + "\n" + foldText(address)
}

// foldText collapses runs of spaces and maps every letter to one member of
// its case-folding orbit, so equal results mean equal under
// strings.EqualFold. The result has no newline, which ShopKey uses as its
// separator.
func foldText(s string) string {
	var b strings.Builder
	for i, w := range strings.Fields(s) {
		if i > 0 {
			b.WriteByte(' ')
		}
		for _, r := range w {
			b.WriteRune(foldRune(r))
		}
	}
	return b.String()
}

// foldRune picks one member of r's orbit under unicode.SimpleFold: the
// lower case of the orbit's smallest rune when that is in the orbit (it is
// not for U+0130, whose lower case "i" belongs to "I"), else the smallest.
// Staying inside the orbit is what keeps two orbits from meeting.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	lower := unicode.ToLower(least)
	for f := unicode.SimpleFold(least); lower != least; f = unicode.SimpleFold(f) {
		if f == lower {
			return lower
		}
		if f == least {
			break
		}
	}
	return least
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
			return shopWriteError("update shop", shop, err)
		}
		detail := map[string]any{"active": shop.Active}
		if changed := shopChanges(old, shop); len(changed) > 0 {
			detail["changed"] = changed
		}
		return s.audit(ctx, tx, c, "shop.update", "shop", shop.ID, shop.ID, detail)
	})
	if err == nil {
		s.forgetFinalUptakes()
	}
	return shop, err
}

// shopChanges names each field an update changed, with what it was and
// what it became: an auditor tracing a payment follows the IBAN from one
// account to the next, in full.
func shopChanges(old, shop Shop) map[string]any {
	changed := map[string]any{}
	for _, f := range []struct {
		name     string
		from, to any
	}{
		{"name", old.Name, shop.Name},
		{"address", old.Address, shop.Address},
		{"district", old.District, shop.District},
		{"category", old.Category, shop.Category},
		{"iban", old.IBAN, shop.IBAN},
		{"active", old.Active, shop.Active},
	} {
		if f.from != f.to {
			changed[f.name] = map[string]any{"from": f.from, "to": f.to}
		}
	}
	return changed
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

// Shop returns one shop, its IBAN included, to a city administrator or to
// the shop's own staff. Forbidden (reason not_your_shop) for anyone else;
// NotFound.
func (s *Service) Shop(ctx context.Context, c identity.Caller, id string) (Shop, error) {
	if err := requireShopOrAdmin(c, id); err != nil {
		return Shop{}, err
	}
	var shop Shop
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		shop, err = tx.Shop(ctx, id)
		return shopNotFound(err)
	})
	return shop, err
}

// MyShops returns the shops the caller is staff of, by name, for staff of
// several shops to choose the one they work at (the scanner, the shop's
// page). A grant whose shop is gone is left out. Forbidden (reason
// not_merchant) for a caller who is staff of no shop.
func (s *Service) MyShops(ctx context.Context, c identity.Caller) ([]Shop, error) {
	ids := c.Scopes(identity.RoleMerchant)
	if len(ids) == 0 {
		return nil, apperr.R(apperr.Forbidden, "not_merchant", "Only shop staff may do this.")
	}
	var out []Shop
	err := s.store.View(ctx, func(tx Tx) error {
		out = out[:0]
		for _, id := range ids {
			shop, err := tx.Shop(ctx, id)
			switch {
			case apperr.Has(err, apperr.NotFound):
				continue
			case err != nil:
				return fmt.Errorf("read shop %s: %w", id, err)
			}
			out = append(out, shop)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Shop) int {
		return cmp.Or(collate.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	// A shop granted twice is listed once.
	return slices.CompactFunc(out, func(a, b Shop) bool { return a.ID == b.ID }), nil
}

// ShopExists says whether a shop has that id, and nothing else about it:
// identity asks it before granting a shop's staff role.
func (s *Service) ShopExists(ctx context.Context, id string) (bool, error) {
	err := s.store.View(ctx, func(tx Tx) error {
		_, err := tx.Shop(ctx, id)
		return err
	})
	if apperr.Has(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// Shops lists shops in the shops' order (compareShops).
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
	slices.SortFunc(out, compareShops)
	return out, err
}

// compareShops is the order every list of shops is in: by district, then
// by name as a reader looks it up (collate.Compare: case and accents
// aside, "Àlfa" with the a's), then by id. The stores order names as
// their engine does, PostgreSQL by its locale and SQLite by bytes, which
// put "Beta" before "alfa" and "Àlfa" after "zeta".
func compareShops(a, b Shop) int {
	return cmp.Or(strings.Compare(a.District, b.District), collate.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
}
