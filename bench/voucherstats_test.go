package bench

import (
	"context"
	"testing"
	"time"
)

// BenchmarkVoucherStats reads what the voucher scheme's pages and open
// data show beside a city's history (addCityHistory: a past campaign of
// 100,000 vouchers, 60,000 of them redeemed; PostgreSQL): the open
// statistics (anyone may ask), a campaign's uptake (/admin/vouchers shows
// one per campaign) and its redemptions by day (/admin/reports). It
// reports each read's time, the mean of five. Run with -benchtime=1x.
func BenchmarkVoucherStats(b *testing.B) {
	ctx := context.Background()
	h := newBenchHub(b, "postgres")
	addCityHistory(b, h)
	camps, err := h.vouchers.Campaigns(ctx)
	if err != nil || len(camps) == 0 {
		b.Skip("no history to read (CITY_HISTORY=0, or -benchtime other than 1x)")
	}
	past := camps[0].ID
	const reads = 5
	var open, uptake, byDay time.Duration
	for range reads {
		t0 := time.Now()
		od, err := h.vouchers.OpenStats(ctx)
		open += time.Since(t0)
		if err != nil || len(od.Campaigns) == 0 {
			b.Fatalf("open stats: %+v %v", od, err)
		}
		t0 = time.Now()
		u, err := h.vouchers.CampaignUptake(ctx, benchAdmin, past)
		uptake += time.Since(t0)
		if err != nil || u.ClaimedCount != cityVouchers {
			b.Fatalf("uptake: %+v %v", u, err)
		}
		t0 = time.Now()
		_, err = h.vouchers.UptakeByDay(ctx, benchAdmin, past, time.Now().AddDate(0, 0, -30))
		byDay += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(open.Microseconds())/1000/reads, "open_ms")
	b.ReportMetric(float64(uptake.Microseconds())/1000/reads, "uptake_ms")
	b.ReportMetric(float64(byDay.Microseconds())/1000/reads, "byday_ms")
}
