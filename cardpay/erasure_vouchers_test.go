package cardpay_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// An account erased with a voucher unused: the voucher is given up with it
// (vouchers.ForfeitTx), in the erasure's transaction. Its code no longer
// redeems and its value is back in the campaign's budget.
func TestErasureGivesUpTheVouchers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		keys := qrtoken.NewMemKeys()
		keys.Generate("qr-test", qrtoken.Purpose)
		vs := vouchers.NewService(db.Vouchers(), keys, storetest.Logger(t))
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		shop, err := vs.CreateShop(ctx, admin, vouchers.Shop{Name: "Libreria", Address: "Corso Garibaldi 1, Benevento", District: "centro", Category: "books", IBAN: "IT60 X054 2811 1010 0000 0123 456"})
		if err != nil {
			t.Fatal(err)
		}
		camp, err := vs.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale", BudgetCents: 5000, FaceValueCents: 1000, PerCitizenLimit: 1,
			ValidFrom: clock.Add(-time.Hour), ValidUntil: clock.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vs.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
			t.Fatal(err)
		}
		dora := citizenWithCredit(t, db, s, &clock, "acc_dora", 0, nil)
		v, err := vs.Claim(ctx, dora, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		budget := balance(t, db, wallet.CampaignBudgetAccount(camp.ID))
		if _, err := s.EraseAccount(ctx, dora, ""); err != nil {
			t.Fatalf("erase: %v", err)
		}
		if got := balance(t, db, wallet.CampaignBudgetAccount(camp.ID)) - budget; got != 1000 {
			t.Fatalf("the budget got %d back, want the voucher's 1000", got)
		}
		staff := identity.Caller{AccountID: "acc_shop", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}}
		p, err := vs.PreviewCode(ctx, staff, shop.ID, v.TypedCode)
		if err != nil || p.Status != vouchers.VoucherUsed || p.RemainingCents != 0 || p.Problem == "" {
			t.Fatalf("the erased person's code at the till: %+v, %v; want it used, with nothing left", p, err)
		}
		if _, _, err := vs.Redeem(ctx, staff, shop.ID, "after-erasure", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 1500}); apperr.ReasonOf(err) != "voucher_used" {
			t.Fatalf("redeeming the erased person's code: %v, want voucher_used", err)
		}
	})
}

// A claim and its person's erasure race: the claim was authenticated
// before the erasure revoked the person's tokens. Either the claim ends
// before the erasure reads the vouchers, and its voucher is given up with
// the rest, or it finds the account erased and makes none: no erased
// account keeps an active voucher, and the campaign's books agree.
func TestClaimRacingErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		keys := qrtoken.NewMemKeys()
		keys.Generate("qr-test", qrtoken.Purpose)
		vs := vouchers.NewService(db.Vouchers(), keys, storetest.Logger(t))
		w := wallet.NewService(db.Wallet(), nil)
		w.RegisterReconciler("vouchers", vs)
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		camp, err := vs.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale", BudgetCents: 1_000_000, FaceValueCents: 1000, PerCitizenLimit: 1,
			ValidFrom: clock.Add(-time.Hour), ValidUntil: clock.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vs.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
			t.Fatal(err)
		}
		const people = 40
		var claimed, refused int
		for i := range people {
			person := citizenWithCredit(t, db, s, &clock, fmt.Sprintf("acc_race%02d", i), 0, nil)
			var wg sync.WaitGroup
			var claimErr, eraseErr error
			wg.Add(2)
			go func() { defer wg.Done(); _, claimErr = vs.Claim(ctx, person, camp.ID) }()
			go func() { defer wg.Done(); _, eraseErr = s.EraseAccount(ctx, person, "") }()
			wg.Wait()
			if eraseErr != nil {
				t.Fatalf("erase %s: %v", person.AccountID, eraseErr)
			}
			switch {
			case claimErr == nil:
				claimed++
			case apperr.Has(claimErr, apperr.Unauthenticated):
				refused++
			default:
				t.Fatalf("claim of %s racing its erasure: %v", person.AccountID, claimErr)
			}
			mine, err := vs.MyVouchers(ctx, person)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range mine {
				if v.Status == vouchers.VoucherActive {
					t.Fatalf("the erased %s keeps active voucher %s", person.AccountID, v.ID)
				}
			}
		}
		t.Logf("%d claims ended before their erasure, %d were refused after it", claimed, refused)
		check, err := w.Check(ctx)
		if err != nil || !check.OK() {
			t.Fatalf("ledger check %+v, %v", check, err)
		}
	})
}
