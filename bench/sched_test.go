package bench

import (
	"math"
	"runtime/metrics"
	"testing"
)

// histQuantile reads only what was counted between two snapshots, and
// answers a bucket's upper bound (its lower one for the last, open bucket).
func TestHistQuantileBetweenSnapshots(t *testing.T) {
	buckets := []float64{0, 1e-6, 1e-5, 1e-4, math.Inf(1)}
	before := &metrics.Float64Histogram{Buckets: buckets, Counts: []uint64{0, 0, 100, 0}}
	after := &metrics.Float64Histogram{Buckets: buckets, Counts: []uint64{50, 30, 119, 1}}
	// Between them: 50 under 1 µs, 30 under 10 µs, 19 under 100 µs, 1 above.
	for _, c := range []struct {
		q    float64
		want float64
	}{{0.5, 1e-6}, {0.8, 1e-5}, {0.81, 1e-4}, {0.99, 1e-4}, {1, 1e-4}} {
		if got := histQuantile(before, after, c.q); got != c.want {
			t.Errorf("quantile %v: %v, want %v", c.q, got, c.want)
		}
	}
	if got := histQuantile(after, after, 0.5); got != 0 {
		t.Errorf("nothing counted: %v, want 0", got)
	}
	if s := schedLatencies(); s == nil || len(s.Buckets) != len(s.Counts)+1 {
		t.Errorf("the runtime's scheduler histogram: %v", s)
	}
}
