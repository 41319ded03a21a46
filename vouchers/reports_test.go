package vouchers_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A quote shows the discount on this purchase and what the customer pays,
// changes nothing, and carries the refusal Redeem would give (below the
// minimum: the minimum in its message); the uptake report counts the
// redemptions per district and day, reversals left out, for admins only.
func TestQuoteAndUptakeByDay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		centro := f.shop("Forno Centro", "centro", "food")
		liberta := f.shop("Forno Liberta", "liberta", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000, MinSpendCents: 1500})
		v1, v2 := f.claim(citizen(1), camp.ID), f.claim(citizen(2), camp.ID)

		q, err := f.svc.QuotePurchase(f.ctx, merchant(centro.ID), centro.ID, v1.TypedCode, 1200)
		if err != nil || apperr.ReasonOf(q.Refusal) != "below_min_spend" || q.MinSpendCents != 1500 || q.DiscountCents != 0 {
			t.Fatalf("quote below the minimum: %+v, %v", q, err)
		}
		q, err = f.svc.QuotePurchase(f.ctx, merchant(centro.ID), centro.ID, v1.TypedCode, 2350)
		if err != nil || q.Refusal != nil || q.DiscountCents != 1000 || q.PayCents != 1350 || q.CampaignName != camp.Name {
			t.Fatalf("quote: %+v, %v", q, err)
		}
		if _, err := f.svc.QuotePurchase(f.ctx, merchant(centro.ID), liberta.ID, v1.TypedCode, 2350); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("quote at another shop: %v", err)
		}
		// Another shop's staff are refused as such whatever the amount.
		if _, err := f.svc.QuotePurchase(f.ctx, merchant(centro.ID), liberta.ID, v1.TypedCode, 0); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("another shop's quote with no amount: %v, want Forbidden", err)
		}

		if _, err := f.svc.QuotePurchase(f.ctx, merchant(centro.ID), centro.ID, v1.TypedCode, 0); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("quote of nothing: %v", err)
		}
		if mine, _ := f.svc.MyVoucher(f.ctx, citizen(1), v1.ID); mine.Status != vouchers.VoucherActive || len(mine.Redemptions) != 0 {
			t.Fatalf("a quote changed the voucher: %+v", mine)
		}

		r1, _, err := f.svc.Redeem(f.ctx, merchant(centro.ID), centro.ID, "r1", vouchers.RedeemRequest{Code: v1.TypedCode, PurchaseCents: 2000})
		if err != nil {
			t.Fatal(err)
		}
		r2, _, err := f.svc.Redeem(f.ctx, merchant(liberta.ID), liberta.ID, "r2", vouchers.RedeemRequest{Code: v2.TypedCode, PurchaseCents: 2000})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.ShopRedemption(f.ctx, merchant(centro.ID), centro.ID, r2.ID); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("another shop's redemption: %+v, %v", got, err)
		}
		if got, err := f.svc.ShopRedemption(f.ctx, merchant(centro.ID), centro.ID, r1.ID); err != nil || got.AmountCents != 1000 {
			t.Fatalf("own redemption: %+v, %v", got, err)
		}
		if _, _, err := f.svc.Reverse(f.ctx, merchant(liberta.ID), liberta.ID, r2.ID, "x2"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UptakeByDay(f.ctx, merchant(centro.ID), camp.ID, f.clock.Now().AddDate(0, 0, -7)); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a shop reading the report: %v", err)
		}
		days, err := f.svc.UptakeByDay(f.ctx, admin, camp.ID, f.clock.Now().AddDate(0, 0, -7))
		if err != nil || len(days) != 1 || days[0].District != "centro" || days[0].Count != 1 || days[0].AmountCents != 1000 {
			t.Fatalf("uptake by day: %+v, %v", days, err)
		}
		if _, err := f.svc.UptakeByDay(f.ctx, admin, "cmp_nope", f.clock.Now()); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("report of no campaign: %v", err)
		}
	})
}
