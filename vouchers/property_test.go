package vouchers_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// Property: after random claims, redemptions, reversals and settlements the
// ledger sums to zero and each campaign's budget equals what is left plus
// what is reserved plus what was spent.
func TestLedgerInvariantsUnderRandomOperations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, 7))
		shops := []vouchers.Shop{f.shop("A", "centro", "food"), f.shop("B", "pacevecchia", "books"), f.shop("C", "centro", "books")}
		camps := []vouchers.Campaign{
			f.campaign(vouchers.Campaign{Name: "fixed", BudgetCents: 6000, FaceValueCents: 1000, PerCitizenLimit: 2}),
			f.campaign(vouchers.Campaign{Name: "partial", BudgetCents: 7000, FaceValueCents: 1500, Mode: vouchers.ModePartial, PerCitizenLimit: 3}),
			f.campaign(vouchers.Campaign{Name: "percent", BudgetCents: 5000, FaceValueCents: 800, PercentOff: 30, Districts: []string{"centro"}}),
		}
		type held struct {
			owner identity.Caller
			id    string
		}
		var vs []held
		var rs []vouchers.Redemption
		allowed := func(err error) {
			t.Helper()
			switch apperr.CodeOf(err) {
			case apperr.Conflict, apperr.Invalid:
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		for step := 0; step < 150; step++ {
			switch op := rng.IntN(10); {
			case op < 3:
				who := citizen(rng.IntN(6))
				v, err := f.svc.Claim(f.ctx, who, camps[rng.IntN(len(camps))].ID)
				if err != nil {
					allowed(err)
					continue
				}
				vs = append(vs, held{who, v.ID})
			case op < 7 && len(vs) > 0:
				h := vs[rng.IntN(len(vs))]
				mine, err := f.svc.MyVoucher(f.ctx, h.owner, h.id)
				if err != nil {
					t.Fatal(err)
				}
				shop := shops[rng.IntN(len(shops))]
				r, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, fmt.Sprintf("r%d", step), vouchers.RedeemRequest{Code: mine.Code, PurchaseCents: 1 + rng.Int64N(3000)})
				if mine.Status != vouchers.VoucherActive {
					// Used vouchers show no code to their holder.
					if err == nil {
						t.Fatalf("redeemed a %s voucher", mine.Status)
					}
					continue
				}
				if err != nil {
					allowed(err)
					continue
				}
				rs = append(rs, r)
			case op < 8 && len(rs) > 0:
				r := rs[rng.IntN(len(rs))]
				_, _, err := f.svc.Reverse(f.ctx, merchant(r.ShopID), r.ShopID, r.ID, fmt.Sprintf("v%d", step))
				if err != nil {
					allowed(err)
				}
			case op < 9:
				shop := shops[rng.IntN(len(shops))]
				st, _, err := f.svc.CloseSettlement(f.ctx, admin, fmt.Sprintf("s%d", step), shop.ID, nil)
				if err != nil {
					allowed(err)
					continue
				}
				if rng.IntN(2) == 0 {
					if _, _, err := f.svc.MarkPaid(f.ctx, admin, fmt.Sprintf("p%d", step), st.ID, "ref"); err != nil {
						t.Fatal(err)
					}
				}
			case op < 10 && rng.IntN(40) == 0:
				// Now and then a campaign closes and releases what it reserved.
				if _, err := f.svc.SetCampaignStatus(f.ctx, admin, camps[rng.IntN(len(camps))].ID, vouchers.StatusClosed); err != nil {
					t.Fatal(err)
				}
			default:
				f.clock.Add(time.Duration(rng.IntN(20)) * time.Minute)
			}
		}
		// The invariants.
		if ds, err := f.svc.Reconcile(f.ctx); err != nil || len(ds) != 0 {
			t.Fatalf("reconciliation: %+v, %v", ds, err)
		}
		accounts := []wallet.AccountID{wallet.CityFunding}
		for _, s := range shops {
			accounts = append(accounts, wallet.ShopPayableAccount(s.ID), wallet.ShopPaidAccount(s.ID))
		}
		for _, c := range camps {
			accounts = append(accounts, wallet.CampaignBudgetAccount(c.ID), wallet.CampaignHeldAccount(c.ID))
		}
		var sum int64
		for _, a := range accounts {
			sum += f.balance(a)
		}
		if sum != 0 {
			t.Fatalf("ledger sums to %d, want 0", sum)
		}
		var spentAll int64
		for _, c := range camps {
			var spent int64
			err := db.Vouchers().View(f.ctx, func(tx vouchers.Tx) error {
				rs, err := tx.ListRedemptions(f.ctx, vouchers.RedemptionFilter{CampaignID: c.ID})
				for _, r := range rs {
					if r.ReversedAt == nil {
						spent += r.AmountCents
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			left, reserved := f.balance(wallet.CampaignBudgetAccount(c.ID)), f.balance(wallet.CampaignHeldAccount(c.ID))
			if left+reserved+spent != c.BudgetCents || left < 0 || reserved < 0 {
				t.Fatalf("campaign %s: left %d + reserved %d + spent %d != budget %d", c.Name, left, reserved, spent, c.BudgetCents)
			}
			spentAll += spent
		}
		var owed int64
		for _, s := range shops {
			owed += f.balance(wallet.ShopPayableAccount(s.ID)) + f.balance(wallet.ShopPaidAccount(s.ID))
		}
		if owed != spentAll {
			t.Fatalf("shops hold %d, redemptions total %d", owed, spentAll)
		}
		t.Logf("%d vouchers, %d redemptions, %d cents spent", len(vs), len(rs), spentAll)
	})
}
