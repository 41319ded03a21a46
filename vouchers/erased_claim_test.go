package vouchers_test

import (
	"errors"
	"testing"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A claim that comes with the token of an account erased since (the
// erasure revoked it after the request was let in) is refused as every
// domain refuses such a request: 401 with reason account_deleted, and no
// voucher is made. The till shown one of the person's vouchers afterwards
// is told the voucher is used (409 voucher_used, the erasure gave it up):
// a 401 would tell the till that its own sign-in had ended.
func TestClaimByAnErasedAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Libreria", "centro", "books")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 3})
		anna := citizen(1)
		if err := db.Identity().InTx(f.ctx, func(tx identity.Tx) error {
			return tx.InsertAccount(f.ctx, identity.Account{ID: anna.AccountID, Email: "anna@example.org", Name: "Anna", Locale: "it",
				PasswordHash: "x", CreatedAt: start})
		}); err != nil {
			t.Fatal(err)
		}
		v := f.claim(anna, camp.ID)
		code := f.token(anna, v.ID)
		pay := cardpay.NewService(db.CardPayments(), nil, storetest.Logger(t))
		pay.SetClock(f.clock.Now)
		if _, err := pay.EraseAccount(f.ctx, anna, cardpay.CreditToCity); err != nil {
			t.Fatalf("erase: %v", err)
		}

		for _, key := range []string{"", "claim-after-erasure"} {
			_, _, err := f.svc.ClaimWithKey(f.ctx, anna, camp.ID, key)
			if !errors.Is(err, apperr.ErrAccountDeleted) || apperr.ReasonOf(err) != apperr.ReasonAccountDeleted || apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Fatalf("claim (key %q) by an erased account: %v, want unauthenticated, account_deleted", key, err)
			}
		}
		if mine, err := f.svc.MyVouchers(f.ctx, anna); err != nil || len(mine) != 1 || mine[0].ID != v.ID {
			t.Fatalf("the erased account's vouchers: %+v, %v; want only the one claimed before", mine, err)
		}

		_, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "after-erasure", vouchers.RedeemRequest{Code: code, PurchaseCents: 500})
		if apperr.ReasonOf(err) != "voucher_used" || apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("the till redeeming an erased account's voucher: %v, want conflict, voucher_used", err)
		}
	})
}
