package vouchers_test

import (
	"context"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// closedWithARedemption is a closed campaign with one voucher redeemed (for
// 10 euros) at a shop of the centro district.
func closedWithARedemption(t *testing.T, f *fixture) (vouchers.Shop, vouchers.Campaign) {
	t.Helper()
	shop := f.shop("Forno", "centro", "food")
	camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000})
	v := f.claim(citizen(1), camp.ID)
	if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r1", vouchers.RedeemRequest{Code: f.token(citizen(1), v.ID), PurchaseCents: 2000}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetCampaignStatus(f.ctx, admin, camp.ID, vouchers.StatusClosed); err != nil {
		t.Fatal(err)
	}
	return shop, camp
}

// TestFinalUptakeIsKept: a campaign's figures are summed on every read
// until they can no longer change (closed, and its validity over by the
// reversal window); then a hub keeps them for FinalUptakeMaxAge, forgets
// them at once when it changes a shop itself, and another hub sums its own.
func TestFinalUptakeIsKept(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop, camp := closedWithARedemption(t, f)
		district := func(svc *vouchers.Service) string {
			t.Helper()
			u, err := svc.CampaignUptake(f.ctx, admin, camp.ID)
			if err != nil || u.RedeemedCents != 1000 || len(u.ByDistrict) != 1 {
				t.Fatalf("uptake %+v, %v", u, err)
			}
			return u.ByDistrict[0].Name
		}
		// An administrator's correction of the shop's district, written
		// as another hub would: this hub is not told.
		moveShop := func(to string) {
			t.Helper()
			err := db.Vouchers().InTx(f.ctx, func(tx vouchers.Tx) error {
				sh, err := tx.Shop(f.ctx, shop.ID)
				if err != nil {
					return err
				}
				sh.District = to
				return tx.UpdateShop(f.ctx, sh)
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		// Closed, but a redemption could still be reversed: summed each time.
		district(f.svc)
		moveShop("ponte")
		if got := district(f.svc); got != "ponte" {
			t.Fatalf("a campaign that may still change gave %q, want ponte", got)
		}

		// Over: kept.
		f.clock.Add(camp.ValidUntil.Sub(f.clock.Now()) + vouchers.ReversalWindow)
		district(f.svc)
		moveShop("triggio")
		if got := district(f.svc); got != "ponte" {
			t.Fatalf("a final campaign was summed again: %q, want the kept ponte", got)
		}
		other := vouchers.NewService(db.Vouchers(), f.keys, nil)
		other.SetClock(f.clock.Now)
		if got := district(other); got != "triggio" {
			t.Fatalf("another hub gave %q, want triggio", got)
		}
		f.clock.Add(vouchers.FinalUptakeMaxAge)
		if got := district(f.svc); got != "triggio" {
			t.Fatalf("after FinalUptakeMaxAge: %q, want triggio", got)
		}

		// A shop changed through this hub: forgotten at once.
		sh, err := f.svc.Shop(f.ctx, admin, shop.ID)
		if err != nil {
			t.Fatal(err)
		}
		sh.District = "centro"
		if _, err := f.svc.UpdateShop(f.ctx, admin, sh); err != nil {
			t.Fatal(err)
		}
		if got := district(f.svc); got != "centro" {
			t.Fatalf("after this hub changed the shop: %q, want centro", got)
		}
	})
}

// hookStore calls during once a campaign's redemptions have been summed,
// before its figures are kept.
type hookStore struct {
	vouchers.Store
	during func()
}

func (h hookStore) View(ctx context.Context, fn func(vouchers.Tx) error) error {
	return h.Store.View(ctx, func(tx vouchers.Tx) error { return fn(hookTx{tx, h.during}) })
}

type hookTx struct {
	vouchers.Tx
	during func()
}

func (t hookTx) RedemptionTotals(ctx context.Context, campaignID string) ([]vouchers.GroupTotal, error) {
	g, err := t.Tx.RedemptionTotals(ctx, campaignID)
	if t.during != nil {
		t.during()
	}
	return g, err
}

// TestFinalUptakeSummedAcrossAShopChangeIsNotKept: figures summed while
// this hub changes a shop may hold the shop's old district, so they are
// given but not kept.
func TestFinalUptakeSummedAcrossAShopChangeIsNotKept(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop, camp := closedWithARedemption(t, f)
		f.clock.Add(camp.ValidUntil.Sub(f.clock.Now()) + vouchers.ReversalWindow)
		var svc *vouchers.Service
		moved := false
		svc = vouchers.NewService(hookStore{db.Vouchers(), func() {
			if moved {
				return
			}
			moved = true
			sh, err := svc.Shop(f.ctx, admin, shop.ID)
			if err == nil {
				sh.District = "ponte"
				_, err = svc.UpdateShop(f.ctx, admin, sh)
			}
			if err != nil {
				t.Error(err)
			}
		}}, f.keys, nil)
		svc.SetClock(f.clock.Now)
		for i, want := range []string{"centro", "ponte"} {
			u, err := svc.CampaignUptake(f.ctx, admin, camp.ID)
			if err != nil || len(u.ByDistrict) != 1 || u.ByDistrict[0].Name != want {
				t.Fatalf("read %d: %+v %v, want %s", i, u, err, want)
			}
		}
	})
}
