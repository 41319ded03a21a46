package vouchers_test

import (
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A period end given before the hub could have redeemed anything (the
// zero time a client wrote out, 1970) is refused, and settles nothing: it
// is not "up to now", which only an absent end means.
func TestSettlementPeriodEndBeforeAnyRedemptionRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno C", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)
		if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r1", vouchers.RedeemRequest{Code: f.token(citizen(1), v.ID), PurchaseCents: 1500}); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(vouchers.ReversalWindow + time.Minute)
		for i, end := range []time.Time{time.Time{}.Add(time.Nanosecond), time.Unix(0, 0), vouchers.EarliestPeriodEnd.Add(-time.Second)} {
			_, _, err := f.svc.CloseSettlement(f.ctx, admin, "early-"+string(rune('a'+i)), shop.ID, &end)
			testutil.WantReason(t, err, apperr.Invalid, "period_end")
		}
		zero := time.Time{}
		_, _, err := f.svc.CloseSettlement(f.ctx, admin, "zero", shop.ID, &zero)
		testutil.WantReason(t, err, apperr.Invalid, "period_end")
		earliest := vouchers.EarliestPeriodEnd
		if _, _, err := f.svc.CloseSettlement(f.ctx, admin, "earliest", shop.ID, &earliest); apperr.ReasonOf(err) == "period_end" {
			t.Fatalf("the earliest end refused: %v", err)
		}
		future := f.clock.Now().Add(time.Minute)
		_, _, err = f.svc.CloseSettlement(f.ctx, admin, "future", shop.ID, &future)
		testutil.WantReason(t, err, apperr.Invalid, "period_end")
		st, _, err := f.svc.CloseSettlement(f.ctx, admin, "now", shop.ID, nil)
		if err != nil || st.Count != 1 {
			t.Fatalf("close up to now after the refusals = %+v, %v", st, err)
		}
	})
}
