package vouchers_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/internal/testutil"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// Rule 3: the shop comes from the credential.
func TestCrossShopRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		a := f.shop("Forno A", "centro", "food")
		b := f.shop("Forno B", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)
		tok := f.token(citizen(1), v.ID)
		staffA := merchant(a.ID)

		if _, err := vouchers.ShopOf(staffA, b.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("ShopOf(A staff, B) = %v", err)
		}
		if got, err := vouchers.ShopOf(staffA, ""); err != nil || got != a.ID {
			t.Fatalf("ShopOf(A staff) = %q, %v", got, err)
		}
		_, _, err := f.svc.Redeem(f.ctx, staffA, b.ID, "x1", vouchers.RedeemRequest{Code: tok, PurchaseCents: 1500})
		testutil.WantReason(t, err, apperr.Forbidden, "not_your_shop")
		_, err = f.svc.PreviewCode(f.ctx, staffA, b.ID, tok)
		testutil.WantReason(t, err, apperr.Forbidden, "not_your_shop")
		_, err = f.svc.Today(f.ctx, staffA, b.ID)
		testutil.WantCode(t, err, apperr.Forbidden)
		_, err = f.svc.ShopBalance(f.ctx, staffA, b.ID)
		testutil.WantCode(t, err, apperr.Forbidden)
		_, err = f.svc.StatementPage(f.ctx, staffA, b.ID, vouchers.PageQuery{Limit: vouchers.MaxPage})
		testutil.WantCode(t, err, apperr.Forbidden)

		r, _, err := f.svc.Redeem(f.ctx, merchant(b.ID), b.ID, "x2", vouchers.RedeemRequest{Code: tok, PurchaseCents: 1500})
		if err != nil {
			t.Fatal(err)
		}
		// A cannot reverse B's redemption, even naming its own shop.
		_, _, err = f.svc.Reverse(f.ctx, staffA, a.ID, r.ID, "x3")
		testutil.WantReason(t, err, apperr.NotFound, "redemption_not_found")
		f.clock.Add(vouchers.ReversalWindow + time.Minute)
		st, _, err := f.svc.CloseSettlement(f.ctx, admin, "c1", b.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Statement(f.ctx, staffA, st.ID)
		testutil.WantReason(t, err, apperr.NotFound, "settlement_not_found")
		// A citizen cannot redeem at all.
		_, _, err = f.svc.Redeem(f.ctx, citizen(1), a.ID, "x4", vouchers.RedeemRequest{Code: tok, PurchaseCents: 1500})
		testutil.WantCode(t, err, apperr.Forbidden)
	})
}

// Rule 4: forged, altered, expired, replayed and wrong-kind codes are refused.
func TestQRRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)
		staff := merchant(shop.ID)
		redeem := func(code, key string) error {
			_, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, key, vouchers.RedeemRequest{Code: code, PurchaseCents: 1500})
			return err
		}
		forger := qrtoken.NewMemKeys()
		forger.Generate("qr-test", qrtoken.Purpose)
		forged, _ := qrtoken.Sign(forger, qrtoken.KindVoucher, v.ID, f.clock.Now().Add(time.Minute))
		testutil.WantReason(t, redeem(forged, "f1"), apperr.Invalid, "qr_invalid")

		ticket, _ := qrtoken.Sign(f.keys, qrtoken.KindTicket, v.ID, f.clock.Now().Add(time.Minute))
		testutil.WantReason(t, redeem(ticket, "f2"), apperr.Invalid, "qr_invalid")

		tok := f.token(citizen(1), v.ID)
		alt := []byte(tok)
		alt[len(alt)/2] ^= 0x01 // still base32 for most characters; either way not valid
		testutil.WantCode(t, redeem(string(alt), "f3"), apperr.Invalid)

		// A screenshot shown after the token's lifetime is refused.
		f.clock.Add(qrtoken.RotatingTTL + vouchers.TokenLeeway + time.Second)
		testutil.WantReason(t, redeem(tok, "f4"), apperr.Conflict, "qr_expired")

		// A token for a voucher that has been used is refused online.
		tok = f.token(citizen(1), v.ID)
		if err := redeem(tok, "f5"); err != nil {
			t.Fatal(err)
		}
		testutil.WantReason(t, redeem(tok, "f6"), apperr.Conflict, "voucher_used")
		if got := f.balance(wallet.ShopPayableAccount(shop.ID)); got != 1000 {
			t.Fatalf("payable %d, want 1000", got)
		}
	})
}

func TestTypedCodeLookupLimited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		other := f.shop("Forno 2", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)

		// A citizen asking about a real code and a made-up one gets the same answer.
		fake, _ := qrtoken.NewCode()
		_, errReal := f.svc.PreviewCode(f.ctx, citizen(2), shop.ID, v.TypedCode)
		_, errFake := f.svc.PreviewCode(f.ctx, citizen(2), shop.ID, fake)
		if errReal == nil || errReal.Error() != errFake.Error() {
			t.Fatalf("non-merchant answers differ: %v / %v", errReal, errFake)
		}

		staff := merchant(shop.ID)
		for i := 0; i < vouchers.MaxCodeFailuresPerShop; i++ {
			wrong, _ := qrtoken.NewCode()
			_, err := f.svc.PreviewCode(f.ctx, staff, shop.ID, wrong)
			testutil.WantReason(t, err, apperr.NotFound, "code_unknown")
		}
		// Now even the right code is refused for this shop and address.
		_, err := f.svc.PreviewCode(f.ctx, staff, shop.ID, v.TypedCode)
		testutil.WantCode(t, err, apperr.RateLimited)
		// Another shop's till at another address is unaffected.
		ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "198.51.100.9"})
		if _, err := f.svc.PreviewCode(ctx, merchant(other.ID), other.ID, v.TypedCode); err != nil {
			t.Fatalf("other shop: %v", err)
		}
		// The same address is limited for every shop.
		_, err = f.svc.PreviewCode(f.ctx, merchant(other.ID), other.ID, v.TypedCode)
		testutil.WantCode(t, err, apperr.RateLimited)
		f.clock.Add(vouchers.CodeFailureWindow + time.Second)
		if _, err := f.svc.PreviewCode(f.ctx, staff, shop.ID, v.TypedCode); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}
