package vouchers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// batchCall is one redemption of TestRedemptionsThatArriveTogetherAreBatched.
type batchCall struct {
	staff   identity.Caller
	shop    string
	key     string
	voucher int // index into the test's vouchers
	amount  int64
	// want: "" for a new redemption, "replayed", or the refusal's reason.
	want string
	// sameAs: a replay's first answer, by call index.
	sameAs int
}

// Redemptions that queue while another is written go together in the next
// batches, and each gets the answer it would have had alone: the
// successes, a used voucher, a voucher or key twice in one batch (the
// second runs after it), a replay and a reused key, a missing shop, a
// purchase below the minimum. The money, the vouchers and the audit entries
// (each with its own till's origin) are as if they had run one by one, and
// the ledger check passes.
func TestRedemptionsThatArriveTogetherAreBatched(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 40 * 1000, FaceValueCents: 1000, MinSpendCents: 500, PerCitizenLimit: 1})
		tokens := make([]string, 34)
		for i := range tokens {
			v := f.claim(citizen(i), camp.ID)
			tokens[i] = f.token(citizen(i), v.ID)
		}
		staff := merchant(shop.ID)
		calls := []batchCall{{staff: staff, shop: shop.ID, key: "k0", voucher: 0, amount: 1500}} // the first, alone
		// The first batch: 32 calls.
		for i := 1; i <= 24; i++ {
			calls = append(calls, batchCall{staff: staff, shop: shop.ID, key: fmt.Sprint("k", i), voucher: i, amount: 1500})
		}
		calls = append(calls,
			batchCall{staff: staff, shop: shop.ID, key: "k25", voucher: 0, amount: 1500, want: "voucher_used"},
			batchCall{staff: staff, shop: shop.ID, key: "k26", voucher: 25, amount: 1500},
			batchCall{staff: staff, shop: shop.ID, key: "k27", voucher: 25, amount: 1500, want: "voucher_used"}, // runs after
			batchCall{staff: staff, shop: shop.ID, key: "k0", voucher: 0, amount: 1500, want: "replayed", sameAs: 0},
			batchCall{staff: staff, shop: shop.ID, key: "k1", voucher: 33, amount: 1500, want: "idempotency_key_reused"}, // runs after
			batchCall{staff: staff, shop: shop.ID, key: "k0", voucher: 0, amount: 1600, want: "idempotency_key_reused"},
			batchCall{staff: merchant("shop_gone"), shop: "shop_gone", key: "k31", voucher: 26, amount: 1500, want: "shop_not_found"},
			batchCall{staff: staff, shop: shop.ID, key: "k32", voucher: 26, amount: 400, want: "below_min_spend"},
		)
		// The second batch.
		for i := 27; i < 33; i++ {
			calls = append(calls, batchCall{staff: staff, shop: shop.ID, key: fmt.Sprint("k", i+6), voucher: i, amount: 1500})
		}
		type result struct {
			r        vouchers.Redemption
			replayed bool
			err      error
		}
		got := make([]result, len(calls))
		started, queued := vouchers.HoldRedemptionBatches(f.svc, len(calls)-1)
		var wg sync.WaitGroup
		run := func(i int) {
			defer wg.Done()
			c := calls[i]
			ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.7", Device: fmt.Sprint("till-", i)})
			got[i].r, got[i].replayed, got[i].err = f.svc.Redeem(ctx, c.staff, c.shop, c.key, vouchers.RedeemRequest{Code: tokens[c.voucher], PurchaseCents: c.amount})
		}
		wg.Add(1)
		go run(0)
		<-queued
		<-started
		for i := 1; i < len(calls); i++ {
			wg.Add(1)
			go run(i)
			if q := <-queued; q != i { // in this order
				t.Fatalf("call %d queued as %d", i, q)
			}
		}
		wg.Wait()

		var paid int64
		for i, c := range calls {
			g := got[i]
			switch c.want {
			case "":
				if g.err != nil || g.replayed || g.r.AmountCents != 1000 || g.r.ShopID != shop.ID || g.r.Device != fmt.Sprint("till-", i) {
					t.Errorf("call %d: %+v, replayed %v, %v; want a new redemption of 1000 by till-%d", i, g.r, g.replayed, g.err, i)
				}
				paid += g.r.AmountCents
			case "replayed":
				if g.err != nil || !g.replayed || g.r != got[c.sameAs].r {
					t.Errorf("call %d: %+v, replayed %v, %v; want call %d's %+v replayed", i, g.r, g.replayed, g.err, c.sameAs, got[c.sameAs].r)
				}
			default:
				if apperr.ReasonOf(g.err) != c.want {
					t.Errorf("call %d: %+v, %v; want %s", i, g.r, g.err, c.want)
				}
			}
		}
		st := f.svc.RedemptionBatches()
		if st.Batches != 2 || st.Redemptions != 25+6 || st.Fallbacks != 0 {
			t.Errorf("batches %+v, want 2 batches of 31 redemptions and no fallback", st)
		}
		if p := f.balance(wallet.ShopPayableAccount(shop.ID)); p != paid || paid != 32*1000 {
			t.Errorf("shop payable %d, redeemed %d; want 32,000", p, paid)
		}
		if h := f.balance(wallet.CampaignHeldAccount(camp.ID)); h != 2*1000 { // vouchers 26 and 33
			t.Errorf("campaign held %d, want 2,000", h)
		}
		entries, err := f.svc.Audit(f.ctx, admin, vouchers.AuditQuery{ShopID: shop.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		devices := map[string]string{}
		for _, e := range entries.Entries {
			if e.Action == "voucher.redeem" {
				devices[fmt.Sprint(e.Detail["redemption_id"])] = e.Device
			}
		}
		for i, c := range calls {
			if c.want == "" && devices[got[i].r.ID] != fmt.Sprint("till-", i) {
				t.Errorf("call %d: audit entry's device %q, want till-%d", i, devices[got[i].r.ID], i)
			}
		}
		if len(devices) != 32 {
			t.Errorf("%d redemptions audited, want 32", len(devices))
		}
		if c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx); err != nil || !c.OK() {
			t.Fatalf("ledger check: %+v %v", c, err)
		}
	})
}

// A batch that cannot be written as asked fails whole and writes nothing,
// and its redemptions then run one by one: here a shop's payable account
// was given a floor, which a batch's postings, locking nothing, must not
// post to. Every redemption still succeeds, by the path that locks and
// checks floors.
func TestRedemptionBatchThatFailsRunsAlone(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	shop := f.shop("Forno", "centro", "food")
	camp := f.campaign(vouchers.Campaign{BudgetCents: 10 * 1000, FaceValueCents: 1000, PerCitizenLimit: 1})
	const n = 9
	tokens := make([]string, n)
	for i := range tokens {
		v := f.claim(citizen(i), camp.ID)
		tokens[i] = f.token(citizen(i), v.ID)
	}
	if _, err := db.Pool().Exec(f.ctx, `UPDATE ledger_accounts SET floor = 0 WHERE id = $1`, string(wallet.ShopPayableAccount(shop.ID))); err != nil {
		t.Fatal(err)
	}
	started, queued := vouchers.HoldRedemptionBatches(f.svc, n-1)
	errs := make([]error, n)
	var wg sync.WaitGroup
	run := func(i int) {
		defer wg.Done()
		_, _, errs[i] = f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, fmt.Sprint("k", i), vouchers.RedeemRequest{Code: tokens[i], PurchaseCents: 1500})
	}
	wg.Add(1)
	go run(0)
	<-queued
	<-started
	for i := 1; i < n; i++ {
		wg.Add(1)
		go run(i)
		<-queued
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("redemption %d: %v", i, err)
		}
	}
	if st := f.svc.RedemptionBatches(); st.Fallbacks != 1 || st.Batches != 0 {
		t.Errorf("batches %+v, want one that failed and none written", st)
	}
	if p := f.balance(wallet.ShopPayableAccount(shop.ID)); p != n*1000 {
		t.Errorf("shop payable %d, want %d", p, n*1000)
	}
	if c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx); err != nil || !c.OK() {
		t.Fatalf("ledger check: %+v %v", c, err)
	}
}

// Two hubs on one database redeem parts of the same partial vouchers at
// four shops at once, many tills, with retries of the same request sent to
// the other hub meanwhile: batches of the two hubs lock the same vouchers
// and claim the same keys. No voucher gives more than its value, every
// retry gets its first request's redemption, every redemption is written
// once with its money, and the ledger check passes.
func TestBatchedRedemptionsRaceAcrossHubs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		other := vouchers.NewService(db.Vouchers(), f.keys, storetest.Logger(t))
		other.SetClock(f.clock.Now)
		hubs := []*vouchers.Service{f.svc, other}
		var shops []vouchers.Shop
		for i := range 4 {
			shops = append(shops, f.shop(fmt.Sprint("Bottega ", i), "centro", "food"))
		}
		const nv = 24
		camp := f.campaign(vouchers.Campaign{BudgetCents: nv * 1000, FaceValueCents: 1000, Mode: vouchers.ModePartial, PerCitizenLimit: 1})
		ids, tokens := make([]string, nv), make([]string, nv)
		for i := range nv {
			v := f.claim(citizen(i), camp.ID)
			ids[i], tokens[i] = v.ID, f.token(citizen(i), v.ID)
		}
		// 192 requests, each sent twice at once, to the two hubs: a till
		// that retried on another connection.
		type req struct {
			shop    vouchers.Shop
			voucher int
			key     string
			amount  int64
		}
		var reqs []req
		for i := range 192 {
			reqs = append(reqs, req{shop: shops[i%4], voucher: (i * 7) % nv, key: fmt.Sprint("race-", i), amount: int64(150 + (i*37)%300)})
		}
		type result struct {
			r        vouchers.Redemption
			replayed bool
			err      error
		}
		got := make([][2]result, len(reqs))
		var wg sync.WaitGroup
		for i, q := range reqs {
			for copy := range 2 {
				wg.Go(func() {
					hub := hubs[(i+copy)%2]
					r, replayed, err := hub.Redeem(f.ctx, merchant(q.shop.ID), q.shop.ID, q.key, vouchers.RedeemRequest{Code: tokens[q.voucher], PurchaseCents: q.amount})
					got[i][copy] = result{r, replayed, err}
				})
			}
		}
		wg.Wait()

		spent, answered := make([]int64, nv), make([]int, nv)
		paid := map[string]int64{}
		redemptions := 0
		for i, q := range reqs {
			a, b := got[i][0], got[i][1]
			if (a.err == nil) != (b.err == nil) {
				t.Errorf("request %d: the two copies disagree: %+v / %+v", i, a, b)
				continue
			}
			if a.err != nil {
				if apperr.ReasonOf(a.err) != "voucher_used" || apperr.ReasonOf(b.err) != "voucher_used" {
					t.Errorf("request %d: %v / %v", i, a.err, b.err)
				}
				continue
			}
			if a.r != b.r || a.replayed == b.replayed {
				t.Errorf("request %d: %+v (replayed %v) / %+v (replayed %v); want one redemption, once replayed", i, a.r, a.replayed, b.r, b.replayed)
			}
			if a.r.AmountCents <= 0 || a.r.AmountCents > q.amount || a.r.VoucherID != ids[q.voucher] {
				t.Errorf("request %d: %+v", i, a.r)
			}
			spent[q.voucher] += a.r.AmountCents
			paid[q.shop.ID] += a.r.AmountCents
			answered[q.voucher]++
			redemptions++
		}
		for i, id := range ids {
			v, err := f.svc.MyVoucher(f.ctx, citizen(i), id)
			if err != nil {
				t.Fatal(err)
			}
			if spent[i]+v.RemainingCents != 1000 {
				t.Errorf("voucher %d: %d spent and %d left of 1000", i, spent[i], v.RemainingCents)
			}
			if len(v.Redemptions) != answered[i] {
				t.Errorf("voucher %d: %d redemptions written, %d answered", i, len(v.Redemptions), answered[i])
			}
		}
		for _, s := range shops {
			if p := f.balance(wallet.ShopPayableAccount(s.ID)); p != paid[s.ID] {
				t.Errorf("shop %s: payable %d, redeemed %d", s.Name, p, paid[s.ID])
			}
		}
		if redemptions == 0 {
			t.Fatal("no redemption succeeded")
		}
		if c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx); err != nil || !c.OK() {
			t.Fatalf("ledger check: %+v %v", c, err)
		}
		t.Logf("%d redemptions; batches: %+v and %+v", redemptions, f.svc.RedemptionBatches(), other.RedemptionBatches())
	})
}
