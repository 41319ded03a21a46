package vouchers_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A purchase amount over MaxCents is refused, at the quote and at the
// redemption, with a message that names the bound: "a positive whole
// number of cents" alone left a till sending 100000001 no clue what was
// wrong. An amount of nothing is still told it must be positive.
func TestPurchaseAmountOverTheBoundNamesIt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)
		staff := merchant(shop.ID)
		const over = "The purchase amount must be at most 100000000 cents (1000000.00 EUR)."
		const positive = "The purchase amount must be a positive whole number of cents."
		for purchase, want := range map[int64]string{vouchers.MaxCents + 1: over, 1 << 62: over, 0: positive, -100: positive} {
			_, err := f.svc.QuotePurchase(f.ctx, staff, shop.ID, v.TypedCode, purchase)
			testutil.WantReason(t, err, apperr.Invalid, "purchase_amount")
			if got := apperr.MessageOf(err); got != want {
				t.Errorf("quote of %d: %q, want %q", purchase, got, want)
			}
			_, _, err = f.svc.Redeem(f.ctx, staff, shop.ID, "k-amount", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: purchase})
			testutil.WantReason(t, err, apperr.Invalid, "purchase_amount")
			if got := apperr.MessageOf(err); got != want {
				t.Errorf("redemption of %d: %q, want %q", purchase, got, want)
			}
		}
		// The bound itself is an amount: the quote goes through.
		q, err := f.svc.QuotePurchase(f.ctx, staff, shop.ID, v.TypedCode, vouchers.MaxCents)
		if err != nil || q.Refusal != nil || q.CampaignName != camp.Name {
			t.Fatalf("quote of MaxCents: %+v, %v", q, err)
		}
	})
}
