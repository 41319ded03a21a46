package vouchers_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// Rule 1: a reversal restores exactly once, however many tills press it.
func TestConcurrentReversalsRestoreOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000, Mode: vouchers.ModePartial})
		v := f.claim(citizen(1), camp.ID)
		staff := merchant(shop.ID)
		r, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "k", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 600})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var ok, already atomic.Int32
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := f.svc.Reverse(f.ctx, staff, shop.ID, r.ID, fmt.Sprintf("rev-%d", i))
				switch {
				case err == nil:
					ok.Add(1)
				case apperr.ReasonOf(err) == "already_reversed":
					already.Add(1)
				default:
					t.Errorf("reverse: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || already.Load() != 31 {
			t.Fatalf("%d reversals succeeded, %d refused; want 1 and 31", ok.Load(), already.Load())
		}
		mine, _ := f.svc.MyVoucher(f.ctx, citizen(1), v.ID)
		if mine.RemainingCents != 1000 || f.balance(wallet.ShopPayableAccount(shop.ID)) != 0 || f.balance(wallet.CampaignHeldAccount(camp.ID)) != 1000 {
			t.Fatalf("after reversal: remaining %d, payable %d, held %d", mine.RemainingCents,
				f.balance(wallet.ShopPayableAccount(shop.ID)), f.balance(wallet.CampaignHeldAccount(camp.ID)))
		}
	})
}

// A reversal racing a settlement: every redemption ends either reversed or
// on the statement, never both, and the statement's total is what the shop
// is owed for it.
func TestReversalRacesSettlement(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 100000, FaceValueCents: 1000})
		staff := merchant(shop.ID)
		var rs []vouchers.Redemption
		for i := range 20 {
			v := f.claim(citizen(i), camp.ID)
			r, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, fmt.Sprintf("k%d", i), vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 1000 + int64(i)})
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		// Inside the reversal window for the tills, but the settlement is
		// asked for a period that ends at the redemptions' time plus one
		// second, with a clock just past the window: both may win a row.
		f.clock.Add(vouchers.ReversalWindow - time.Second)
		var wg sync.WaitGroup
		var settled vouchers.Settlement
		var settleErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.clock.Add(2 * time.Second)
			settled, _, settleErr = f.svc.CloseSettlement(f.ctx, admin, "close", shop.ID, nil)
		}()
		for i, r := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := f.svc.Reverse(f.ctx, staff, shop.ID, r.ID, fmt.Sprintf("rev-%d", i))
				if err != nil && apperr.ReasonOf(err) != "already_settled" && apperr.ReasonOf(err) != "reversal_window_passed" {
					t.Errorf("reverse: %v", err)
				}
			}()
		}
		wg.Wait()
		if settleErr != nil && apperr.ReasonOf(settleErr) != "nothing_to_settle" {
			t.Fatalf("settle: %v", settleErr)
		}
		var onStatement, reversed int
		var total int64
		err := db.Vouchers().View(f.ctx, func(tx vouchers.Tx) error {
			for _, r := range rs {
				got, err := tx.Redemption(f.ctx, r.ID)
				if err != nil {
					return err
				}
				if got.ReversedAt != nil && got.SettlementID != "" {
					t.Errorf("redemption %s both reversed and settled", r.ID)
				}
				if got.ReversedAt != nil {
					reversed++
				}
				if got.SettlementID != "" {
					onStatement++
					total += got.AmountCents
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if onStatement != settled.Count || total != settled.TotalCents {
			t.Fatalf("statement says %d/%d, rows say %d/%d", settled.Count, settled.TotalCents, onStatement, total)
		}
		if payable := f.balance(wallet.ShopPayableAccount(shop.ID)); payable != int64(len(rs)-reversed)*1000 {
			t.Fatalf("payable %d with %d of %d reversed", payable, reversed, len(rs))
		}
		t.Logf("%d reversed, %d settled", reversed, onStatement)
	})
}

// Closing a campaign returns what its vouchers reserved and did not spend
// to its budget; a reversal after the close goes to the budget too.
func TestCloseReleasesReservedValue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000})
		v := f.claim(citizen(1), camp.ID)
		f.claim(citizen(2), camp.ID)
		staff := merchant(shop.ID)
		r, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, "k", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 700})
		if err != nil || r.AmountCents != 700 {
			t.Fatalf("redeem %+v %v", r, err)
		}
		budget, held := wallet.CampaignBudgetAccount(camp.ID), wallet.CampaignHeldAccount(camp.ID)
		if f.balance(budget) != 8000 || f.balance(held) != 1300 {
			t.Fatalf("before close: budget %d held %d", f.balance(budget), f.balance(held))
		}
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, camp.ID, vouchers.StatusClosed); err != nil {
			t.Fatal(err)
		}
		if f.balance(budget) != 9300 || f.balance(held) != 0 {
			t.Fatalf("after close: budget %d held %d, want 9300 and 0", f.balance(budget), f.balance(held))
		}
		if _, _, err := f.svc.Reverse(f.ctx, staff, shop.ID, r.ID, "rev"); err != nil {
			t.Fatal(err)
		}
		if f.balance(budget) != 10000 || f.balance(held) != 0 || f.balance(wallet.ShopPayableAccount(shop.ID)) != 0 {
			t.Fatalf("after reversal: budget %d held %d", f.balance(budget), f.balance(held))
		}
		u, err := f.svc.CampaignUptake(f.ctx, admin, camp.ID)
		if err != nil || u.BudgetLeftCents != 10000 || u.ReservedCents != 0 || u.RedeemedCents != 0 {
			t.Fatalf("uptake %+v %v", u, err)
		}
		page, err := f.svc.Audit(f.ctx, admin, vouchers.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, e := range page.Entries {
			if e.Action == "campaign.closed" && fmt.Sprint(e.Detail["released_cents"]) == "1300" {
				found = true
			}
		}
		if !found {
			t.Fatalf("no audit entry of the release: %+v", page.Entries)
		}
	})
}

// Two hub replicas on one database count failed typed codes together.
func TestCodeFailuresSharedByReplicas(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		other := vouchers.NewService(db.Vouchers(), f.keys, nil)
		other.SetClock(f.clock.Now)
		shop := f.shop("Forno", "centro", "food")
		staff := merchant(shop.ID)
		for i := 0; i < vouchers.MaxCodeFailuresPerShop; i++ {
			svc := f.svc
			if i%2 == 1 {
				svc = other
			}
			wrong, _ := qrtoken.NewCode()
			if _, err := svc.PreviewCode(f.ctx, staff, shop.ID, wrong); apperr.ReasonOf(err) != "code_unknown" {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		wrong, _ := qrtoken.NewCode()
		for _, svc := range []*vouchers.Service{f.svc, other} {
			if _, err := svc.PreviewCode(f.ctx, staff, shop.ID, wrong); !apperr.Has(err, apperr.RateLimited) {
				t.Fatalf("after %d failures split over two replicas: %v", vouchers.MaxCodeFailuresPerShop, err)
			}
		}
	})
}

// The ledger invariants hold after claims, redemptions, reversals and
// settlements run concurrently from many goroutines (deadlocks and lock
// order problems would show as errors or a broken sum).
func TestLedgerInvariantsUnderConcurrentOperations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shops := []vouchers.Shop{f.shop("A", "centro", "food"), f.shop("B", "centro", "books")}
		camps := []vouchers.Campaign{
			f.campaign(vouchers.Campaign{Name: "fixed", BudgetCents: 20000, FaceValueCents: 1000, PerCitizenLimit: 3}),
			f.campaign(vouchers.Campaign{Name: "partial", BudgetCents: 20000, FaceValueCents: 1500, Mode: vouchers.ModePartial, PerCitizenLimit: 3}),
		}
		var mu sync.Mutex
		var codes []string
		var reds []vouchers.Redemption
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for step := range 25 {
					switch (w + step) % 4 {
					case 0:
						v, err := f.svc.Claim(f.ctx, citizen(w*100+step%5), camps[step%2].ID)
						if err == nil {
							mu.Lock()
							codes = append(codes, v.TypedCode)
							mu.Unlock()
						} else if apperr.CodeOf(err) != apperr.Conflict {
							t.Errorf("claim: %v", err)
						}
					case 1, 2:
						mu.Lock()
						if len(codes) == 0 {
							mu.Unlock()
							continue
						}
						code := codes[(w*7+step)%len(codes)]
						mu.Unlock()
						shop := shops[step%2]
						r, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, fmt.Sprintf("r-%d-%d", w, step), vouchers.RedeemRequest{Code: code, PurchaseCents: 400 + int64(step*37)})
						if err == nil {
							mu.Lock()
							reds = append(reds, r)
							mu.Unlock()
						} else if c := apperr.CodeOf(err); c != apperr.Conflict && c != apperr.Invalid {
							t.Errorf("redeem: %v", err)
						}
					case 3:
						mu.Lock()
						var r vouchers.Redemption
						if len(reds) > 0 {
							r = reds[(w+step)%len(reds)]
						}
						mu.Unlock()
						if r.ID != "" {
							if _, _, err := f.svc.Reverse(f.ctx, merchant(r.ShopID), r.ShopID, r.ID, fmt.Sprintf("v-%d-%d", w, step)); err != nil && apperr.CodeOf(err) != apperr.Conflict {
								t.Errorf("reverse: %v", err)
							}
						}
						if step%6 == 3 {
							f.clock.Add(10 * time.Minute)
							if _, _, err := f.svc.CloseSettlement(f.ctx, admin, fmt.Sprintf("s-%d-%d", w, step), shops[w%2].ID, nil); err != nil && apperr.CodeOf(err) != apperr.Conflict {
								t.Errorf("settle: %v", err)
							}
						}
					}
				}
			}()
		}
		wg.Wait()
		var sum int64
		accounts := []wallet.AccountID{wallet.CityFunding}
		for _, s := range shops {
			accounts = append(accounts, wallet.ShopPayableAccount(s.ID), wallet.ShopPaidAccount(s.ID))
		}
		for _, c := range camps {
			accounts = append(accounts, wallet.CampaignBudgetAccount(c.ID), wallet.CampaignHeldAccount(c.ID))
		}
		for _, a := range accounts {
			sum += f.balance(a)
		}
		if sum != 0 {
			t.Fatalf("ledger sums to %d", sum)
		}
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
			if left+reserved+spent != c.BudgetCents {
				t.Fatalf("campaign %s: %d + %d + %d != %d", c.Name, left, reserved, spent, c.BudgetCents)
			}
		}
		t.Logf("%d vouchers, %d redemptions", len(codes), len(reds))
	})
}

// TestCloseRacesRedemptions closes a campaign while 40 tills redeem its
// vouchers. The held account has no floor any more, so nothing in the
// ledger would stop a redemption that read the campaign open from taking
// value the close already released: the campaign row, shared by every
// redemption until it commits, must. Afterwards held is exactly zero, every
// redemption either went through before the close or was refused as
// campaign_closed, and the ledger check passes.
func TestCloseRacesRedemptions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 100_000, FaceValueCents: 1000, PerCitizenLimit: 1})
		const n = 40
		codes := make([]string, n)
		for i := range n {
			codes[i] = f.claim(citizen(i), camp.ID).TypedCode
		}
		staff := merchant(shop.ID)
		var redeemed atomic.Int64
		raceClose(t, f, camp.ID, n, "campaign_closed", func(i int) error {
			r, _, err := f.svc.Redeem(f.ctx, staff, shop.ID, fmt.Sprintf("k%d", i), vouchers.RedeemRequest{Code: codes[i], PurchaseCents: 1000})
			if err == nil {
				redeemed.Add(r.AmountCents)
			}
			return err
		})
		budget, held := wallet.CampaignBudgetAccount(camp.ID), wallet.CampaignHeldAccount(camp.ID)
		if got := f.balance(held); got != 0 {
			t.Fatalf("held after the close: %d, want 0", got)
		}
		if got, want := f.balance(wallet.ShopPayableAccount(shop.ID)), redeemed.Load(); got != want {
			t.Fatalf("payable %d, redeemed %d", got, want)
		}
		if got := f.balance(budget) + redeemed.Load(); got != 100_000 {
			t.Fatalf("budget left + redeemed = %d, want 100000", got)
		}
		c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx)
		if err != nil || !c.OK() {
			t.Fatalf("ledger check: %+v %v", c, err)
		}
	})
}

// holdingStore stops the first redemption written through it just before it
// records the redemption (after it has read the voucher and its campaign)
// until proceed is closed.
type holdingStore struct {
	vouchers.Store
	reached, proceed chan struct{}
	once             sync.Once
}

func (s *holdingStore) InTx(ctx context.Context, fn func(vouchers.Tx) error) error {
	return s.Store.InTx(ctx, func(tx vouchers.Tx) error { return fn(holdingTx{tx, s}) })
}

type holdingTx struct {
	vouchers.Tx
	s *holdingStore
}

func (h holdingTx) InsertRedemption(ctx context.Context, r vouchers.Redemption) error {
	h.s.once.Do(func() { close(h.s.reached); <-h.s.proceed })
	return h.Tx.InsertRedemption(ctx, r)
}

// TestCloseWaitsForRedemptionInFlight stops a redemption after it has read
// its campaign open and closes the campaign meanwhile. The close must wait
// for it (seen as a lock wait on the campaign row), so that the value the
// redemption takes is not released as well: held ends at exactly zero.
func TestCloseWaitsForRedemptionInFlight(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	shop := f.shop("Forno", "centro", "food")
	camp := f.campaign(vouchers.Campaign{BudgetCents: 10_000, FaceValueCents: 1000})
	v := f.claim(citizen(1), camp.ID)
	f.claim(citizen(2), camp.ID)
	hs := &holdingStore{Store: db.Vouchers(), reached: make(chan struct{}), proceed: make(chan struct{})}
	till := vouchers.NewService(hs, f.keys, storetest.Logger(t))
	till.SetClock(f.clock.Now)
	redeemed := make(chan error, 1)
	go func() {
		_, _, err := till.Redeem(f.ctx, merchant(shop.ID), shop.ID, "k", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 1000})
		redeemed <- err
	}()
	select {
	case <-hs.reached:
	case err := <-redeemed:
		t.Fatalf("the redemption ended before it was held: %v", err)
	}
	closed := make(chan error, 1)
	go func() {
		_, err := f.svc.SetCampaignStatus(f.ctx, admin, camp.ID, vouchers.StatusClosed)
		closed <- err
	}()
	// Wait until the close either finished (the bug) or waits for the
	// campaign row's lock: a waiter holds the row's tuple lock.
	closedEarly := false
	for !closedEarly {
		var waiting bool
		if err := db.Pool().QueryRow(f.ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'tuple' AND relation = 'voucher_campaigns'::regclass)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		select {
		case err := <-closed:
			closed <- err
			closedEarly = true
		default:
			runtime.Gosched()
		}
	}
	close(hs.proceed)
	if err := <-redeemed; err != nil {
		t.Fatalf("redeem: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	if closedEarly {
		t.Error("the close did not wait for the redemption that read the campaign open")
	}
	if got := f.balance(wallet.CampaignHeldAccount(camp.ID)); got != 0 {
		t.Fatalf("held after the close: %d, want 0", got)
	}
	if got := f.balance(wallet.CampaignBudgetAccount(camp.ID)); got != 9000 {
		t.Fatalf("budget after the close: %d, want 9000", got)
	}
}

// TestCloseRacesClaims closes a campaign while 40 citizens claim from it.
// Claims only share the campaign row, so nothing but that share keeps a
// claim that read the campaign open from reserving value after the close
// released what was reserved. Afterwards held is exactly zero, every claim
// either went through before the close or was refused as
// campaign_not_open, the budget is whole again, and the ledger check passes.
func TestCloseRacesClaims(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		camp := f.campaign(vouchers.Campaign{BudgetCents: 100_000, FaceValueCents: 1000, PerCitizenLimit: 1})
		const n = 40
		var claimed atomic.Int32
		raceClose(t, f, camp.ID, n, "campaign_not_open", func(i int) error {
			_, err := f.svc.Claim(f.ctx, citizen(i), camp.ID)
			if err == nil {
				claimed.Add(1)
			}
			return err
		})
		budget, held := wallet.CampaignBudgetAccount(camp.ID), wallet.CampaignHeldAccount(camp.ID)
		if got := f.balance(held); got != 0 {
			t.Fatalf("held after the close: %d, want 0 (%d claims went through)", got, claimed.Load())
		}
		if got := f.balance(budget); got != 100_000 {
			t.Fatalf("budget after the close: %d, want 100000", got)
		}
		c, err := wallet.NewService(db.Wallet(), storetest.Logger(t)).Check(f.ctx)
		if err != nil || !c.OK() {
			t.Fatalf("ledger check: %+v %v", c, err)
		}
		t.Logf("%d of %d claims went through before the close", claimed.Load(), n)
	})
}

// raceClose runs op(0) … op(n-1) and a close of the campaign all at once.
// Each op may succeed or be refused for refused (the close came first);
// any other error fails the test, as does a failed close.
func raceClose(t *testing.T, f *fixture, campaignID string, n int, refused string, op func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			if err := op(i); err != nil && apperr.ReasonOf(err) != refused {
				errs <- err
			}
		})
	}
	wg.Go(func() {
		<-start
		if _, err := f.svc.SetCampaignStatus(f.ctx, admin, campaignID, vouchers.StatusClosed); err != nil {
			errs <- err
		}
	})
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
