package bench

import (
	"bufio"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cpuMeter starts counting the CPU time the machine spends and the part of
// it this process spends (the hub and the clients that load it, which share
// the machine with the database), and returns what reports both per op in
// microseconds. On a machine whose CPUs are saturated, the rate is the
// CPUs divided by the machine's time per op: this says whose time an op
// takes. Where /proc/stat cannot be read it reports nothing.
//
// With CITYHUB_BENCH_CPUPROFILE set to a file name, it also writes a CPU
// profile of this process for the measured part alone (go test's
// -cpuprofile covers the setup too, which for redemptions is mostly
// claiming the vouchers and signing their codes).
func cpuMeter(b *testing.B) (report func(ops int)) {
	b.Helper()
	stopProfile := measuredProfile(b)
	count := cpuCounter(b)
	return func(ops int) {
		// Counted first: writing the profile out is not the operations' CPU.
		count(ops)
		stopProfile()
	}
}

// cpuCounter is cpuMeter's count.
func cpuCounter(b *testing.B) (report func(ops int)) {
	m0, ok := machineCPU()
	if !ok {
		return func(int) {}
	}
	p0 := processCPU()
	s0 := schedLatencies()
	return func(ops int) {
		m1, ok := machineCPU()
		if !ok || ops == 0 {
			return
		}
		p1 := processCPU()
		b.ReportMetric(float64((m1-m0).Microseconds())/float64(ops), "cpu_µs/op")
		b.ReportMetric(float64((p1-p0).Microseconds())/float64(ops), "hub_cpu_µs/op")
		// How long this process's goroutines (the hub's and its clients')
		// waited to run once they could: a batch's writer woken by the
		// database's answer waits so too.
		if s1 := schedLatencies(); s0 != nil && s1 != nil {
			b.ReportMetric(histQuantile(s0, s1, 0.5)*1e6, "sched_p50_µs")
			b.ReportMetric(histQuantile(s0, s1, 0.99)*1e6, "sched_p99_µs")
		}
	}
}

// schedLatencies is the runtime's histogram, so far, of the time
// goroutines spent runnable before they ran.
func schedLatencies() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return s[0].Value.Float64Histogram()
}

// histQuantile is the q quantile, in seconds (a bucket's upper bound), of
// what the histogram counted between the snapshots h0 and h1.
func histQuantile(h0, h1 *metrics.Float64Histogram, q float64) float64 {
	if len(h0.Counts) != len(h1.Counts) {
		return 0
	}
	var total uint64
	for i := range h1.Counts {
		total += h1.Counts[i] - h0.Counts[i]
	}
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i := range h1.Counts {
		seen += h1.Counts[i] - h0.Counts[i]
		if seen >= want {
			if up := h1.Buckets[i+1]; !math.IsInf(up, 1) {
				return up
			}
			return h1.Buckets[i]
		}
	}
	return 0
}

// processCPU is this process's user and system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU is the time all CPUs have been busy since boot, from the
// first line of /proc/stat (user, nice, system, irq, softirq, steal; in
// clock ticks of 1/100 s, as the kernel reports them to user space).
func machineCPU() (time.Duration, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, false
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond, true
}

// measuredProfile starts the CPU profile CITYHUB_BENCH_CPUPROFILE names,
// if any, and returns what stops it; a benchmark that fails before it
// reports has it stopped when it ends. Every run of a benchmark writes the
// same file and the last one run is what it holds: profile one benchmark
// at a time.
func measuredProfile(b *testing.B) (stop func()) {
	stopAllocs := measuredAllocs(b)
	name := os.Getenv("CITYHUB_BENCH_CPUPROFILE")
	if name == "" {
		return stopAllocs
	}
	f, err := os.Create(name)
	if err != nil {
		b.Fatalf("create CPU profile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatalf("start CPU profile: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			// The CPU profile first: the collection that makes the
			// allocation profile current is not the measured part's.
			pprof.StopCPUProfile()
			stopAllocs()
			if err := f.Close(); err != nil {
				b.Errorf("write CPU profile: %v", err)
			}
		})
	}
	b.Cleanup(stop)
	return stop
}

// measuredAllocs writes the allocation profile, when
// CITYHUB_BENCH_ALLOCPROFILE names a file, as it is before the measured part
// (the file's name with ".base") and after it (the name itself), and
// returns what writes the second: `go tool pprof -sample_index=alloc_space
// -base NAME.base NAME` shows what the measured part alone allocated.
func measuredAllocs(b *testing.B) (stop func()) {
	name := os.Getenv("CITYHUB_BENCH_ALLOCPROFILE")
	if name == "" {
		return func() {}
	}
	write := func(file string) {
		f, err := os.Create(file)
		if err != nil {
			b.Fatalf("create allocation profile: %v", err)
		}
		defer f.Close()
		// The profile is as of the last collection: one now makes it
		// current, outside the measured part.
		runtime.GC()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			b.Fatalf("write allocation profile: %v", err)
		}
	}
	write(name + ".base")
	var once sync.Once
	return func() { once.Do(func() { write(name) }) }
}
