package vouchers

import (
	"sync"
	"time"
)

// failLimiter counts failed typed-code look-ups per key (a shop, an address)
// in fixed windows. Typed codes carry 80 bits, so this is not what keeps them
// safe; it keeps a stolen till from being used as a guessing oracle and
// makes such a till visible in the logs. Counts live in this process: with N
// replicas behind a balancer the effective limit is at most N times higher,
// which is still far from useful for guessing.
type failLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	counts map[string]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

func newFailLimiter(max int, window time.Duration) *failLimiter {
	return &failLimiter{max: max, window: window, counts: map[string]*failWindow{}}
}

// blocked reports whether key has used up its failures in the current window.
func (l *failLimiter) blocked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.counts[key]
	if !ok || now.Sub(w.start) >= l.window {
		return false
	}
	return w.n >= l.max
}

// fail records one failed look-up for key.
func (l *failLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.counts) > 100_000 {
		for k, w := range l.counts {
			if now.Sub(w.start) >= l.window {
				delete(l.counts, k)
			}
		}
	}
	w, ok := l.counts[key]
	if !ok || now.Sub(w.start) >= l.window {
		l.counts[key] = &failWindow{start: now, n: 1}
		return
	}
	w.n++
}
