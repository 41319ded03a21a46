package vouchers_test

import (
	"fmt"
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// The vouchers of an account being erased are given up: what is left of
// each goes back to its campaign's budget, its code is no longer
// redeemable, a reversal of one of its redemptions afterwards also goes to
// the budget instead of bringing the voucher back, and the ledger and the
// vouchers' records agree throughout, before and after the campaigns
// close. Another citizen's vouchers are untouched.
func TestForfeitOfAnErasedAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		_, clean := reconciledCheck(t, f)
		shop := f.shop("Libreria", "centro", "books")
		partial := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 2000, Mode: vouchers.ModePartial, PerCitizenLimit: 2})
		single := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000, PerCitizenLimit: 2})
		anna, bruno := citizen(1), citizen(2)
		va, vs, vu := f.claim(anna, partial.ID), f.claim(anna, single.ID), f.claim(anna, single.ID)
		vb := f.claim(bruno, partial.ID)
		r1, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r1", vouchers.RedeemRequest{Code: f.token(anna, va.ID), PurchaseCents: 700})
		if err != nil {
			t.Fatal(err)
		}
		r2, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r2", vouchers.RedeemRequest{Code: f.token(anna, vu.ID), PurchaseCents: 400})
		if err != nil {
			t.Fatal(err)
		}
		annaCode, annaSingle := f.token(anna, va.ID), vs.TypedCode
		if annaSingle == "" {
			t.Fatal("the claim shows no typed code")
		}
		budgets := func() (int64, int64) {
			return f.balance(wallet.CampaignBudgetAccount(partial.ID)), f.balance(wallet.CampaignBudgetAccount(single.ID))
		}
		p0, s0 := budgets()

		if err := db.Vouchers().InTx(f.ctx, func(tx vouchers.Tx) error {
			return vouchers.ForfeitTx(f.ctx, tx, anna.AccountID, f.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}
		clean("after the forfeit")
		// What was left: 1,300 of the partial voucher, 1,000 of the unused
		// single-use one; the used one's uncovered 600 stays held until
		// its campaign closes, as every used single-use voucher's does.
		if p, s := budgets(); p != p0+1300 || s != s0+1000 {
			t.Fatalf("budgets %d and %d, want %d and %d", p, s, p0+1300, s0+1000)
		}
		for i, code := range []string{annaCode, annaSingle} {
			if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, fmt.Sprint("again-", i), vouchers.RedeemRequest{Code: code, PurchaseCents: 500}); apperr.ReasonOf(err) != "voucher_used" {
				t.Fatalf("redeeming a given-up voucher: %v, want voucher_used", err)
			}
		}
		// Bruno's voucher of the same campaign is his as before.
		if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "rb", vouchers.RedeemRequest{Code: f.token(bruno, vb.ID), PurchaseCents: 500}); err != nil {
			t.Fatalf("another citizen's voucher: %v", err)
		}

		// The shop reverses the erased person's redemptions: the value
		// goes to the budget, the vouchers stay given up.
		for _, r := range []vouchers.Redemption{r1, r2} {
			if _, _, err := f.svc.Reverse(f.ctx, merchant(shop.ID), shop.ID, r.ID, "rev-"+r.ID); err != nil {
				t.Fatal(err)
			}
		}
		if p, s := budgets(); p != p0+2000 || s != s0+1400 {
			t.Fatalf("after the reversals, budgets %d and %d, want %d and %d", p, s, p0+2000, s0+1400)
		}
		if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "after-reversal", vouchers.RedeemRequest{Code: annaCode, PurchaseCents: 500}); apperr.ReasonOf(err) != "voucher_used" {
			t.Fatalf("redeeming a given-up voucher after a reversal: %v, want voucher_used", err)
		}
		clean("after the reversals")

		// Forfeiting again (an erasure retried) gives up nothing more.
		if err := db.Vouchers().InTx(f.ctx, func(tx vouchers.Tx) error {
			return vouchers.ForfeitTx(f.ctx, tx, anna.AccountID, f.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}
		if p, s := budgets(); p != p0+2000 || s != s0+1400 {
			t.Fatalf("after a second forfeit, budgets %d and %d", p, s)
		}
		clean("after a second forfeit")
		for _, c := range []vouchers.Campaign{partial, single} {
			if _, err := f.svc.SetCampaignStatus(f.ctx, admin, c.ID, vouchers.StatusClosed); err != nil {
				t.Fatal(err)
			}
		}
		clean("after the campaigns closed")
	})
}

// A given-up voucher stays given up when a redemption of it is reversed
// after its campaign closed: the value goes to the budget, as every
// reversal's of a closed campaign does, and the voucher is not brought
// back with it.
func TestForfeitedVoucherReversedAfterTheClose(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		_, clean := reconciledCheck(t, f)
		shop := f.shop("Libreria", "centro", "books")
		partial := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 2000, Mode: vouchers.ModePartial, PerCitizenLimit: 1})
		anna := citizen(1)
		v := f.claim(anna, partial.ID)
		r, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r", vouchers.RedeemRequest{Code: f.token(anna, v.ID), PurchaseCents: 700})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Vouchers().InTx(f.ctx, func(tx vouchers.Tx) error {
			return vouchers.ForfeitTx(f.ctx, tx, anna.AccountID, f.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, partial.ID, vouchers.StatusClosed); err != nil {
			t.Fatal(err)
		}
		budget := f.balance(wallet.CampaignBudgetAccount(partial.ID))
		if _, _, err := f.svc.Reverse(f.ctx, merchant(shop.ID), shop.ID, r.ID, "rev"); err != nil {
			t.Fatal(err)
		}
		if got := f.balance(wallet.CampaignBudgetAccount(partial.ID)) - budget; got != 700 {
			t.Fatalf("the budget got %d back, want the redemption's 700", got)
		}
		mine, err := f.svc.MyVouchers(f.ctx, anna)
		if err != nil || len(mine) != 1 {
			t.Fatalf("vouchers %+v, %v", mine, err)
		}
		if mine[0].Status != vouchers.VoucherUsed || mine[0].RemainingCents != 0 {
			t.Fatalf("the given-up voucher after the reversal: %s with %d left, want used with nothing", mine[0].Status, mine[0].RemainingCents)
		}
		clean("after the reversal")
	})
}
