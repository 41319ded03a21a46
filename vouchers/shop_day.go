package vouchers

import (
	"context"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/wallet"
)

// DayReport is a shop's redemptions of one day in the city's time zone.
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
	start, end := dayBounds(s.now(), s.zone)
	rep := DayReport{Day: start.In(s.zone).Format(time.DateOnly), Redemptions: []Redemption{}}
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
		// Summed by the database: a shop of many years has thousands of
		// statements, and the admin page asks this of every shop it shows.
		b.OnStatementsCents, err = tx.UnpaidStatementsTotal(ctx, shopID)
		return err
	})
	return b, err
}

func requireShopOrAdmin(c identity.Caller, shopID string) error {
	if c.Has(identity.RoleAdmin) || c.HasIn(identity.RoleMerchant, shopID) {
		return nil
	}
	return apperr.R(apperr.Forbidden, "not_your_shop", "You are not staff of this shop.")
}
