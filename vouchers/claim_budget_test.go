package vouchers_test

import (
	"fmt"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// A keyed claim the budget refuses makes no voucher, on both engines: the
// refusal is kept as the key's answer in a transaction of its own, never
// in the one that wrote the voucher. (On a store that posts the
// reservation at once the refusal came back inside the claim's
// transaction, which then committed the key with the voucher: a campaign
// of one voucher's budget gave out three.) Sequential and racing.
func TestKeyedClaimRefusedByTheBudgetMakesNoVoucher(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		camp := f.campaign(vouchers.Campaign{BudgetCents: 1000, FaceValueCents: 1000, PerCitizenLimit: 3})
		anna := citizen(1)
		for i := range 3 {
			_, _, err := f.svc.ClaimWithKey(f.ctx, anna, camp.ID, fmt.Sprintf("anna-%d", i))
			if want := i > 0; (apperr.ReasonOf(err) == "budget_exhausted") != want {
				t.Fatalf("claim %d: %v, want budget_exhausted %v", i, err, want)
			}
		}
		// The refusal is the key's answer: its retry is refused alike.
		if _, replayed, err := f.svc.ClaimWithKey(f.ctx, anna, camp.ID, "anna-1"); apperr.ReasonOf(err) != "budget_exhausted" || !replayed {
			t.Fatalf("retry of a refused claim: %v replayed %v", err, replayed)
		}
		if mine, err := f.svc.MyVouchers(f.ctx, anna); err != nil || len(mine) != 1 {
			t.Fatalf("vouchers %d (%v), want the one the budget paid for", len(mine), err)
		}

		// Racing: 12 citizens, 3 keyed claims each, a budget of 5.
		camp = f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000, PerCitizenLimit: 3})
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted := 0
		for c := range 12 {
			for k := range 3 {
				wg.Go(func() {
					_, _, err := f.svc.ClaimWithKey(f.ctx, citizen(100+c), camp.ID, fmt.Sprintf("race-%d-%d", c, k))
					if err == nil {
						mu.Lock()
						granted++
						mu.Unlock()
					} else if r := apperr.ReasonOf(err); r != "budget_exhausted" && r != "per_citizen_limit" {
						t.Errorf("claim: %v", err)
					}
				})
			}
		}
		wg.Wait()
		held := 0
		for c := range 12 {
			mine, err := f.svc.MyVouchers(f.ctx, citizen(100+c))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range mine {
				if v.CampaignID == camp.ID {
					held++
				}
			}
		}
		if granted != 5 || held != 5 {
			t.Fatalf("%d claims granted, %d vouchers held, want 5 and 5", granted, held)
		}
		if got := f.balance(wallet.CampaignHeldAccount(camp.ID)); got != 5000 {
			t.Fatalf("held %d, want the 5 vouchers' 5000", got)
		}
	})
}
