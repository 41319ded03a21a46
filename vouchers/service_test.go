package vouchers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// clock is a settable test clock, safe for concurrent readers.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

var start = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

var (
	admin = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
)

func citizen(n int) identity.Caller {
	return identity.Caller{AccountID: fmt.Sprintf("acc_citizen%03d", n), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
}

func merchant(shopID string) identity.Caller {
	return identity.Caller{AccountID: "acc_staff_" + shopID, Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shopID}}}
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    store.DB
	svc   *vouchers.Service
	keys  *qrtoken.MemKeys
	clock *clock
}

func newFixture(t *testing.T, db store.DB) *fixture {
	t.Helper()
	keys := qrtoken.NewMemKeys()
	keys.Generate("qr-test", qrtoken.Purpose)
	svc := vouchers.NewService(db.Vouchers(), keys, storetest.Logger(t))
	c := newClock(start)
	svc.SetClock(c.Now)
	ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.7", Device: "till-1"})
	return &fixture{t: t, ctx: ctx, db: db, svc: svc, keys: keys, clock: c}
}

func (f *fixture) shop(name, district, category string) vouchers.Shop {
	f.t.Helper()
	s, err := f.svc.CreateShop(f.ctx, admin, vouchers.Shop{Name: name, Address: "Corso Garibaldi 1, Benevento", District: district, Category: category, IBAN: "IT60 X054 2811 1010 0000 0123 456"})
	if err != nil {
		f.t.Fatalf("create shop: %v", err)
	}
	return s
}

func (f *fixture) campaign(c vouchers.Campaign) vouchers.Campaign {
	f.t.Helper()
	if c.Name == "" {
		c.Name = "Natale in contrada"
	}
	if c.PerCitizenLimit == 0 {
		c.PerCitizenLimit = 1
	}
	c.ValidFrom, c.ValidUntil = start.Add(-24*time.Hour), start.Add(30*24*time.Hour)
	c, err := f.svc.CreateCampaign(f.ctx, admin, c)
	if err != nil {
		f.t.Fatalf("create campaign: %v", err)
	}
	if c, err = f.svc.SetCampaignStatus(f.ctx, admin, c.ID, vouchers.StatusOpen); err != nil {
		f.t.Fatalf("open campaign: %v", err)
	}
	return c
}

func (f *fixture) claim(who identity.Caller, campaignID string) vouchers.VoucherView {
	f.t.Helper()
	v, err := f.svc.Claim(f.ctx, who, campaignID)
	if err != nil {
		f.t.Fatalf("claim: %v", err)
	}
	return v
}

func (f *fixture) token(who identity.Caller, voucherID string) string {
	f.t.Helper()
	tok, err := f.svc.FreshToken(f.ctx, who, voucherID)
	if err != nil {
		f.t.Fatalf("fresh token: %v", err)
	}
	return tok.Token
}

func (f *fixture) balance(id wallet.AccountID) int64 {
	f.t.Helper()
	var bal int64
	err := f.db.Vouchers().View(f.ctx, func(tx vouchers.Tx) error {
		a, err := tx.Account(f.ctx, id)
		if err != nil {
			return err
		}
		sum, err := tx.SumEntries(f.ctx, id)
		if err != nil {
			return err
		}
		if sum != a.Balance {
			return fmt.Errorf("account %s: cached balance %d, entries %d", id, a.Balance, sum)
		}
		bal = a.Balance
		return nil
	})
	if err != nil {
		f.t.Fatalf("balance: %v", err)
	}
	return bal
}

func TestVoucherLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := f.ctx
		bakery := f.shop("Forno San Lorenzo", "centro", "food")
		books := f.shop("Libreria Trescene", "rione-trescene", "books")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000, MinSpendCents: 1500, Districts: []string{"centro"}})
		alice := citizen(1)

		cl, err := f.svc.Claimable(ctx, alice)
		if err != nil || len(cl) != 1 || cl[0].ID != camp.ID || cl[0].YouMayClaim != 1 {
			t.Fatalf("claimable = %+v, %v", cl, err)
		}
		v := f.claim(alice, camp.ID)
		if v.RemainingCents != 1000 || v.Status != vouchers.VoucherActive || v.TypedCode == "" {
			t.Fatalf("claimed voucher %+v", v)
		}
		_, err = f.svc.Claim(ctx, alice, camp.ID)
		testutil.WantReason(t, err, apperr.Conflict, "per_citizen_limit")
		if got := f.balance(wallet.CampaignBudgetAccount(camp.ID)); got != 9000 {
			t.Fatalf("budget left %d, want 9000", got)
		}
		shops, err := f.svc.ShopsFor(ctx, camp.ID, "")
		if err != nil || len(shops) != 1 || shops[0].ID != bakery.ID {
			t.Fatalf("shops for campaign = %+v, %v", shops, err)
		}

		staff := merchant(bakery.ID)
		tok := f.token(alice, v.ID)
		p, err := f.svc.PreviewCode(ctx, staff, bakery.ID, tok)
		if err != nil || p.VoucherID != v.ID || !p.Eligible || p.Problem != "" || p.RemainingCents != 1000 {
			t.Fatalf("preview = %+v, %v", p, err)
		}
		// Not eligible at the bookshop (another district).
		_, _, err = f.svc.Redeem(ctx, merchant(books.ID), books.ID, "k-books", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2000})
		testutil.WantReason(t, err, apperr.Conflict, "shop_not_eligible")
		// Below the minimum spend.
		_, _, err = f.svc.Redeem(ctx, staff, bakery.ID, "k0", vouchers.RedeemRequest{Code: tok, PurchaseCents: 1499})
		testutil.WantReason(t, err, apperr.Invalid, "below_min_spend")

		r, replayed, err := f.svc.Redeem(ctx, staff, bakery.ID, "k1", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2350})
		if err != nil || replayed || r.AmountCents != 1000 || r.ShopID != bakery.ID || r.Device != "till-1" {
			t.Fatalf("redeem = %+v, %v, %v", r, replayed, err)
		}
		// The till retries after a timeout, with a fresher token: same answer.
		f.clock.Add(31 * time.Second)
		r2, replayed, err := f.svc.Redeem(ctx, staff, bakery.ID, "k1", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2350})
		if err != nil || !replayed || r2.ID != r.ID {
			t.Fatalf("replay = %+v, %v, %v", r2, replayed, err)
		}
		_, _, err = f.svc.Redeem(ctx, staff, bakery.ID, "k1", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2400})
		testutil.WantReason(t, err, apperr.Conflict, "idempotency_key_reused")
		_, _, err = f.svc.Redeem(ctx, staff, bakery.ID, "k2", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2350})
		testutil.WantReason(t, err, apperr.Conflict, "voucher_used")
		if _, err := f.svc.FreshToken(ctx, alice, v.ID); !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("fresh token for a used voucher: %v", err)
		}
		if got := f.balance(wallet.ShopPayableAccount(bakery.ID)); got != 1000 {
			t.Fatalf("payable %d, want 1000", got)
		}

		// Reverse: the value goes back, exactly once.
		rev, _, err := f.svc.Reverse(ctx, staff, bakery.ID, r.ID, "rev-1")
		if err != nil || rev.ReversedAt == nil {
			t.Fatalf("reverse = %+v, %v", rev, err)
		}
		if _, replayed, err := f.svc.Reverse(ctx, staff, bakery.ID, r.ID, "rev-1"); err != nil || !replayed {
			t.Fatalf("reverse replay: %v %v", replayed, err)
		}
		_, _, err = f.svc.Reverse(ctx, staff, bakery.ID, r.ID, "rev-2")
		testutil.WantReason(t, err, apperr.Conflict, "already_reversed")
		if got := f.balance(wallet.ShopPayableAccount(bakery.ID)); got != 0 {
			t.Fatalf("payable after reversal %d, want 0", got)
		}
		mine, err := f.svc.MyVoucher(ctx, alice, v.ID)
		if err != nil || mine.Status != vouchers.VoucherActive || mine.RemainingCents != 1000 || len(mine.Redemptions) != 1 {
			t.Fatalf("voucher after reversal = %+v, %v", mine, err)
		}

		// Redeem again by typed code, sloppily typed.
		typed := strings.ToLower(strings.ReplaceAll(mine.TypedCode, "-", " "))
		r3, _, err := f.svc.Redeem(ctx, staff, bakery.ID, "k3", vouchers.RedeemRequest{Code: typed, PurchaseCents: 1800})
		if err != nil || r3.AmountCents != 1000 {
			t.Fatalf("redeem by typed code = %+v, %v", r3, err)
		}
		day, err := f.svc.Today(ctx, staff, bakery.ID)
		if err != nil || day.Count != 1 || day.TotalCents != 1000 || len(day.Redemptions) != 2 {
			t.Fatalf("today = %+v, %v", day, err)
		}

		// Settlement leaves out what can still be reversed; what is due
		// says so before anything is settled (the reversed redemption
		// counts nowhere).
		if due, err := f.svc.DueSettlement(ctx, admin, bakery.ID); err != nil || due.Count != 0 || due.RecentCount != 1 || due.RecentCents != 1000 || due.Shop.ID != bakery.ID {
			t.Fatalf("due while reversible = %+v, %v", due, err)
		}
		_, err = f.svc.DueSettlement(ctx, staff, bakery.ID)
		testutil.WantCode(t, err, apperr.Forbidden)
		_, err = f.svc.DueSettlement(ctx, admin, "shop_nope")
		testutil.WantReason(t, err, apperr.NotFound, "shop_not_found")
		_, _, err = f.svc.CloseSettlement(ctx, admin, "close-0", bakery.ID, time.Time{})
		testutil.WantReason(t, err, apperr.Conflict, "nothing_to_settle")
		f.clock.Add(vouchers.ReversalWindow + time.Minute)
		due, err := f.svc.DueSettlement(ctx, admin, bakery.ID)
		if err != nil || due.Count != 1 || due.TotalCents != 1000 || due.RecentCount != 0 || !due.PeriodEnd.Equal(f.clock.Now().Add(-vouchers.ReversalWindow)) {
			t.Fatalf("due = %+v, %v", due, err)
		}
		_, _, err = f.svc.Reverse(ctx, staff, bakery.ID, r3.ID, "rev-late")
		testutil.WantReason(t, err, apperr.Conflict, "reversal_window_passed")
		st, _, err := f.svc.CloseSettlement(ctx, admin, "close-1", bakery.ID, time.Time{})
		if err != nil || st.Count != 1 || st.TotalCents != 1000 || st.Status != vouchers.SettlementClosed {
			t.Fatalf("close settlement = %+v, %v", st, err)
		}
		if again, replayed, err := f.svc.CloseSettlement(ctx, admin, "close-1", bakery.ID, time.Time{}); err != nil || !replayed || again.ID != st.ID {
			t.Fatalf("close replay = %+v %v %v", again, replayed, err)
		}
		_, _, err = f.svc.CloseSettlement(ctx, admin, "close-2", bakery.ID, time.Time{})
		testutil.WantReason(t, err, apperr.Conflict, "nothing_to_settle")
		if due, err := f.svc.DueSettlement(ctx, admin, bakery.ID); err != nil || due.Count != 0 || due.RecentCount != 0 {
			t.Fatalf("due after the close = %+v, %v", due, err)
		}
		bal, err := f.svc.ShopBalance(ctx, staff, bakery.ID)
		if err != nil || bal.OwedCents != 1000 || bal.OnStatementsCents != 1000 || bal.PaidCents != 0 {
			t.Fatalf("balance = %+v, %v", bal, err)
		}
		full, err := f.svc.Statement(ctx, staff, st.ID)
		if err != nil || len(full.Lines) != 1 || full.Lines[0].VoucherID != v.ID {
			t.Fatalf("statement = %+v, %v", full, err)
		}
		var csv bytes.Buffer
		if err := vouchers.WriteStatementCSV(&csv, full); err != nil || !strings.Contains(csv.String(), v.ID) || !strings.Contains(csv.String(), "10.00") {
			t.Fatalf("statement csv = %q, %v", csv.String(), err)
		}
		paid, _, err := f.svc.MarkPaid(ctx, admin, "pay-1", st.ID, "SEPA 2026-12-05 #1")
		if err != nil || paid.Status != vouchers.SettlementPaid {
			t.Fatalf("mark paid = %+v, %v", paid, err)
		}
		_, _, err = f.svc.MarkPaid(ctx, admin, "pay-2", st.ID, "SEPA again")
		testutil.WantReason(t, err, apperr.Conflict, "already_paid")
		if got := f.balance(wallet.ShopPaidAccount(bakery.ID)); got != 1000 {
			t.Fatalf("paid %d, want 1000", got)
		}
		if got := f.balance(wallet.ShopPayableAccount(bakery.ID)); got != 0 {
			t.Fatalf("payable %d, want 0", got)
		}

		u, err := f.svc.CampaignUptake(ctx, admin, camp.ID)
		if err != nil || u.ClaimedCount != 1 || u.RedemptionCount != 1 || u.RedeemedCents != 1000 || u.BudgetLeftCents != 9000 ||
			len(u.ByDistrict) != 1 || u.ByDistrict[0].Name != "centro" {
			t.Fatalf("uptake = %+v, %v", u, err)
		}
		od, err := f.svc.OpenStats(ctx)
		if err != nil || od.Licence != "CC-BY-4.0" || len(od.Campaigns) != 1 || od.Campaigns[0].RedeemedCents != 1000 {
			t.Fatalf("open stats = %+v, %v", od, err)
		}
		var ocsv bytes.Buffer
		if err := vouchers.WriteOpenCSV(&ocsv, od); err != nil || strings.Contains(ocsv.String(), alice.AccountID) || !strings.Contains(ocsv.String(), "CC-BY-4.0") ||
			!strings.Contains(ocsv.String(), ",district,centro,1,10.00,") || !strings.Contains(ocsv.String(), ",category,food,1,10.00,") {
			t.Fatalf("open csv = %q, %v", ocsv.String(), err)
		}

		entries, err := f.svc.AuditExport(ctx, admin, time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
			if e.Action == "voucher.redeem" && (e.IP != "192.0.2.7" || e.Device != "till-1" || e.ShopID != bakery.ID || e.ActorID != staff.AccountID) {
				t.Errorf("redeem audit entry %+v", e)
			}
		}
		for action, n := range map[string]int{"voucher.claim": 1, "voucher.redeem": 2, "voucher.reverse": 1, "voucher.settle.close": 1, "voucher.settle.pay": 1} {
			if actions[action] != n {
				t.Errorf("audit has %d %s, want %d (all: %v)", actions[action], action, n, actions)
			}
		}
		if _, err := f.svc.AuditExport(ctx, staff, time.Time{}, ""); !apperr.Has(err, apperr.Forbidden) {
			t.Errorf("merchant exported the audit log: %v", err)
		}

		items, err := f.svc.WalletItems(ctx, alice.AccountID)
		if err != nil || len(items) != 1 || items[0].Status != vouchers.VoucherUsed || items[0].HasQR {
			t.Fatalf("wallet items = %+v, %v", items, err)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)
		tok := f.token(citizen(1), v.ID)
		staff := merchant(shop.ID)
		for name, purchase := range map[string]int64{"negative": -100, "zero": 0, "huge": vouchers.MaxCents + 1} {
			_, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "k-"+name, vouchers.RedeemRequest{Code: tok, PurchaseCents: purchase})
			testutil.WantReason(t, err, apperr.Invalid, "purchase_amount")
		}
		_, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "", vouchers.RedeemRequest{Code: tok, PurchaseCents: 100})
		testutil.WantReason(t, err, apperr.Invalid, "idempotency_key_missing")
		_, err = f.svc.Claim(f.ctx, citizen(2), "cmp_nope")
		testutil.WantReason(t, err, apperr.NotFound, "campaign_not_found")
		_, err = f.svc.CreateShop(f.ctx, admin, vouchers.Shop{Name: "X", Address: "Y", District: "centro", Category: "food", IBAN: "IT00X0000000000000000000000"})
		testutil.WantReason(t, err, apperr.Invalid, "iban")
		_, err = f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Backwards", BudgetCents: 100, FaceValueCents: 10, PerCitizenLimit: 1, ValidFrom: start, ValidUntil: start.Add(-time.Hour)})
		testutil.WantReason(t, err, apperr.Invalid, "validity")
		_, err = f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Ghost shop", BudgetCents: 100, FaceValueCents: 10, PerCitizenLimit: 1, ValidFrom: start, ValidUntil: start.Add(time.Hour), ShopIDs: []string{"shp_ghost"}})
		testutil.WantReason(t, err, apperr.Invalid, "unknown_shop")
		_, err = f.svc.CreateCampaign(f.ctx, citizen(1), vouchers.Campaign{Name: "Mine", BudgetCents: 100, FaceValueCents: 10, PerCitizenLimit: 1, ValidFrom: start, ValidUntil: start.Add(time.Hour)})
		testutil.WantCode(t, err, apperr.Forbidden)
		if got := f.balance(wallet.CampaignHeldAccount(camp.ID)); got != 1000 {
			t.Fatalf("held %d after refused requests, want 1000", got)
		}
		cs, _ := f.svc.Campaigns(f.ctx)
		if len(cs) != 1 {
			t.Fatalf("%d campaigns after refused creations, want 1", len(cs))
		}
		// Paused: no new claims; closed: no redemptions.
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, camp.ID, vouchers.StatusPaused); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Claim(f.ctx, citizen(3), camp.ID)
		testutil.WantReason(t, err, apperr.Conflict, "campaign_not_open")
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, camp.ID, vouchers.StatusClosed); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.Redeem(f.ctx, staff, shop.ID, "k-closed", vouchers.RedeemRequest{Code: tok, PurchaseCents: 2000})
		testutil.WantReason(t, err, apperr.Conflict, "campaign_closed")
		_, err = f.svc.SetCampaignStatus(f.ctx, admin, camp.ID, vouchers.StatusOpen)
		testutil.WantReason(t, err, apperr.Conflict, "campaign_status")
	})
}

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
		_, err = f.svc.Statements(f.ctx, staffA, b.ID)
		testutil.WantCode(t, err, apperr.Forbidden)

		r, _, err := f.svc.Redeem(f.ctx, merchant(b.ID), b.ID, "x2", vouchers.RedeemRequest{Code: tok, PurchaseCents: 1500})
		if err != nil {
			t.Fatal(err)
		}
		// A cannot reverse B's redemption, even naming its own shop.
		_, _, err = f.svc.Reverse(f.ctx, staffA, a.ID, r.ID, "x3")
		testutil.WantReason(t, err, apperr.NotFound, "redemption_not_found")
		f.clock.Add(vouchers.ReversalWindow + time.Minute)
		st, _, err := f.svc.CloseSettlement(f.ctx, admin, "c1", b.ID, time.Time{})
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

func TestPartialAndPercentVouchers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		staff := merchant(shop.ID)
		part := f.campaign(vouchers.Campaign{Name: "In parti", BudgetCents: 10000, FaceValueCents: 2000, Mode: vouchers.ModePartial})
		v := f.claim(citizen(1), part.ID)
		for i, want := range []struct{ purchase, amount, left int64 }{{700, 700, 1300}, {1000, 1000, 300}, {900, 300, 0}} {
			r, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, fmt.Sprintf("p%d", i), vouchers.RedeemRequest{Code: f.token(citizen(1), v.ID), PurchaseCents: want.purchase})
			if err != nil || r.AmountCents != want.amount {
				t.Fatalf("part %d: %+v, %v", i, r, err)
			}
			mine, _ := f.svc.MyVoucher(f.ctx, citizen(1), v.ID)
			if mine.RemainingCents != want.left {
				t.Fatalf("part %d: remaining %d, want %d", i, mine.RemainingCents, want.left)
			}
		}
		pct := f.campaign(vouchers.Campaign{Name: "Venti per cento", BudgetCents: 10000, FaceValueCents: 1500, PercentOff: 20})
		w := f.claim(citizen(1), pct.ID)
		r, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "pct", vouchers.RedeemRequest{Code: w.TypedCode, PurchaseCents: 4999})
		if err != nil || r.AmountCents != 999 {
			t.Fatalf("percent redemption %+v, %v", r, err)
		}
	})
}

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
				st, _, err := f.svc.CloseSettlement(f.ctx, admin, fmt.Sprintf("s%d", step), shop.ID, time.Time{})
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

var _ = errors.New
