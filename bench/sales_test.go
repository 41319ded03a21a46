package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"cityhub/store/postgres"
)

// salesTicketsSQL is the tickets' part of SalesStats (store/postgres/ticketing.go).
const salesTicketsSQL = `SELECT count(*), count(*) FILTER (WHERE status = 'checked_in'), coalesce(sum(price_cents), 0)
	FROM tickets WHERE performance_id = $1 AND status <> 'cancelled'`

// BenchmarkTicketSalesReport reads the sales that /admin/reports shows
// (ticketing.Service.SalesFrom: the performances of the last 30 days and
// those to come) and one past performance's sales (Stats, its admin page)
// beside a theatre's 200 past seasons (addTicketHistory, PostgreSQL). It
// fails unless the tickets of a performance are found by an index
// (EXPLAIN), and reports each read's time, the mean of five. Run with
// -benchtime=1x: with more, go test's first one-iteration run has no
// history, and skips.
func BenchmarkTicketSalesReport(b *testing.B) {
	ctx := context.Background()
	h := newBenchHub(b, "postgres")
	perf, seats := rushPerformance(b, h, seatRushSeats)
	if !addTicketHistory(b, h, perf.VenueID, seats) {
		b.Skip("no past seasons to read (CITY_HISTORY=0, or -benchtime other than 1x)")
	}
	plan := pgPlan(b, h.db.(*postgres.DB), salesTicketsSQL, "prf_past7")
	if strings.Contains(plan, "Seq Scan on tickets") {
		b.Fatalf("a performance's sales read every ticket:\n%s", plan)
	}
	const reads = 5
	var report, one time.Duration
	for range reads {
		t0 := time.Now()
		sales, err := h.tickets.SalesFrom(ctx, benchAdmin, time.Now().AddDate(0, 0, -30))
		report += time.Since(t0)
		// The coming performance, and the past ones of the last 30 days
		// (p = 1..28: the 29th started a moment before the report's start).
		if err != nil || len(sales) != 1+28 {
			b.Fatalf("the report's sales: %d performances, %v", len(sales), err)
		}
		t0 = time.Now()
		st, err := h.tickets.Stats(ctx, benchAdmin, "prf_past7")
		one += time.Since(t0)
		if err != nil || st.Sold != seatRushSeats {
			b.Fatalf("a past performance's sales: %+v %v", st, err)
		}
	}
	b.ReportMetric(float64(report.Microseconds())/1000/reads, "report_ms")
	b.ReportMetric(float64(one.Microseconds())/1000/reads, "performance_ms")
}
