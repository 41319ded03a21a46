package vouchers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/postgres"
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
	// typed: the voucher's typed code instead of its token; -1 as voucher
	// with typed: a code no voucher has.
	typed  bool
	amount int64
	// want: "" for a new redemption, "replayed", or the refusal's reason.
	want string
	// sameAs: a replay's first answer, by call index.
	sameAs int
}

// Redemptions that queue while another is written go together in the next
// batches, and each gets the answer it would have had alone: the
// successes, a used voucher, a voucher or key twice in one batch (the
// second runs after it), a replay and a reused key, a missing shop, a
// purchase below the minimum, typed codes (one of them no voucher's, and
// one whose voucher is also scanned in the batch). The money, the vouchers and the audit entries
// (each with its own till's origin) are as if they had run one by one, and
// the ledger check passes.
func TestRedemptionsThatArriveTogetherAreBatched(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 40 * 1000, FaceValueCents: 1000, MinSpendCents: 500, PerCitizenLimit: 1})
		tokens, typed := make([]string, 37), make([]string, 37)
		for i := range tokens {
			v := f.claim(citizen(i), camp.ID)
			tokens[i], typed[i] = f.token(citizen(i), v.ID), v.TypedCode
		}
		nobody, _ := qrtoken.NewCode()
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
			batchCall{staff: staff, shop: shop.ID, key: "k0", voucher: 0, amount: 1600, want: "idempotency_key_reused"},
			batchCall{staff: staff, shop: shop.ID, key: "k1", voucher: 33, amount: 1500, want: "idempotency_key_reused"}, // runs after
			batchCall{staff: staff, shop: shop.ID, key: "k0", voucher: 0, amount: 1500, want: "replayed", sameAs: 0},     // runs after
			batchCall{staff: merchant("shop_gone"), shop: "shop_gone", key: "k31", voucher: 26, amount: 1500, want: "shop_not_found"},
			batchCall{staff: staff, shop: shop.ID, key: "k32", voucher: 26, amount: 400, want: "below_min_spend"},
		)
		// The second batch.
		for i := 27; i < 33; i++ {
			calls = append(calls, batchCall{staff: staff, shop: shop.ID, key: fmt.Sprint("k", i+6), voucher: i, amount: 1500})
		}
		calls = append(calls,
			batchCall{staff: staff, shop: shop.ID, key: "t1", voucher: 34, typed: true, amount: 1500},
			batchCall{staff: staff, shop: shop.ID, key: "t2", voucher: 34, amount: 1500, want: "voucher_used"}, // runs after
			batchCall{staff: staff, shop: shop.ID, key: "t3", voucher: -1, typed: true, amount: 1500, want: "code_unknown"},
			batchCall{staff: staff, shop: shop.ID, key: "t4", voucher: 35, typed: true, amount: 1500},
		)
		type result struct {
			r        vouchers.Redemption
			replayed bool
			err      error
		}
		got := make([]result, len(calls))
		pendingBefore := pendingLedger(t, f)
		codeOf := func(c batchCall) string {
			switch {
			case c.voucher < 0:
				return nobody
			case c.typed:
				return typed[c.voucher]
			}
			return tokens[c.voucher]
		}
		started, queued := vouchers.HoldRedemptionBatches(f.svc, len(calls)-1)
		var wg sync.WaitGroup
		run := func(i int) {
			defer wg.Done()
			c := calls[i]
			ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.7", Device: fmt.Sprint("till-", i)})
			got[i].r, got[i].replayed, got[i].err = f.svc.Redeem(ctx, c.staff, c.shop, c.key, vouchers.RedeemRequest{Code: codeOf(c), PurchaseCents: c.amount})
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
		// The batches decided 29 and 9 of their 32 and 10 (the others ran
		// after them), 25 and 8 of them new redemptions.
		if st.Batches != 2 || st.Redemptions != 29+9 || st.Fallbacks != 0 {
			t.Errorf("batches %+v, want 2 batches of 38 redemptions and no fallback", st)
		}
		// The split of the batches' time: each transaction read, judged and
		// wrote within the time it was busy.
		if st.Attempts < 2 || st.Read <= 0 || st.Write <= 0 || st.Judge <= 0 || st.Read+st.Judge+st.Write > st.Busy {
			t.Errorf("batches %+v: want at least 2 attempts whose read, judging and write are each timed and within Busy", st)
		}
		if p := f.balance(wallet.ShopPayableAccount(shop.ID)); p != paid || paid != 34*1000 {
			t.Errorf("shop payable %d, redeemed %d; want 34,000", p, paid)
		}
		if h := f.balance(wallet.CampaignHeldAccount(camp.ID)); h != 3*1000 { // vouchers 26, 33 and 36
			t.Errorf("campaign held %d, want 3,000", h)
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
		if len(devices) != 34 {
			t.Errorf("%d redemptions audited, want 34", len(devices))
		}
		if c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx); err != nil || !c.OK() {
			t.Fatalf("ledger check: %+v %v", c, err)
		}
		// On PostgreSQL the 34 redemptions' entries wait to be rolled up
		// (SQLite moves every balance at once): the first redemption's two
		// in a row each, and each batch's in a row per account, the
		// campaign's held value and the shop's payable.
		pending := pendingLedger(t, f)
		waiting, rows := pending.entries-pendingBefore.entries, pending.rows-pendingBefore.rows
		if _, pg := db.(*postgres.DB); pg && (waiting != 2*34 || rows != 2+2*2) {
			t.Errorf("%d entries pending in %d rows, want 68 in 6", waiting, rows)
		} else if !pg && waiting != 0 {
			t.Errorf("%d entries pending on SQLite, want none", waiting)
		}

		// The batches kept their refusals with their keys: once the first
		// redemption is reversed, its voucher could be redeemed again, but
		// a retry of the request refused for it used is refused again
		// alike, as are the other refusals' retries, and nothing is
		// redeemed.
		if _, _, err := f.svc.Reverse(f.ctx, staff, shop.ID, got[0].r.ID, "undo-k0"); err != nil {
			t.Fatalf("reverse the first redemption: %v", err)
		}
		for i, c := range calls {
			if c.want == "" || c.want == "replayed" || c.want == "idempotency_key_reused" || c.key == "k27" || c.key == "t2" {
				continue // k27 and t2 ran alone after their batch, as alone
			}
			r, replayed, err := f.svc.Redeem(f.ctx, c.staff, c.shop, c.key, vouchers.RedeemRequest{Code: codeOf(c), PurchaseCents: c.amount})
			if !replayed || apperr.ReasonOf(err) != c.want || apperr.MessageOf(err) != apperr.MessageOf(got[i].err) || r.ID != "" {
				t.Errorf("retry of call %d: %+v, replayed %v, %v; want its first refusal %v again", i, r, replayed, err, got[i].err)
			}
		}
		if st := f.svc.RedemptionBatches(); st.Fallbacks != 0 {
			t.Errorf("batches %+v: a batch that kept refusals fell back", st)
		}
	})
}

// ledgerPending is how many ledger entries wait to be rolled up, as the
// ledger check counts them, and on PostgreSQL in how many rows.
type ledgerPending struct{ entries, rows int64 }

func pendingLedger(t *testing.T, f *fixture) ledgerPending {
	t.Helper()
	c, err := wallet.NewService(f.db.Wallet(), storetest.Logger(t)).Check(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := ledgerPending{entries: c.Pending}
	if db, ok := f.db.(*postgres.DB); ok {
		if err := db.Pool().QueryRow(f.ctx, `SELECT count(*) FROM ledger_pending`).Scan(&p.rows); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// redeemBehindOne redeems each of tokens at the shop (key "k" and its
// place, a purchase of 15 €): the first alone, held as it starts, and the
// others queued behind it, so that they make the next batch together.
// It returns once all are queued (which ends the hold); wait returns each
// redemption's error once all have answered.
func redeemBehindOne(f *fixture, shopID string, tokens []string) (wait func() []error) {
	started, queued := vouchers.HoldRedemptionBatches(f.svc, len(tokens)-1)
	errs := make([]error, len(tokens))
	var wg sync.WaitGroup
	run := func(i int) {
		defer wg.Done()
		_, _, errs[i] = f.svc.Redeem(f.ctx, merchant(shopID), shopID, fmt.Sprint("k", i), vouchers.RedeemRequest{Code: tokens[i], PurchaseCents: 1500})
	}
	wg.Add(1)
	go run(0)
	<-queued
	<-started
	for i := 1; i < len(tokens); i++ {
		wg.Add(1)
		go run(i)
		<-queued
	}
	return func() []error {
		wg.Wait()
		return errs
	}
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
	errs := redeemBehindOne(f, shop.ID, tokens)()
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

// A key committed by another transaction after a batch read it as free
// (the batch's insert of the key waits for that transaction, then fails
// on the key): the batch writes nothing and runs one by one, where the
// key's request gets the key's answer (here another request's, so 409
// idempotency_key_reused) and redeems nothing, and the others redeem once.
func TestRedemptionBatchLosesAKeyCommittedMeanwhile(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	shop := f.shop("Forno", "centro", "food")
	camp := f.campaign(vouchers.Campaign{BudgetCents: 10 * 1000, FaceValueCents: 1000, PerCitizenLimit: 1})
	const n, raced = 5, 3
	tokens := make([]string, n)
	for i := range tokens {
		v := f.claim(citizen(i), camp.ID)
		tokens[i] = f.token(citizen(i), v.ID)
	}
	other, err := db.Pool().Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(f.ctx)
	if _, err := other.Exec(f.ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, status, response) VALUES ($1, 'k3', 'another request', 1, '{}')`,
		"voucher.redeem:"+shop.ID); err != nil {
		t.Fatal(err)
	}

	wait := redeemBehindOne(f, shop.ID, tokens)
	// The batch of the four queued waits on the other transaction's key.
	waiting := func() bool {
		var waiters int
		if err := other.QueryRow(f.ctx, `SELECT count(*) FROM pg_locks w JOIN pg_locks mine
			ON mine.pid = pg_backend_pid() AND mine.locktype = 'transactionid' AND mine.granted
			WHERE w.locktype = 'transactionid' AND NOT w.granted AND w.transactionid = mine.transactionid`).Scan(&waiters); err != nil {
			t.Fatal(err)
		}
		return waiters > 0
	}
	testutil.Eventually(t, 30*time.Second, "the batch to wait on the other transaction's key", waiting)
	if err := other.Commit(f.ctx); err != nil {
		t.Fatal(err)
	}
	errs := wait()
	for i, err := range errs {
		switch {
		case i == raced && apperr.ReasonOf(err) != "idempotency_key_reused":
			t.Errorf("the raced key's redemption: %v, want idempotency_key_reused", err)
		case i != raced && err != nil:
			t.Errorf("redemption %d: %v", i, err)
		}
	}
	if st := f.svc.RedemptionBatches(); st.Fallbacks != 1 || st.Batches != 0 {
		t.Errorf("batches %+v, want one that failed and none written", st)
	}
	if p := f.balance(wallet.ShopPayableAccount(shop.ID)); p != (n-1)*1000 {
		t.Errorf("shop payable %d, want %d", p, (n-1)*1000)
	}
	if c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx); err != nil || !c.OK() {
		t.Fatalf("ledger check: %+v %v", c, err)
	}
}

// Two hubs on one database redeem parts of the same partial vouchers at
// four shops at once, many tills, scanned and typed, with retries of the same request sent to
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
		ids, tokens, typed := make([]string, nv), make([]string, nv), make([]string, nv)
		for i := range nv {
			v := f.claim(citizen(i), camp.ID)
			ids[i], tokens[i], typed[i] = v.ID, f.token(citizen(i), v.ID), v.TypedCode
		}
		// 192 requests, each sent twice at once, to the two hubs: a till
		// that retried on another connection. One in three types the code.
		// Every copy gets its request's one answer, a refusal too.
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
					code := tokens[q.voucher]
					if i%3 == 0 {
						code = typed[q.voucher]
					}
					r, replayed, err := hub.Redeem(f.ctx, merchant(q.shop.ID), q.shop.ID, q.key, vouchers.RedeemRequest{Code: code, PurchaseCents: q.amount})
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
				// A refusal is kept with its key: the copy that came second
				// waited for the first (on the voucher's lock) and got its
				// refusal again, replayed.
				if apperr.ReasonOf(a.err) != "voucher_used" || apperr.ReasonOf(b.err) != "voucher_used" || a.replayed == b.replayed {
					t.Errorf("request %d: %v (replayed %v) / %v (replayed %v); want one refusal, once replayed", i, a.err, a.replayed, b.err, b.replayed)
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

// Typed codes guessed in one batch are limited as guesses one by one are:
// at one shop, the first 20 wrong codes are unknown, and from then on every
// code is refused, a right one too; the failures are counted, so the next
// code after the batch is refused as well.
func TestTypedCodeGuessesInABatchAreLimited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000, PerCitizenLimit: 1})
		right := f.claim(citizen(1), camp.ID).TypedCode
		staff := merchant(shop.ID)
		const guesses = vouchers.MaxCodeFailuresPerShop + 5
		codes := make([]string, guesses+1)
		for i := range guesses {
			codes[i], _ = qrtoken.NewCode()
		}
		codes[guesses] = right
		errs := make([]error, len(codes))
		first, _ := qrtoken.NewCode()
		started, queued := vouchers.HoldRedemptionBatches(f.svc, len(codes))
		var wg sync.WaitGroup
		wg.Go(func() {
			_, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "g-first", vouchers.RedeemRequest{Code: first, PurchaseCents: 1500})
			if apperr.ReasonOf(err) != "code_unknown" {
				t.Errorf("the first guess, alone: %v", err)
			}
		})
		<-queued
		<-started
		for i, code := range codes {
			wg.Go(func() {
				// Each from its own address: only the shop's count limits them.
				ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: fmt.Sprintf("198.51.100.%d", i+1), Device: "till-1"})
				_, _, errs[i] = f.svc.Redeem(ctx, staff, shop.ID, fmt.Sprint("g-", i), vouchers.RedeemRequest{Code: code, PurchaseCents: 1500})
			})
			if q := <-queued; q != i+1 {
				t.Fatalf("guess %d queued as %d", i, q)
			}
		}
		wg.Wait()
		for i, err := range errs {
			want := "code_unknown"
			if i >= vouchers.MaxCodeFailuresPerShop-1 { // the first guess, alone, was one
				want = "too_many_failed_codes"
			}
			if apperr.ReasonOf(err) != want {
				t.Errorf("guess %d: %v, want %s", i, err, want)
			}
		}
		if st := f.svc.RedemptionBatches(); st.Batches == 0 || st.Fallbacks != 0 {
			t.Errorf("batches %+v, want the guesses batched", st)
		}
		_, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "g-after", vouchers.RedeemRequest{Code: right, PurchaseCents: 1500})
		if apperr.ReasonOf(err) != "too_many_failed_codes" {
			t.Errorf("the right code after the batch: %v, want too_many_failed_codes", err)
		}
		f.clock.Add(vouchers.CodeFailureWindow + time.Second)
		if _, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "g-later", vouchers.RedeemRequest{Code: right, PurchaseCents: 1500}); err != nil {
			t.Errorf("the right code once the window passed: %v", err)
		}
	})
}

// A batch that waits for another transaction's lock on a voucher still
// finds that voucher once the lock is released, by its typed code as by its
// token, and judges it as the other transaction left it. The batch's first
// statement looked typed codes up through a common table expression, with
// which the server, on some plans, dropped a voucher changed while it
// waited: one run of TestLedgerInvariantsUnderConcurrentOperations was told
// code_unknown for a claimed voucher, and the same statement shape lost the
// row by hand in psql. The planner's choice on these few rows does not
// lose it, so this test holds the behaviour, not that plan.
func TestBatchFindsVouchersChangedWhileItWaited(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	shop := f.shop("Forno", "centro", "food")
	camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000, Mode: vouchers.ModePartial, PerCitizenLimit: 1})
	var ids, typed, tokens []string
	for i := range 3 {
		v := f.claim(citizen(i), camp.ID)
		ids, typed, tokens = append(ids, v.ID), append(typed, v.TypedCode), append(tokens, f.token(citizen(i), v.ID))
	}
	// Another transaction changes vouchers 1 and 2 and holds them.
	other, err := db.Pool().Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(f.ctx) //nolint:errcheck
	if _, err := other.Exec(f.ctx, `UPDATE vouchers SET remaining_cents = 900 WHERE id = ANY($1)`, ids[1:]); err != nil {
		t.Fatal(err)
	}
	staff := merchant(shop.ID)
	started, queued := vouchers.HoldRedemptionBatches(f.svc, 2)
	type result struct {
		r   vouchers.Redemption
		err error
	}
	got := make([]result, 3)
	var wg sync.WaitGroup
	redeem := func(i int, code string) {
		wg.Go(func() {
			got[i].r, _, got[i].err = f.svc.Redeem(f.ctx, staff, shop.ID, fmt.Sprint("k", i), vouchers.RedeemRequest{Code: code, PurchaseCents: 2000})
		})
	}
	redeem(0, tokens[0]) // alone
	<-queued
	<-started
	redeem(1, typed[1])
	<-queued
	redeem(2, tokens[2])
	<-queued
	testutil.Eventually(t, 10*time.Second, "the batch waits for the other transaction's lock", func() bool {
		var waiting int
		err := db.Pool().QueryRow(f.ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF v%'`).Scan(&waiting)
		return err == nil && waiting > 0
	})
	if err := other.Commit(f.ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, want := range []int64{1000, 900, 900} {
		if got[i].err != nil || got[i].r.AmountCents != want {
			t.Errorf("redemption %d: %+v %v; want %d taken", i, got[i].r, got[i].err, want)
		}
	}
	if st := f.svc.RedemptionBatches(); st.Batches != 1 || st.Redemptions != 2 {
		t.Errorf("batches %+v, want one of two", st)
	}
}
