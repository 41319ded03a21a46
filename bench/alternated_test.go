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
// UPDATE measured in rounds on one schema. BenchmarkLedgerTransfer and
// BenchmarkBareUpdate run tens of seconds apart, and on a machine whose
// disk and neighbours drift (pgbench's own rate has moved by half within
// one run of run-ledger.sh) one of them can land in a slow spell. Each
// round here runs the transfer, the UPDATE, the UPDATE again and the
// transfer again, back to back, each for a quarter of the round: the two
// halves of each are centred on the same moment, so a steady drift of the
// machine's speed over the round weighs on both alike. A round's ratio is
// the transfer's time an operation over the UPDATE's, each over both of its
// runs; the median of the rounds' ratios is what the goal is judged
// on. Durable commits, as the goal's. CITYHUB_BENCH_ROUNDS (5) and
// CITYHUB_BENCH_ROUND (4s, the whole round's length) set them; run it with
// -benchtime=1x: every call measures all its rounds.
func BenchmarkLedgerTransferAlternated(b *testing.B) {
	rounds := envInt(b, "CITYHUB_BENCH_ROUNDS", 5)
	round := envDuration(b, "CITYHUB_BENCH_ROUND", 4*time.Second)
	lb := openLedgerBench(b, "")
	transfer, update := (*ledgerBench).transfer, (*ledgerBench).bareUpdate
	for _, mode := range []struct {
		name    string
		clients int
	}{{"serial", 1}, {"parallel", runtime.GOMAXPROCS(0) * ledgerParallelism}} {
		b.Run(mode.name, func(b *testing.B) {
			// A short run of each first: the pool's connections opened and
			// the statements' plans settled before anything is timed.
			for _, op := range []ledgerOp{transfer, update} {
				if _, err := timeOp(lb, op, round/8, mode.clients); err != nil {
					b.Fatal(err)
				}
			}
			var transfers, updates, ratios []float64
			for range rounds {
				var runs [4]opRun
				for k, op := range []ledgerOp{transfer, update, update, transfer} {
					r, err := timeOp(lb, op, round/4, mode.clients)
					if err != nil {
						b.Fatal(err)
					}
					runs[k] = r
				}
				t, u := runs[0].plus(runs[3]).perOp(), runs[1].plus(runs[2]).perOp()
				transfers = append(transfers, float64(t.Microseconds()))
				updates = append(updates, float64(u.Microseconds()))
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

// opRun is one timed run: its wall time and the operations it finished.
type opRun struct {
	elapsed time.Duration
	ops     int64
}

func (r opRun) plus(o opRun) opRun { return opRun{r.elapsed + o.elapsed, r.ops + o.ops} }

// perOp is the wall time over the operations: per operation serially, the
// inverse of the rate in parallel, as go test's ns/op for each.
func (r opRun) perOp() time.Duration { return r.elapsed / time.Duration(r.ops) }

// timeOp runs op for d from clients goroutines at once, each on its own
// client's rows (as runParallel's). It fails when an operation fails or
// none finished.
func timeOp(lb *ledgerBench, op ledgerOp, d time.Duration, clients int) (opRun, error) {
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
	r := opRun{elapsed: time.Since(start), ops: done.Load()}
	if firstErr != nil {
		return r, firstErr
	}
	if r.ops == 0 {
		return r, fmt.Errorf("no operation finished in %v", d)
	}
	return r, nil
}

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

// The verdicts of run-ledger.sh rest on these: a round's ratio pools both
// runs of each operation, and the median of an even count of rounds is the
// mean of the middle two, not the upper one.
func TestRoundRatioAndMedian(t *testing.T) {
	a, b := opRun{elapsed: 3 * time.Second, ops: 1000}, opRun{elapsed: time.Second, ops: 1000}
	if got := a.plus(b).perOp(); got != 2*time.Millisecond {
		t.Errorf("two runs pooled: %v an operation, want 2ms", got)
	}
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}
