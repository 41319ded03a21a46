package bench

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkLedgerTransferAlternated is the transfer's ratio to a bare
// UPDATE measured in alternated rounds on one schema, each round a transfer
// run and an UPDATE run back to back (in turn first, so that a drift of the
// machine's speed over the run weighs on both alike). BenchmarkLedgerTransfer
// and BenchmarkBareUpdate run tens of seconds apart, and on a machine whose
// disk and neighbours drift (pgbench's own rate has moved by 70 % within
// one run of run-ledger.sh) one of them can land in a slow spell: the
// ratio of each round pairs two runs a few seconds apart, and the median of
// the rounds' ratios is what the goal is judged on. Durable commits,
// as the goal's. The rounds and their length come from
// CITYHUB_BENCH_ROUNDS (5) and CITYHUB_BENCH_ROUND (2s); run it with
// -benchtime=1x: every call measures all its rounds.
func BenchmarkLedgerTransferAlternated(b *testing.B) {
	rounds := envInt(b, "CITYHUB_BENCH_ROUNDS", 5)
	round := envDuration(b, "CITYHUB_BENCH_ROUND", 2*time.Second)
	lb := openLedgerBench(b, "")
	for _, mode := range []struct {
		name    string
		clients int
	}{{"serial", 1}, {"parallel", runtime.GOMAXPROCS(0) * ledgerParallelism}} {
		b.Run(mode.name, func(b *testing.B) {
			// A short run of each first: the pool's connections opened and
			// the statements' plans settled before anything is timed.
			for _, op := range []ledgerOp{(*ledgerBench).transfer, (*ledgerBench).bareUpdate} {
				if _, err := timeOp(lb, op, round/4, mode.clients); err != nil {
					b.Fatal(err)
				}
			}
			var transfers, updates, ratios []float64
			for r := range rounds {
				var t, u time.Duration
				var err error
				if r%2 == 0 {
					t, err = timeOp(lb, (*ledgerBench).transfer, round, mode.clients)
					if err == nil {
						u, err = timeOp(lb, (*ledgerBench).bareUpdate, round, mode.clients)
					}
				} else {
					u, err = timeOp(lb, (*ledgerBench).bareUpdate, round, mode.clients)
					if err == nil {
						t, err = timeOp(lb, (*ledgerBench).transfer, round, mode.clients)
					}
				}
				if err != nil {
					b.Fatal(err)
				}
				transfers = append(transfers, micros(t))
				updates = append(updates, micros(u))
				ratios = append(ratios, float64(t)/float64(u))
			}
			b.ReportMetric(median(transfers), "transfer_µs")
			b.ReportMetric(median(updates), "update_µs")
			b.ReportMetric(median(ratios), "ratio_median")
			b.ReportMetric(slices.Min(ratios), "ratio_min")
			b.ReportMetric(slices.Max(ratios), "ratio_max")
			b.ReportMetric(float64(rounds), "rounds")
		})
	}
}

// timeOp runs op for d from clients goroutines at once, each on its own
// client's rows (as runParallel's), and returns the wall time over the
// operations done: per operation serially, the inverse of the rate in
// parallel, as go test's ns/op for each.
func timeOp(lb *ledgerBench, op ledgerOp, d time.Duration, clients int) (time.Duration, error) {
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Go(func() {
			i := c % len(lb.from)
			for time.Now().Before(deadline) {
				if err := op(lb, i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, firstErr
	}
	n := done.Load()
	if n == 0 {
		return 0, fmt.Errorf("no operation finished in %v", d)
	}
	return elapsed / time.Duration(n), nil
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// envDuration is envInt's for a duration (such as 2s).
func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		b.Fatalf("%s=%q: want a duration such as 2s", name, s)
	}
	return d
}
