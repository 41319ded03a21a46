package bench

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
)

// BenchmarkReadsBesideHistory reads the staff API's lists and reports
// beside a city's history (addCityHistory, addTicketHistory; PostgreSQL),
// each five times, and reports each read's median time as <route>_ms and
// its size as <route>_kB. It is the sweep that finds a read that grows
// with the history (the voucher audit log read whole: 13 MB and 240 ms at
// 60,000 redemptions, before it came a page at a time). Run with
// -benchtime=1x.
func BenchmarkReadsBesideHistory(b *testing.B) {
	h := newBenchHub(b, "postgres")
	perf, seats := rushPerformance(b, h, seatRushSeats)
	addCityHistory(b, h)
	if !addTicketHistory(b, h, perf.VenueID, seats) {
		b.Skip("no history (CITY_HISTORY=0, or -benchtime other than 1x)")
	}
	_, admins := h.accounts(b, 1, "admin", identity.RoleAdmin, nil)
	camps, err := h.vouchers.Campaigns(b.Context())
	if err != nil || len(camps) == 0 {
		b.Fatalf("campaigns: %v", err)
	}
	past := camps[0].ID
	// A shop of the past campaign (1,200 redemptions), its staff, and a
	// citizen who claimed and used one of its vouchers.
	shops, err := h.vouchers.Shops(b.Context(), vouchers.ShopFilter{})
	if err != nil || len(shops) == 0 {
		b.Fatalf("shops: %v", err)
	}
	var shop string
	for _, sh := range shops {
		if strings.HasPrefix(sh.Name, "Bottega") {
			shop = sh.ID
		}
	}
	_, tills := h.accounts(b, 1, "till", identity.RoleMerchant, func(int) string { return shop })
	citizen, _, err := h.ids.SignAccessToken("pop7", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range []struct{ name, path, bearer string }{
		{"accounts", "/api/v1/admin/accounts", admins[0]},
		{"account_search", "/api/v1/admin/accounts?q=pop1234", admins[0]},
		{"campaigns", "/api/v1/admin/campaigns", admins[0]},
		{"uptake", "/api/v1/admin/campaigns/" + past + "/uptake", admins[0]},
		{"settlements", "/api/v1/admin/settlements", admins[0]},
		{"voucher_audit", "/api/v1/admin/voucher-audit", admins[0]},
		{"shops", "/api/v1/admin/shops", admins[0]},
		{"performances", "/api/v1/admin/performances", admins[0]},
		{"performance_stats", "/api/v1/admin/performances/prf_past7/stats", admins[0]},
		{"ledger_account", "/api/v1/admin/ledger/accounts/campaign:" + past + ":held", admins[0]},
		{"voucher_audit_shop", "/api/v1/admin/voucher-audit?shop_id=" + shop, admins[0]},
		{"voucher_audit_new_shop", "/api/v1/admin/voucher-audit?shop_id=shp_none", admins[0]},
		{"shop_today", "/api/v1/merchant/redemptions/today?shop_id=" + shop, tills[0]},
		{"shop_balance", "/api/v1/merchant/balance?shop_id=" + shop, tills[0]},
		{"shop_statements", "/api/v1/merchant/statements?shop_id=" + shop, tills[0]},
		{"my_vouchers", "/api/v1/vouchers", "Bearer " + citizen},
		{"my_wallet", "/api/v1/wallet", "Bearer " + citizen},
		{"my_history", "/api/v1/wallet/history", "Bearer " + citizen},
		{"performances_public", "/api/v1/performances", ""},
		{"seats", "/api/v1/performances/" + perf.ID + "/seats", ""},
		{"past_seats", "/api/v1/performances/prf_past7/seats", ""},
		{"claimable_campaigns", "/api/v1/campaigns", "Bearer " + citizen},
		{"campaign_shops", "/api/v1/campaigns/" + past + "/shops", "Bearer " + citizen},
	} {
		var ds []time.Duration
		size := 0
		for range 5 {
			t0 := time.Now()
			status, body, err := h.call("GET", r.path, r.bearer, "", nil)
			ds = append(ds, time.Since(t0))
			if err != nil || status != http.StatusOK {
				b.Fatalf("%s: %d %s %v", r.path, status, body[:min(len(body), 300)], err)
			}
			size = len(body)
		}
		slices.Sort(ds)
		b.ReportMetric(float64(ds[2].Microseconds())/1000, r.name+"_ms")
		b.ReportMetric(float64(size)/1000, r.name+"_kB")
	}
}
