package bench

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"cityhub/identity"
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
	for _, r := range []struct{ name, path string }{
		{"accounts", "/api/v1/admin/accounts"},
		{"account_search", "/api/v1/admin/accounts?q=pop1234"},
		{"campaigns", "/api/v1/admin/campaigns"},
		{"uptake", "/api/v1/admin/campaigns/" + past + "/uptake"},
		{"settlements", "/api/v1/admin/settlements"},
		{"voucher_audit", "/api/v1/admin/voucher-audit"},
		{"shops", "/api/v1/admin/shops"},
		{"performances", "/api/v1/admin/performances"},
		{"performance_stats", "/api/v1/admin/performances/prf_past7/stats"},
		{"ledger_account", "/api/v1/admin/ledger/accounts/campaign:" + past + ":held"},
	} {
		var ds []time.Duration
		size := 0
		for range 5 {
			t0 := time.Now()
			status, body, err := h.call("GET", r.path, admins[0], "", nil)
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
