package main

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/qrtoken"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// The counts of redemption batches are exported under their documented
// names, from the voucher service's own counts, and only once per registry.
func TestRedemptionBatchMetricsRegistered(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	svc := vouchers.NewService(db.Vouchers(), qrtoken.NewMemKeys(), nil)
	reg := prometheus.NewRegistry()
	if err := registerRedemptionBatches(reg, svc); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"cityhub_voucher_redemption_batches_total":         true,
		"cityhub_voucher_redemptions_batched_total":        true,
		"cityhub_voucher_redemption_batch_fallbacks_total": true,
	}
	for _, f := range families {
		if !want[f.GetName()] {
			t.Errorf("unexpected metric %s", f.GetName())
			continue
		}
		delete(want, f.GetName())
		if v := f.GetMetric()[0].GetCounter().GetValue(); v != 0 {
			t.Errorf("%s = %v before any redemption", f.GetName(), v)
		}
	}
	for name := range want {
		t.Errorf("%s is not exported", name)
	}
	if err := registerRedemptionBatches(reg, svc); err == nil {
		t.Error("registered twice without an error")
	}
}
