package vouchers

import (
	"context"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/money"
)

// Quote is what the till shows before a voucher is redeemed for a purchase:
// the voucher, the discount it would give on this amount and what the
// customer would pay. Refusal, when set, is the error Redeem would return
// now (its reason and message, e.g. below_min_spend naming the minimum).
type Quote struct {
	Preview
	PurchaseCents int64 `json:"purchase_cents"`
	DiscountCents int64 `json:"discount_cents"`
	PayCents      int64 `json:"pay_cents"`
	Refusal       error `json:"-"`
}

// QuotePurchase previews the redemption of a scanned or typed code for a
// purchase at the caller's shop, changing nothing: Redeem makes the same
// checks again, under lock, when the shopkeeper confirms. Forbidden unless
// the caller is staff of shopID; Invalid/NotFound/RateLimited as PreviewCode
// for a code that does not read; a voucher that reads but cannot be used
// now comes back with Refusal set.
func (s *Service) QuotePurchase(ctx context.Context, c identity.Caller, shopID, presented string, purchase int64) (Quote, error) {
	// Who asks first: a caller who is not the shop's staff learns nothing
	// from the amount's check either.
	if err := requireMerchant(c, shopID); err != nil {
		return Quote{}, err
	}
	if err := CheckPurchaseCents(purchase); err != nil {
		return Quote{}, err
	}
	p, err := s.PreviewCode(ctx, c, shopID, presented)
	if err != nil {
		return Quote{}, err
	}
	q := Quote{Preview: p, PurchaseCents: purchase, PayCents: purchase}
	err = s.store.View(ctx, func(tx Tx) error {
		v, err := tx.Voucher(ctx, p.VoucherID)
		if err != nil {
			return voucherNotFound(err)
		}
		camp, err := tx.Campaign(ctx, v.CampaignID)
		if err != nil {
			return campaignNotFound(err)
		}
		shop, err := tx.Shop(ctx, shopID)
		if err != nil {
			return shopNotFound(err)
		}
		if err := readHolderWorksHere(ctx, tx, &v, shopID); err != nil {
			return err
		}
		if q.Refusal = redeemable(v, camp, shop, c.AccountID, s.now(), s.zone); q.Refusal != nil {
			return nil
		}
		if purchase < camp.MinSpendCents {
			q.Refusal = apperr.R(apperr.Invalid, "below_min_spend", "This voucher needs a purchase of at least %s.", money.Cents(camp.MinSpendCents))
			return nil
		}
		q.DiscountCents = camp.Discount(purchase, v.RemainingCents)
		if q.DiscountCents <= 0 {
			q.Refusal = apperr.R(apperr.Invalid, "purchase_amount", "The purchase is too small for this voucher.")
			return nil
		}
		q.PayCents = purchase - q.DiscountCents
		return nil
	})
	return q, err
}

// ShopRedemption is one redemption of the caller's shop, for the page that
// asks before reversing it. Forbidden unless the caller is staff of shopID
// (or an administrator); NotFound when it is another shop's.
func (s *Service) ShopRedemption(ctx context.Context, c identity.Caller, shopID, id string) (Redemption, error) {
	if err := requireShopOrAdmin(c, shopID); err != nil {
		return Redemption{}, err
	}
	var out Redemption
	err := s.store.View(ctx, func(tx Tx) error {
		r, err := tx.Redemption(ctx, id)
		if err != nil || r.ShopID != shopID {
			if err != nil && !apperr.Has(err, apperr.NotFound) {
				return err
			}
			return apperr.R(apperr.NotFound, "redemption_not_found", "No such redemption at this shop.")
		}
		out = r
		return nil
	})
	return out, err
}
