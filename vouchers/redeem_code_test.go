package vouchers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// A typed code is looked up and its voucher locked in the redemption's
// transaction (RedemptionTargetByCode, or on PostgreSQL in one batch with
// the failure counts: CodeFailuresAndTarget), after the key is claimed: a wrong
// code counts against the shop and the address and changes nothing else,
// too many refuse even the right code, a retry of a wrong code counts no
// more, and a keyed retry of a redemption that went through still gets its
// first answer meanwhile.
func TestRedeemTypedCode(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		staff := merchant(shop.ID)
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)
		w := f.claim(citizen(2), camp.ID)

		// Typed as a person types it: lower case, spaces for dashes.
		typed := strings.ToLower(strings.ReplaceAll(v.TypedCode, "-", " "))
		first, replayed, err := f.svc.Redeem(f.ctx, staff, shop.ID, "typed-1", vouchers.RedeemRequest{Code: typed, PurchaseCents: 2500})
		if err != nil || replayed || first.VoucherID != v.ID || first.AmountCents != 1000 {
			t.Fatalf("redeem by typed code: %+v replayed=%v %v", first, replayed, err)
		}
		// A till of a shop that no longer exists is told so, whoever's
		// code it types; that is not a wrong code, and nothing moves.
		_, _, err = f.svc.Redeem(f.ctx, merchant("shop_gone"), "shop_gone", "gone-1", vouchers.RedeemRequest{Code: w.TypedCode, PurchaseCents: 2500})
		testutil.WantReason(t, err, apperr.NotFound, "shop_not_found")
		// The same code again, under another key: the voucher is used.
		_, _, err = f.svc.Redeem(f.ctx, staff, shop.ID, "typed-2", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 2500})
		testutil.WantReason(t, err, apperr.Conflict, "voucher_used")

		// Wrong codes: well formed ones that match nothing, and one that
		// cannot be a code. Each counts and writes nothing else.
		var firstWrong string
		for i := range vouchers.MaxCodeFailuresPerShop - 1 {
			wrong, _ := qrtoken.NewCode()
			if i == 0 {
				firstWrong = wrong
			}
			_, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, fmt.Sprintf("wrong-%d", i), vouchers.RedeemRequest{Code: wrong, PurchaseCents: 2500})
			testutil.WantReason(t, err, apperr.NotFound, "code_unknown")
		}
		// A retry of a wrong code is its first refusal again, and counts
		// no further failure: else the next wrong code would be refused
		// as too many below.
		for range 2 {
			_, replayed, err := f.svc.Redeem(f.ctx, staff, shop.ID, "wrong-0", vouchers.RedeemRequest{Code: firstWrong, PurchaseCents: 2500})
			testutil.WantReason(t, err, apperr.NotFound, "code_unknown")
			if !replayed {
				t.Fatal("a retry of a wrong code was not replayed")
			}
		}
		_, _, err = f.svc.Redeem(f.ctx, staff, shop.ID, "malformed", vouchers.RedeemRequest{Code: "not a code!", PurchaseCents: 2500})
		if !apperr.Has(err, apperr.Invalid) && !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("malformed code: %v", err)
		}
		// Now even the right code is refused for this shop and address...
		_, _, err = f.svc.Redeem(f.ctx, staff, shop.ID, "typed-3", vouchers.RedeemRequest{Code: w.TypedCode, PurchaseCents: 2500})
		testutil.WantReason(t, err, apperr.RateLimited, "too_many_failed_codes")
		// ... and told to wait the whole window, after which every counted
		// failure has expired (none is counted while refused).
		if apperr.RetryAfterOf(err) != vouchers.CodeFailureWindow {
			t.Fatalf("too many codes: no Retry-After of %v: %v", vouchers.CodeFailureWindow, err)
		}
		// ... but a retry of the redemption that went through is answered.
		again, replayed, err := f.svc.Redeem(f.ctx, staff, shop.ID, "typed-1", vouchers.RedeemRequest{Code: typed, PurchaseCents: 2500})
		if err != nil || !replayed || again.ID != first.ID {
			t.Fatalf("replay while limited: %+v replayed=%v %v, want %s", again, replayed, err, first.ID)
		}
		// Nothing but the first redemption moved value.
		if got := f.balance(wallet.ShopPayableAccount(shop.ID)); got != 1000 {
			t.Fatalf("shop payable %d, want 1000", got)
		}
		after, err := f.svc.MyVoucher(f.ctx, citizen(2), w.ID)
		if err != nil || after.RemainingCents != 1000 {
			t.Fatalf("untouched voucher: %+v %v", after, err)
		}
		// The window passes: the right code works again.
		f.clock.Add(vouchers.CodeFailureWindow + time.Second)
		if _, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "typed-4", vouchers.RedeemRequest{Code: w.TypedCode, PurchaseCents: 2500}); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}
