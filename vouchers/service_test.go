package vouchers_test

import (
	"bytes"
	stdcsv "encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/money"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

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
		// A district typed as people name it is read as its code.
		for district, want := range map[string]int{" Centro": 1, "Rione Trescene": 0, "?": 0} {
			if shops, err := f.svc.ShopsFor(ctx, camp.ID, district); err != nil || len(shops) != want {
				t.Fatalf("shops for campaign in %q = %+v, %v", district, shops, err)
			}
		}
		// A draft's shops are no one's to read but its administrators'.
		draft, err := f.svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "In preparazione", BudgetCents: 1000, FaceValueCents: 500, PerCitizenLimit: 1,
			ValidFrom: camp.ValidFrom, ValidUntil: camp.ValidUntil})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ShopsFor(ctx, draft.ID, "")
		testutil.WantReason(t, err, apperr.NotFound, "campaign_not_found")
		_, err = f.svc.Claim(ctx, alice, draft.ID)
		testutil.WantReason(t, err, apperr.NotFound, "campaign_not_found")

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
		_, _, err = f.svc.CloseSettlement(ctx, admin, "close-0", bakery.ID, nil)
		testutil.WantReason(t, err, apperr.Conflict, "nothing_to_settle")
		f.clock.Add(vouchers.ReversalWindow + time.Minute)
		due, err := f.svc.DueSettlement(ctx, admin, bakery.ID)
		if err != nil || due.Count != 1 || due.TotalCents != 1000 || due.RecentCount != 0 || !due.PeriodEnd.Equal(f.clock.Now().Add(-vouchers.ReversalWindow)) {
			t.Fatalf("due = %+v, %v", due, err)
		}
		_, _, err = f.svc.Reverse(ctx, staff, bakery.ID, r3.ID, "rev-late")
		testutil.WantReason(t, err, apperr.Conflict, "reversal_window_passed")
		st, _, err := f.svc.CloseSettlement(ctx, admin, "close-1", bakery.ID, nil)
		if err != nil || st.Count != 1 || st.TotalCents != 1000 || st.Status != vouchers.SettlementClosed {
			t.Fatalf("close settlement = %+v, %v", st, err)
		}
		if again, replayed, err := f.svc.CloseSettlement(ctx, admin, "close-1", bakery.ID, nil); err != nil || !replayed || again.ID != st.ID {
			t.Fatalf("close replay = %+v %v %v", again, replayed, err)
		}
		_, _, err = f.svc.CloseSettlement(ctx, admin, "close-2", bakery.ID, nil)
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
		// Its times are the shop's (docs/vouchers.md): the city's zone with
		// its offset, to the second, for a spreadsheet.
		rome, _ := time.LoadLocation("Europe/Rome")
		if local := full.Lines[0].At.In(rome).Format("2006-01-02T15:04:05-07:00"); !strings.HasSuffix(local, "+01:00") ||
			!strings.Contains(csv.String(), ","+local+",10.00") {
			t.Fatalf("statement csv = %q, want the line's time %s", csv.String(), local)
		}
		// Every row is a redemption: the amount column (the eighth) sums
		// to the statement's total, as a spreadsheet's SUM of it would.
		rows, err := stdcsv.NewReader(&csv).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var sum money.Cents
		for _, row := range rows[1:] {
			c, err := money.Parse(row[7])
			if err != nil {
				t.Fatalf("amount %q: %v", row[7], err)
			}
			sum += c
		}
		if sum != money.Cents(full.TotalCents) || len(rows)-1 != full.Count {
			t.Fatalf("the CSV's %d rows sum to %s; the statement is %d for %d cents:\n%v", len(rows)-1, sum.Decimal(), full.Count, full.TotalCents, rows)
		}
		// A reference is counted in characters, as the form counts them.
		_, _, err = f.svc.MarkPaid(ctx, admin, "pay-0", st.ID, strings.Repeat("è", 201))
		testutil.WantReason(t, err, apperr.Invalid, "payment_ref")
		if _, _, err := f.svc.MarkPaid(ctx, admin, "pay-0c", st.ID, "   "); apperr.ReasonOf(err) != "payment_ref" {
			t.Fatalf("a blank payment reference: %v", err)
		}
		_, _, err = f.svc.MarkPaid(ctx, admin, "pay-0b", st.ID, "SEPA\n1")
		testutil.WantReason(t, err, apperr.Invalid, "payment_ref")
		paid, _, err := f.svc.MarkPaid(ctx, admin, "pay-1", st.ID, strings.Repeat("è", 150))
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
		// A paid statement is no longer owed on a statement.
		if bal, err := f.svc.ShopBalance(ctx, staff, bakery.ID); err != nil || bal.OnStatementsCents != 0 || bal.PaidCents != 1000 {
			t.Fatalf("balance once paid = %+v, %v", bal, err)
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

		page, err := f.svc.Audit(ctx, admin, vouchers.AuditQuery{})
		if err != nil || page.Next != "" {
			t.Fatalf("audit page %+v, %v", page, err)
		}
		actions := map[string]int{}
		for _, e := range page.Entries {
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
		if _, err := f.svc.Audit(ctx, staff, vouchers.AuditQuery{}); !apperr.Has(err, apperr.Forbidden) {
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
		_, err = f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Forever", BudgetCents: 100, FaceValueCents: 10, PerCitizenLimit: 1, ValidFrom: start,
			ValidUntil: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)})
		testutil.WantReason(t, err, apperr.Invalid, "validity")
		_, err = f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Ghost shop", BudgetCents: 100, FaceValueCents: 10, PerCitizenLimit: 1, ValidFrom: start, ValidUntil: start.Add(time.Hour), ShopIDs: []string{"shp_ghost"}})
		testutil.WantReason(t, err, apperr.Invalid, "unknown_shop")
		// A campaign nobody could ever use: over before it starts, or for a
		// district or category no shop is in.
		_, err = f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Last year", BudgetCents: 100, FaceValueCents: 10, PerCitizenLimit: 1, ValidFrom: start.Add(-48 * time.Hour), ValidUntil: start})
		testutil.WantReason(t, err, apperr.Invalid, "validity_over")
		_, err = f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Typo", BudgetCents: 100, FaceValueCents: 10, PerCitizenLimit: 1, ValidFrom: start, ValidUntil: start.Add(time.Hour), Districts: []string{"centro", "cento"}})
		testutil.WantReason(t, err, apperr.Invalid, "no_shop_in_district")
		_, err = f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Typo", BudgetCents: 100, FaceValueCents: 10, PerCitizenLimit: 1, ValidFrom: start, ValidUntil: start.Add(time.Hour), Categories: []string{"books"}})
		testutil.WantReason(t, err, apperr.Invalid, "no_shop_in_category")
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

// A draft campaign can be changed, except its budget (funded when it was
// created): another budget is refused, not silently kept, and a refused
// change changes nothing. An open campaign cannot be changed.
func TestUpdateDraftCampaign(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		f.shop("Forno", "centro", "food")
		draft, err := f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: "Natale", BudgetCents: 5000, FaceValueCents: 1000, PerCitizenLimit: 1,
			ValidFrom: start, ValidUntil: start.Add(30 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		edit := draft
		edit.Name, edit.Districts = "Natale in centro", []string{"centro"}
		got, err := f.svc.UpdateCampaign(f.ctx, admin, edit)
		if err != nil || got.Name != "Natale in centro" || got.BudgetCents != 5000 {
			t.Fatalf("update: %+v, %v", got, err)
		}
		edit.BudgetCents = 0 // not given: kept
		if got, err = f.svc.UpdateCampaign(f.ctx, admin, edit); err != nil || got.BudgetCents != 5000 {
			t.Fatalf("update without a budget: %+v, %v", got, err)
		}
		for reason, change := range map[string]func(c *vouchers.Campaign){
			"budget_fixed": func(c *vouchers.Campaign) { c.BudgetCents = 9000 },
			"validity_over": func(c *vouchers.Campaign) {
				c.ValidFrom, c.ValidUntil = start.Add(-48*time.Hour), start.Add(-time.Hour)
			},
			"no_shop_in_district": func(c *vouchers.Campaign) { c.Districts = []string{"pacevecchia"} },
			"no_shop_in_category": func(c *vouchers.Campaign) { c.Categories = []string{"books"} },
		} {
			bad := edit
			bad.Name = "Changed"
			change(&bad)
			_, err := f.svc.UpdateCampaign(f.ctx, admin, bad)
			testutil.WantReason(t, err, apperr.Invalid, reason)
		}
		now, err := f.svc.Campaign(f.ctx, draft.ID)
		if err != nil || now.Name != "Natale in centro" || now.BudgetCents != 5000 || f.balance(wallet.CampaignBudgetAccount(draft.ID)) != 5000 {
			t.Fatalf("after refused changes: %+v, %v", now, err)
		}
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, draft.ID, vouchers.StatusOpen); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.UpdateCampaign(f.ctx, admin, edit)
		testutil.WantReason(t, err, apperr.Conflict, "campaign_not_draft")
	})
}
