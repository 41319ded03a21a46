package httpx

import (
	"testing"
	"time"
)

// A bucket gives its burst at once, then one token per interval, per
// address; full buckets are forgotten.
func TestIPLimiter(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	l := NewIPLimiter(3, 2*time.Second)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("192.0.2.1"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("192.0.2.1")
	if ok || wait <= 0 || wait > 2*time.Second {
		t.Fatalf("past the burst: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("192.0.2.2"); !ok {
		t.Fatal("another address shares the first one's bucket")
	}
	now = now.Add(2 * time.Second)
	if ok, _ := l.Allow("192.0.2.1"); !ok {
		t.Fatal("no token after the interval")
	}
	if ok, _ := l.Allow("192.0.2.1"); ok {
		t.Fatal("two tokens after one interval")
	}
	now = now.Add(time.Hour)
	l.Allow("192.0.2.3")
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets kept after an hour, want only the new one", len(l.buckets))
	}
}
