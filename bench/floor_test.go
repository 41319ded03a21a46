package bench

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/identity"
)

// BenchmarkAPIFloor reads the caller's own account (GET /api/v1/me) with 64
// concurrent tills: a bearer token checked, the account read, JSON out. Every
// till operation does at least this, so its rate bounds theirs from above on
// the same machine.
func BenchmarkAPIFloor(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) { apiFloor(b, engine) })
	}
}

func apiFloor(b *testing.B, engine string) {
	h := newBenchHub(b, engine)
	_, bearers := h.accounts(b, 50, "floor", identity.RoleCitizen, nil)
	n := b.N
	var next, failures atomic.Int64
	var lat latencies
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range voucherClients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				status, body, err := h.call("GET", "/api/v1/me", bearers[i%int64(len(bearers))], "", nil)
				lat.add(time.Since(t0))
				if err != nil || status != http.StatusOK {
					if failures.Add(1) == 1 {
						b.Errorf("me: %d %s %v", status, body, err)
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d of %d reads failed", f, n)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "req/s")
	b.ReportMetric(lat.ms(0.5), "p50_ms")
	b.ReportMetric(lat.ms(0.99), "p99_ms")
}
