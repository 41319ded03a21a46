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

// shopkeeper is staff of shopID who is a citizen too, and so may hold
// vouchers of the city's campaigns.
func shopkeeper(shopID string) identity.Caller {
	return identity.Caller{AccountID: "acc_keeper_" + shopID, Grants: []identity.Grant{
		{Role: identity.RoleMerchant, Scope: shopID}, {Role: identity.RoleCitizen}}}
}

// Staff may not redeem, at a till they work, a voucher they hold: the shop
// would be owed the city's money with no customer. The preview and the
// quote say so before the till asks; the redemption, scanned or typed, is
// refused (409 own_voucher) and changes nothing, and a retry of its key is
// refused alike, whoever of the shop's staff sends it. A colleague with a
// key of their own is refused too, for the voucher is staff's of this shop
// (staff_voucher, staff_voucher_test.go).
func TestStaffCannotRedeemTheirOwnVoucher(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Ortofrutta", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		keeper := shopkeeper(shop.ID)
		registerStaff(t, f, keeper)
		v := f.claim(keeper, camp.ID)
		tok := f.token(keeper, v.ID)

		for _, code := range []string{tok, v.TypedCode} {
			p, err := f.svc.PreviewCode(f.ctx, keeper, shop.ID, code)
			if err != nil || p.VoucherID != v.ID || p.Eligible || p.Problem != "This voucher is yours: you cannot redeem it at a till you work." {
				t.Fatalf("preview of the keeper's own voucher: %+v, %v; want not eligible, and why", p, err)
			}
			q, err := f.svc.QuotePurchase(f.ctx, keeper, shop.ID, code, 2000)
			if err != nil || q.DiscountCents != 0 {
				t.Fatalf("quote of the keeper's own voucher: %+v, %v", q, err)
			}
			testutil.WantReason(t, q.Refusal, apperr.Conflict, "own_voucher")
		}
		for key, code := range map[string]string{"own-scanned": tok, "own-typed": v.TypedCode} {
			r, replayed, err := f.svc.Redeem(f.ctx, keeper, shop.ID, key, vouchers.RedeemRequest{Code: code, PurchaseCents: 2000})
			testutil.WantReason(t, err, apperr.Conflict, "own_voucher")
			if replayed || r.ID != "" {
				t.Fatalf("%s: %+v, replayed %v", key, r, replayed)
			}
		}
		// Nothing changed: the voucher, the money, the shop's day, the audit.
		mine, err := f.svc.MyVoucher(f.ctx, keeper, v.ID)
		if err != nil || mine.Status != vouchers.VoucherActive || mine.RemainingCents != 1000 || len(mine.Redemptions) != 0 {
			t.Fatalf("the voucher after the refusals: %+v, %v", mine, err)
		}
		if p := f.balance(wallet.ShopPayableAccount(shop.ID)); p != 0 {
			t.Fatalf("shop owed %d after its own voucher was refused", p)
		}
		if day, err := f.svc.Today(f.ctx, keeper, shop.ID); err != nil || len(day.Redemptions) != 0 {
			t.Fatalf("the shop's day: %+v, %v", day, err)
		}
		entries, err := f.svc.Audit(f.ctx, admin, vouchers.AuditQuery{ShopID: shop.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries.Entries {
			if e.Action == "voucher.redeem" {
				t.Fatalf("a refused redemption was audited: %+v", e)
			}
		}

		// The key keeps its refusal: a colleague's retry of the same
		// request is refused again, replayed, and redeems nothing.
		colleague := merchant(shop.ID)
		r, replayed, err := f.svc.Redeem(f.ctx, colleague, shop.ID, "own-scanned", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2000})
		testutil.WantReason(t, err, apperr.Conflict, "own_voucher")
		if !replayed || r.ID != "" {
			t.Fatalf("retry of the refused key: %+v, replayed %v", r, replayed)
		}
		// With a key of its own, the colleague is refused as well: the
		// voucher is held by staff of this shop.
		if p, err := f.svc.PreviewCode(f.ctx, colleague, shop.ID, tok); err != nil || p.Eligible || p.ProblemReason != "staff_voucher" {
			t.Fatalf("a colleague's preview: %+v, %v", p, err)
		}
		r, replayed, err = f.svc.Redeem(f.ctx, colleague, shop.ID, "colleague", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2000})
		testutil.WantReason(t, err, apperr.Conflict, "staff_voucher")
		if replayed || r.ID != "" {
			t.Fatalf("a colleague's redemption: %+v, replayed %v", r, replayed)
		}
	})
}

// In a batch, a voucher of the calling staff's own is refused as alone
// (own_voucher), scanned or typed, while the batch's other redemptions go
// through, and the refusals are kept with their keys.
func TestOwnVoucherRefusedInABatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Ortofrutta", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10 * 1000, FaceValueCents: 1000})
		keeper := shopkeeper(shop.ID)
		own := f.claim(keeper, camp.ID)
		ownTok := f.token(keeper, own.ID)
		type call struct {
			staff identity.Caller
			code  string
			want  string // "" for a redemption, or the refusal's reason
		}
		var calls []call
		for i := range 6 {
			v := f.claim(citizen(i), camp.ID)
			calls = append(calls, call{staff: keeper, code: f.token(citizen(i), v.ID)})
			if i == 2 {
				calls = append(calls, call{staff: keeper, code: ownTok, want: "own_voucher"})
			}
		}
		calls = append(calls, call{staff: keeper, code: own.TypedCode, want: "own_voucher"})

		started, queued := vouchers.HoldRedemptionBatches(f.svc, len(calls)-1)
		errs := make([]error, len(calls))
		var wg sync.WaitGroup
		run := func(i int) {
			defer wg.Done()
			ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.7", Device: fmt.Sprint("till-", i)})
			_, _, errs[i] = f.svc.Redeem(ctx, calls[i].staff, shop.ID, fmt.Sprint("k", i), vouchers.RedeemRequest{Code: calls[i].code, PurchaseCents: 1500})
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
		// The first ran alone, the others together: the own vouchers were
		// judged in the batch, not sent after it.
		if st := f.svc.RedemptionBatches(); st.Batches != 1 || st.Redemptions != int64(len(calls)-1) || st.Fallbacks != 0 {
			t.Errorf("batches %+v, want one of %d redemptions", st, len(calls)-1)
		}
		if p := f.balance(wallet.ShopPayableAccount(shop.ID)); p != 6*1000 {
			t.Errorf("shop owed %d, want 6,000 (not the keeper's own voucher)", p)
		}
		mine, err := f.svc.MyVoucher(f.ctx, keeper, own.ID)
		if err != nil || mine.Status != vouchers.VoucherActive || mine.RemainingCents != 1000 {
			t.Errorf("the keeper's voucher after the batch: %+v, %v", mine, err)
		}
		for i, c := range calls {
			if c.want == "" {
				continue
			}
			_, replayed, err := f.svc.Redeem(f.ctx, c.staff, shop.ID, fmt.Sprint("k", i), vouchers.RedeemRequest{Code: c.code, PurchaseCents: 1500})
			if !replayed || apperr.ReasonOf(err) != c.want {
				t.Errorf("retry of call %d: replayed %v, %v; want its refusal again", i, replayed, err)
			}
		}
		if c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx); err != nil || !c.OK() {
			t.Fatalf("ledger check: %+v %v", c, err)
		}
	})
}
