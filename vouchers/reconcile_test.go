package vouchers_test

import (
	"slices"
	"testing"
	"time"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// behind runs a statement on the database behind the service's back, as a
// bug or a hand at the console would.
func behind(t *testing.T, f *fixture, sql string) { t.Helper(); storetest.Behind(t, f.db, sql) }

// reconciledCheck is the ledger with the vouchers' reconciliation, and a
// check of it that fails the test when it finds anything (when says at
// which step).
func reconciledCheck(t *testing.T, f *fixture) (*wallet.Service, func(when string)) {
	ledger := wallet.NewService(f.db.Wallet(), nil)
	ledger.RegisterReconciler("vouchers", f.svc)
	return ledger, func(when string) {
		t.Helper()
		c, err := ledger.Check(f.ctx)
		if err != nil || !c.OK() || len(c.Discrepancies) != 0 {
			t.Fatalf("%s: check %+v, %v", when, c, err)
		}
	}
}

func accountsOf(ds []wallet.Discrepancy) []wallet.AccountID {
	out := make([]wallet.AccountID, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Account)
	}
	slices.Sort(out)
	return out
}

// The vouchers' records and their ledger accounts agree through every
// kind of money movement (claim, redemption, reversal, settlement,
// payment, close), and each kind of damage the ledger check alone cannot
// see is found, through the ledger check, on the accounts it touched.
func TestReconcileFindsWhatTheLedgerCannotSee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ledger, clean := reconciledCheck(t, f)
		clean("no campaign yet")
		shop := f.shop("Libreria", "centro", "books")
		partial := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 2000, Mode: vouchers.ModePartial, PerCitizenLimit: 2})
		single := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		anna, bruno := citizen(1), citizen(2)
		va, vb := f.claim(anna, partial.ID), f.claim(bruno, single.ID)
		f.claim(anna, single.ID)
		clean("after claims")
		r1, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r1", vouchers.RedeemRequest{Code: f.token(anna, va.ID), PurchaseCents: 700})
		if err != nil {
			t.Fatal(err)
		}
		// A single-use voucher leaves what it did not cover held.
		if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r2", vouchers.RedeemRequest{Code: f.token(bruno, vb.ID), PurchaseCents: 400}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Reverse(f.ctx, merchant(shop.ID), shop.ID, r1.ID, "v1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r3", vouchers.RedeemRequest{Code: f.token(anna, va.ID), PurchaseCents: 900}); err != nil {
			t.Fatal(err)
		}
		clean("after redemptions and a reversal")
		f.clock.Add(time.Hour)
		st, _, err := f.svc.CloseSettlement(f.ctx, admin, "s1", shop.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		clean("after a settlement")
		if _, _, err := f.svc.MarkPaid(f.ctx, admin, "p1", st.ID, "SEPA 1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, single.ID, vouchers.StatusClosed); err != nil {
			t.Fatal(err)
		}
		clean("after a payment and a close")

		// A redemption reversed after its campaign closed goes back to the
		// budget; a draft closed at once held nothing; a paused campaign
		// holds what an open one does.
		late := f.campaign(vouchers.Campaign{BudgetCents: 3000, FaceValueCents: 1500, Mode: vouchers.ModePartial})
		vl := f.claim(bruno, late.ID)
		rl, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "rl", vouchers.RedeemRequest{Code: f.token(bruno, vl.ID), PurchaseCents: 500})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, late.ID, vouchers.StatusClosed); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Reverse(f.ctx, merchant(shop.ID), shop.ID, rl.ID, "vl"); err != nil {
			t.Fatal(err)
		}
		draft, err := f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Mai aperta", BudgetCents: 1000, FaceValueCents: 100, PerCitizenLimit: 1,
			ValidFrom: start, ValidUntil: start.Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, draft.ID, vouchers.StatusClosed); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, partial.ID, vouchers.StatusPaused); err != nil {
			t.Fatal(err)
		}
		clean("after a reversal past a close, a draft closed and a pause")
		// A redemption of the closed campaign marked unreversed with no
		// money taken back: its budget and the shop's payable disagree.
		behind(t, f, `UPDATE voucher_redemptions SET reversed_at = NULL WHERE id = '`+rl.ID+`'`)
		ds, err := f.svc.Reconcile(f.ctx)
		if want := []wallet.AccountID{wallet.CampaignBudgetAccount(late.ID), wallet.ShopPayableAccount(shop.ID)}; err != nil || !slices.Equal(accountsOf(ds), want) ||
			ds[0].Basis != "budget_less_spent" {
			t.Fatalf("a reversal undone behind the hub's back: %+v %v, want %v", ds, err, want)
		}
		behind(t, f, `UPDATE voucher_redemptions SET reversed_at = at WHERE id = '`+rl.ID+`'`)
		clean("once it is put back")

		// A voucher written without its reservation (the shape of an
		// earlier bug): the ledger is sound, the campaign's accounts are not
		// what its vouchers say.
		behind(t, f, `INSERT INTO vouchers (id, campaign_id, account_id, value_cents, remaining_cents, status, code, code_hash, claimed_at, expires_at)
			SELECT 'vch_forged', campaign_id, account_id, value_cents, value_cents, 'active', code || 'x', code_hash || 'x', claimed_at, expires_at FROM vouchers WHERE id = '`+va.ID+`'`)
		c, err := ledger.Check(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []wallet.AccountID{wallet.CampaignBudgetAccount(partial.ID), wallet.CampaignHeldAccount(partial.ID)}
		if c.OK() || len(c.Mismatches)+len(c.Unbalanced)+len(c.BelowFloor) != 0 || !slices.Equal(accountsOf(c.Discrepancies), want) {
			t.Fatalf("forged voucher: check %+v, want discrepancies on %v only", c, want)
		}
		for _, d := range c.Discrepancies {
			if d.Source != "vouchers" || d.Basis == "" || d.Balance-d.Expected != map[bool]int64{true: 2000, false: -2000}[d.Account == wallet.CampaignBudgetAccount(partial.ID)] {
				t.Fatalf("forged voucher: %+v", d)
			}
		}
		behind(t, f, `DELETE FROM vouchers WHERE id = 'vch_forged'`)
		clean("once the forged voucher is gone")

		// A redemption marked reversed with no money moved back: the shop
		// is owed less than its account says, the campaign holds less.
		r4, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r4", vouchers.RedeemRequest{Code: f.token(anna, va.ID), PurchaseCents: 300})
		if err != nil {
			t.Fatal(err)
		}
		clean("after a redemption past the settlement")
		behind(t, f, `UPDATE voucher_redemptions SET reversed_at = at WHERE id = '`+r4.ID+`'`)
		ds, err = f.svc.Reconcile(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want = []wallet.AccountID{wallet.CampaignHeldAccount(partial.ID), wallet.ShopPayableAccount(shop.ID)}
		if !slices.Equal(accountsOf(ds), want) {
			t.Fatalf("reversal without money: %+v, want %v", ds, want)
		}
	})
}
