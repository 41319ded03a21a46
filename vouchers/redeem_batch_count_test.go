package vouchers_test

import (
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// keyedCode is a redemption a till sends: its idempotency key and code.
type keyedCode struct{ key, code string }

// redeemTogether redeems first alone, held as it starts, and then rest
// queued behind it, so that they make the next batch together; it returns
// each one's reason (empty for a redemption, "replayed" for an answer
// replayed) once all have answered.
func redeemTogether(t *testing.T, f *fixture, shopID string, first keyedCode, rest ...keyedCode) []string {
	t.Helper()
	calls := append([]keyedCode{first}, rest...)
	started, queued := vouchers.HoldRedemptionBatches(f.svc, len(rest))
	got := make([]string, len(calls))
	var wg sync.WaitGroup
	run := func(i int) {
		_, replayed, err := f.svc.Redeem(f.ctx, merchant(shopID), shopID, calls[i].key, vouchers.RedeemRequest{Code: calls[i].code, PurchaseCents: 1500})
		switch {
		case err != nil && apperr.ReasonOf(err) == "":
			t.Errorf("redemption %d: %v", i, err)
		case err != nil:
			got[i] = apperr.ReasonOf(err)
		case replayed:
			got[i] = "replayed"
		}
	}
	wg.Go(func() { run(0) })
	<-queued
	<-started
	for i := 1; i < len(calls); i++ {
		wg.Go(func() { run(i) })
		<-queued
	}
	wg.Wait()
	return got
}

// The batch counts (/metrics) count the transactions that decided two or
// more redemptions together and the redemptions they decided, refusals and
// replays included: a batch is at least two. A batch of one runs alone and
// is none; so is a batch whose other requests run after it (a double press
// of one key, one voucher scanned at two tills). Where such a batch counted
// as one with the one redemption it wrote, and a batch of refusals counted
// none: two batches could count one redemption.
func TestRedemptionBatchCounts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10 * 1000, FaceValueCents: 1000, PerCitizenLimit: 1})
		tokens := make([]string, 7)
		for i := range tokens {
			tokens[i] = f.token(citizen(i), f.claim(citizen(i), camp.ID).ID)
		}
		want := func(what string, got []string, reasons []string, batches, redemptions int64) {
			t.Helper()
			for i := range reasons {
				if got[i] != reasons[i] {
					t.Errorf("%s: redemption %d answered %q, want %q", what, i, got[i], reasons[i])
				}
			}
			if st := f.svc.RedemptionBatches(); st.Batches != batches || st.Redemptions != redemptions || st.Fallbacks != 0 {
				t.Errorf("%s: counts %+v, want %d batches of %d redemptions", what, st, batches, redemptions)
			}
		}
		got := redeemTogether(t, f, shop.ID, keyedCode{"a0", tokens[0]}, keyedCode{"a1", tokens[1]}, keyedCode{"a1", tokens[1]})
		want("a double press behind another", got, []string{"", "", "replayed"}, 0, 0)
		got = redeemTogether(t, f, shop.ID, keyedCode{"b0", tokens[2]}, keyedCode{"b1", tokens[3]}, keyedCode{"b2", tokens[3]})
		want("one voucher at two tills", got, []string{"", "", "voucher_used"}, 0, 0)
		got = redeemTogether(t, f, shop.ID, keyedCode{"c0", tokens[4]}, keyedCode{"c1", tokens[5]}, keyedCode{"c2", tokens[0]}, keyedCode{"a0", tokens[0]})
		want("a redemption, a refusal and a replay", got, []string{"", "", "voucher_used", "replayed"}, 1, 3)
		got = redeemTogether(t, f, shop.ID, keyedCode{"d0", tokens[6]}, keyedCode{"d1", tokens[1]}, keyedCode{"d2", tokens[2]})
		want("refusals alone", got, []string{"", "voucher_used", "voucher_used"}, 2, 5)
	})
}
