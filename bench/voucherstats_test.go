package bench

import (
	"cityhub/vouchers"
	"context"
	"testing"
	"time"
)

// BenchmarkVoucherStats reads what the voucher scheme's pages and open
// data show beside a city's history (addCityHistory: a past campaign of
// 100,000 vouchers, 60,000 of them redeemed; PostgreSQL): the open
// statistics (anyone may ask), a campaign's uptake (/admin/vouchers shows
// one per campaign) and its redemptions by day (/admin/reports). Each is
// read five times by a hub that has read nothing yet (_ms, the mean): the
// past campaign's figures are summed. The first two are then read five
// times more by a hub that has (_kept_ms): a campaign that can no longer
// change is summed once (vouchers.FinalUptakeMaxAge). Run with
// -benchtime=1x.
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
	fresh := func() *vouchers.Service { return vouchers.NewService(h.db.Vouchers(), nil, nil) }
	open := func(svc *vouchers.Service) {
		if od, err := svc.OpenStats(ctx); err != nil || len(od.Campaigns) == 0 {
			b.Fatalf("open stats: %+v %v", od, err)
		}
	}
	uptake := func(svc *vouchers.Service) {
		if u, err := svc.CampaignUptake(ctx, benchAdmin, past); err != nil || u.ClaimedCount != cityVouchers {
			b.Fatalf("uptake: %+v %v", u, err)
		}
	}
	byDay := func(svc *vouchers.Service) {
		if _, err := svc.UptakeByDay(ctx, benchAdmin, past, time.Now().AddDate(0, 0, -30)); err != nil {
			b.Fatal(err)
		}
	}
	mean := func(read func(*vouchers.Service), svc func() *vouchers.Service) float64 {
		var took time.Duration
		for range reads {
			s := svc()
			t0 := time.Now()
			read(s)
			took += time.Since(t0)
		}
		return float64(took.Microseconds()) / 1000 / reads
	}
	kept := func() *vouchers.Service { return h.vouchers }
	b.ReportMetric(mean(open, fresh), "open_ms")
	b.ReportMetric(mean(uptake, fresh), "uptake_ms")
	b.ReportMetric(mean(byDay, fresh), "byday_ms")
	open(h.vouchers) // the hub reads them once
	b.ReportMetric(mean(open, kept), "open_kept_ms")
	b.ReportMetric(mean(uptake, kept), "uptake_kept_ms")
}
