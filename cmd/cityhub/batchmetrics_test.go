package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// The counts of redemption batches are exported under their documented
// names, each from the voucher service's own count, once per registry.
// Redemptions are sent together until the service has written a batch, so
// that a count read from the wrong figure shows.
func TestRedemptionBatchMetricsExported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	keys := qrtoken.NewMemKeys()
	keys.Generate("qr-test", qrtoken.Purpose)
	svc := vouchers.NewService(db.Vouchers(), keys, nil)
	reg := prometheus.NewRegistry()
	if err := registerRedemptionBatches(reg, svc); err != nil {
		t.Fatal(err)
	}
	if err := registerRedemptionBatches(reg, svc); err == nil {
		t.Error("registered twice without an error")
	}

	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	shop, err := svc.CreateShop(ctx, admin, vouchers.Shop{Name: "Forno", Address: "Via Traiano 3", District: "centro", Category: "food", IBAN: "IT60X0542811101000000123456"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale", BudgetCents: n * 1000, FaceValueCents: 1000, PerCitizenLimit: 1,
		ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
	if err == nil {
		_, err = svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen)
	}
	if err != nil {
		t.Fatal(err)
	}
	codes := make([]string, n)
	for i := range codes {
		v, err := svc.Claim(ctx, identity.Caller{AccountID: fmt.Sprint("acc_c", i), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		codes[i] = v.TypedCode
	}
	staff := identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}}
	// Rounds of 20 tills at once, until one round made a batch.
	for round := 0; round*20 < n && svc.RedemptionBatches().Batches == 0; round++ {
		var wg sync.WaitGroup
		for i := round * 20; i < (round+1)*20; i++ {
			wg.Go(func() {
				if _, _, err := svc.Redeem(ctx, staff, shop.ID, fmt.Sprint("k", i), vouchers.RedeemRequest{Code: codes[i], PurchaseCents: 1500}); err != nil {
					t.Errorf("redeem %d: %v", i, err)
				}
			})
		}
		wg.Wait()
	}
	st := svc.RedemptionBatches()
	if st.Batches == 0 {
		t.Fatal("no batch was written")
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"cityhub_voucher_redemption_batches_total":         st.Batches,
		"cityhub_voucher_redemptions_batched_total":        st.Redemptions,
		"cityhub_voucher_redemption_batch_fallbacks_total": st.Fallbacks,
	}
	for _, f := range families {
		w, ok := want[f.GetName()]
		if !ok {
			t.Errorf("unexpected metric %s", f.GetName())
			continue
		}
		delete(want, f.GetName())
		if v := f.GetMetric()[0].GetCounter().GetValue(); v != float64(w) {
			t.Errorf("%s = %v, want %d (%+v)", f.GetName(), v, w, st)
		}
	}
	for name := range want {
		t.Errorf("%s is not exported", name)
	}
}
