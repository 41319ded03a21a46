package httpx

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"cityhub/apperr"
)

// IPLimiter is a token bucket per client address, kept in this process's
// memory: each address may make Burst requests at once and Rate per second
// after that. It guards work that costs the hub before any credential is
// known (an API key's argon2id hash), so it must answer without touching
// the database. Each replica keeps its own buckets: behind N replicas an
// address gets up to N times the rate, which is still bounded, and no
// state another replica needs lives here. The buckets of addresses idle
// for a while are dropped, so memory stays bounded by the addresses seen
// recently.
type IPLimiter struct {
	Rate  float64 // tokens added per second
	Burst float64 // bucket size
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*ipBucket
	swept   time.Time
}

type ipBucket struct {
	tokens float64
	at     time.Time
}

// NewIPLimiter allows burst requests at once per address and one every
// per after that.
func NewIPLimiter(burst int, per time.Duration) *IPLimiter {
	return &IPLimiter{Rate: 1 / per.Seconds(), Burst: float64(burst), now: time.Now, buckets: map[string]*ipBucket{}}
}

// Allow takes a token from ip's bucket; when it is empty, false and how
// long until the next token.
func (l *IPLimiter) Allow(ip string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b := l.buckets[ip]
	if b == nil {
		b = &ipBucket{tokens: l.Burst, at: now}
		l.buckets[ip] = b
	}
	b.tokens = min(l.Burst, b.tokens+now.Sub(b.at).Seconds()*l.Rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.Rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// sweep drops, once a minute, the buckets that have refilled completely:
// forgetting them changes nothing.
func (l *IPLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	full := time.Duration(l.Burst / l.Rate * float64(time.Second))
	for ip, b := range l.buckets {
		if now.Sub(b.at) > full {
			delete(l.buckets, ip)
		}
	}
}

// Limit wraps next: a request from an address whose bucket is empty is
// answered by refuse with a RateLimited error (and Retry-After) and does
// not reach next.
func (l *IPLimiter) Limit(refuse func(w http.ResponseWriter, r *http.Request, err error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.Allow(ClientIP(r)); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			refuse(w, r, apperr.R(apperr.RateLimited, "too_many_requests", "Too many requests from this address; try again later."))
			return
		}
		next.ServeHTTP(w, r)
	})
}
