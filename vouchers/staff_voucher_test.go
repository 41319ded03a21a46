package vouchers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

const staffVoucherWords = "This voucher belongs to someone who works at this shop: it cannot be redeemed at its tills."

// registerStaff gives the caller an account in the store with its grants,
// as signing up and an administrator's grants would: the rule on a
// colleague's voucher reads the holder's grants from the store, not from
// the caller.
func registerStaff(t *testing.T, f *fixture, c identity.Caller) {
	t.Helper()
	if err := f.db.Identity().InTx(f.ctx, func(tx identity.Tx) error {
		return tx.InsertAccount(f.ctx, identity.Account{ID: c.AccountID, Email: c.AccountID + "@example.org", Name: "Staff", Locale: "it",
			PasswordHash: "x", CreatedAt: start, Grants: c.Grants})
	}); err != nil {
		t.Fatalf("register %s: %v", c.AccountID, err)
	}
}

// A colleague may not redeem, at the shop they both work, a voucher held by
// its shopkeeper: the shop would be owed the city's money with no customer.
// The preview and the quote say so first; the redemption, scanned or typed,
// is refused (409 staff_voucher) and writes nothing. At another shop of the
// campaign the shopkeeper is a citizen, and that shop's staff serve the
// same voucher.
func TestColleagueCannotRedeemAShopkeepersVoucher(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Ortofrutta", "centro", "food")
		other := f.shop("Libreria", "centro", "books")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		keeper := shopkeeper(shop.ID)
		registerStaff(t, f, keeper)
		colleague := merchant(shop.ID)
		v := f.claim(keeper, camp.ID)
		tok := f.token(keeper, v.ID)

		for _, code := range []string{tok, v.TypedCode} {
			p, err := f.svc.PreviewCode(f.ctx, colleague, shop.ID, code)
			if err != nil || p.VoucherID != v.ID || p.Eligible || p.ProblemReason != "staff_voucher" || p.Problem != staffVoucherWords {
				t.Fatalf("a colleague's preview of the keeper's voucher: %+v, %v; want not eligible, staff_voucher", p, err)
			}
			q, err := f.svc.QuotePurchase(f.ctx, colleague, shop.ID, code, 2000)
			if err != nil || q.DiscountCents != 0 {
				t.Fatalf("a colleague's quote of the keeper's voucher: %+v, %v", q, err)
			}
			testutil.WantReason(t, q.Refusal, apperr.Conflict, "staff_voucher")
			// The keeper's own is told own_voucher: it comes first.
			p, err = f.svc.PreviewCode(f.ctx, keeper, shop.ID, code)
			if err != nil || p.Eligible || p.ProblemReason != "own_voucher" {
				t.Fatalf("the keeper's preview of their own voucher: %+v, %v; want own_voucher", p, err)
			}
		}
		for key, code := range map[string]string{"staff-scanned": tok, "staff-typed": v.TypedCode} {
			r, replayed, err := f.svc.Redeem(f.ctx, colleague, shop.ID, key, vouchers.RedeemRequest{Code: code, PurchaseCents: 2000})
			testutil.WantReason(t, err, apperr.Conflict, "staff_voucher")
			if replayed || r.ID != "" {
				t.Fatalf("%s: %+v, replayed %v", key, r, replayed)
			}
		}
		_, _, err := f.svc.Redeem(f.ctx, keeper, shop.ID, "own", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2000})
		testutil.WantReason(t, err, apperr.Conflict, "own_voucher")

		// Nothing was written: the voucher, the money, the shop's day.
		mine, err := f.svc.MyVoucher(f.ctx, keeper, v.ID)
		if err != nil || mine.Status != vouchers.VoucherActive || mine.RemainingCents != 1000 || len(mine.Redemptions) != 0 {
			t.Fatalf("the voucher after the refusals: %+v, %v", mine, err)
		}
		if p := f.balance(wallet.ShopPayableAccount(shop.ID)); p != 0 {
			t.Fatalf("shop owed %d after its keeper's voucher was refused", p)
		}
		if day, err := f.svc.Today(f.ctx, colleague, shop.ID); err != nil || len(day.Redemptions) != 0 {
			t.Fatalf("the shop's day: %+v, %v", day, err)
		}

		// At another shop the keeper is a citizen: its staff serve them.
		there := merchant(other.ID)
		if p, err := f.svc.PreviewCode(f.ctx, there, other.ID, tok); err != nil || !p.Eligible || p.ProblemReason != "" {
			t.Fatalf("another shop's preview of the keeper's voucher: %+v, %v", p, err)
		}
		r, _, err := f.svc.Redeem(f.ctx, there, other.ID, "elsewhere", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2000})
		if err != nil || r.AmountCents != 1000 || r.ShopID != other.ID {
			t.Fatalf("another shop's redemption of the keeper's voucher: %+v, %v", r, err)
		}
		if p := f.balance(wallet.ShopPayableAccount(other.ID)); p != 1000 {
			t.Fatalf("the other shop is owed %d, want 1,000", p)
		}
	})
}

// In a batch, a colleague's redemption of the shopkeeper's voucher is
// refused as alone (staff_voucher), scanned or typed, and writes nothing,
// while the batch's other redemptions go through; the refusals are kept
// with their keys. Another shop's staff, in the same batch, serve a
// voucher of that shopkeeper's.
func TestStaffVoucherRefusedInABatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Ortofrutta", "centro", "food")
		other := f.shop("Libreria", "centro", "books")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10 * 1000, FaceValueCents: 1000, PerCitizenLimit: 2})
		keeper := shopkeeper(shop.ID)
		registerStaff(t, f, keeper)
		colleague := merchant(shop.ID)
		there := merchant(other.ID)
		held := f.claim(keeper, camp.ID)
		heldTok := f.token(keeper, held.ID)
		elsewhere := f.claim(keeper, camp.ID)
		type call struct {
			staff  identity.Caller
			shopID string
			code   string
			want   string // "" for a redemption, or the refusal's reason
		}
		var calls []call
		for i := range 5 {
			v := f.claim(citizen(i), camp.ID)
			calls = append(calls, call{staff: colleague, shopID: shop.ID, code: f.token(citizen(i), v.ID)})
			if i == 2 {
				calls = append(calls, call{staff: colleague, shopID: shop.ID, code: heldTok, want: "staff_voucher"})
			}
		}
		calls = append(calls,
			call{staff: colleague, shopID: shop.ID, code: held.TypedCode, want: "staff_voucher"},
			call{staff: there, shopID: other.ID, code: f.token(keeper, elsewhere.ID)})

		started, queued := vouchers.HoldRedemptionBatches(f.svc, len(calls)-1)
		errs := make([]error, len(calls))
		var wg sync.WaitGroup
		run := func(i int) {
			defer wg.Done()
			ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.7", Device: fmt.Sprint("till-", i)})
			_, _, errs[i] = f.svc.Redeem(ctx, calls[i].staff, calls[i].shopID, fmt.Sprint("k", i), vouchers.RedeemRequest{Code: calls[i].code, PurchaseCents: 1500})
		}
		wg.Add(1)
		go run(0)
		<-queued
		<-started
		for i := 1; i < len(calls); i++ {
			wg.Add(1)
			go run(i)
			<-queued
		}
		wg.Wait()

		for i, c := range calls {
			if apperr.ReasonOf(errs[i]) != c.want || (c.want == "" && errs[i] != nil) {
				t.Errorf("call %d: %v, want %q", i, errs[i], c.want)
			}
		}
		// The first ran alone, the others together: the keeper's vouchers
		// were judged in the batch, not sent after it.
		if st := f.svc.RedemptionBatches(); st.Batches != 1 || st.Redemptions != int64(len(calls)-1) || st.Fallbacks != 0 {
			t.Errorf("batches %+v, want one of %d redemptions", st, len(calls)-1)
		}
		if p := f.balance(wallet.ShopPayableAccount(shop.ID)); p != 5*1000 {
			t.Errorf("shop owed %d, want 5,000 (not the keeper's voucher)", p)
		}
		if p := f.balance(wallet.ShopPayableAccount(other.ID)); p != 1000 {
			t.Errorf("the other shop is owed %d, want 1,000 (the keeper's voucher there)", p)
		}
		mine, err := f.svc.MyVoucher(f.ctx, keeper, held.ID)
		if err != nil || mine.Status != vouchers.VoucherActive || mine.RemainingCents != 1000 || len(mine.Redemptions) != 0 {
			t.Errorf("the keeper's voucher after the batch: %+v, %v", mine, err)
		}
		for i, c := range calls {
			if c.want == "" {
				continue
			}
			_, replayed, err := f.svc.Redeem(f.ctx, c.staff, c.shopID, fmt.Sprint("k", i), vouchers.RedeemRequest{Code: c.code, PurchaseCents: 1500})
			if !replayed || apperr.ReasonOf(err) != c.want {
				t.Errorf("retry of call %d: replayed %v, %v; want its refusal again", i, replayed, err)
			}
		}
		if c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx); err != nil || !c.OK() {
			t.Fatalf("ledger check: %+v %v", c, err)
		}
	})
}
