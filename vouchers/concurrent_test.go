package vouchers_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// Rule 2: 64 concurrent redeems of one single-use voucher, exactly one wins.
func TestConcurrentRedeemsOfOneVoucher(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)
		tok := f.token(citizen(1), v.ID)
		staff := merchant(shop.ID)
		const n = 64
		var wg sync.WaitGroup
		var ok, used atomic.Int32
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, fmt.Sprintf("till-key-%d", i), vouchers.RedeemRequest{Code: tok, PurchaseCents: 1500})
				switch {
				case err == nil:
					ok.Add(1)
				case apperr.ReasonOf(err) == "voucher_used":
					used.Add(1)
				default:
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("unexpected error: %v", err)
		}
		if ok.Load() != 1 || used.Load() != n-1 {
			t.Fatalf("%d successes and %d 'used', want 1 and %d", ok.Load(), used.Load(), n-1)
		}
		if got := f.balance(wallet.ShopPayableAccount(shop.ID)); got != 1000 {
			t.Fatalf("payable %d, want 1000", got)
		}
	})
}

// Rule 2: 200 concurrent claims against a budget for 100 vouchers.
func TestConcurrentClaimsRespectBudget(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		camp := f.campaign(vouchers.Campaign{BudgetCents: 100 * 500, FaceValueCents: 500})
		const n = 200
		var wg sync.WaitGroup
		var ok, exhausted atomic.Int32
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Claim(f.ctx, citizen(i), camp.ID)
				switch {
				case err == nil:
					ok.Add(1)
				case apperr.ReasonOf(err) == "budget_exhausted":
					exhausted.Add(1)
				default:
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("unexpected error: %v", err)
		}
		if ok.Load() != 100 || exhausted.Load() != 100 {
			t.Fatalf("%d claims and %d refusals, want 100 and 100", ok.Load(), exhausted.Load())
		}
		if cl, err := f.svc.Claimable(f.ctx, citizen(999)); err != nil || len(cl) != 0 {
			t.Fatalf("a campaign without budget is still offered: %+v %v", cl, err)
		}
		if got := f.balance(wallet.CampaignBudgetAccount(camp.ID)); got != 0 {
			t.Fatalf("budget left %d, want 0", got)
		}
		if got := f.balance(wallet.CampaignHeldAccount(camp.ID)); got != 100*500 {
			t.Fatalf("held %d, want %d", got, 100*500)
		}
	})
}

// The same citizen claiming from many devices at once gets no more than the limit.
func TestConcurrentClaimsRespectPerCitizenLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		camp := f.campaign(vouchers.Campaign{BudgetCents: 100000, FaceValueCents: 500, PerCitizenLimit: 3})
		var wg sync.WaitGroup
		var ok atomic.Int32
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.Claim(f.ctx, citizen(7), camp.ID); err == nil {
					ok.Add(1)
				} else if apperr.ReasonOf(err) != "per_citizen_limit" {
					t.Errorf("claim: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 3 {
			t.Fatalf("%d claims by one citizen, limit 3", ok.Load())
		}
	})
}
