package mqtt

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"time"
)

// Floods of bad logins on the embedded broker. Station ids are public (the
// GBFS feed lists them), so anyone may send CONNECTs naming a real station
// with wrong secrets, each one an argon2id check (19 MiB, tens of
// milliseconds). Tested with 400 such connections, a station's own login
// waited 7.3 s behind them. The broker now:
//
//   - remembers verified logins apart from refused ones, keyed by the hash of
//     username and secret, so that a refusal never replaces nor evicts a
//     verified login, and the station with its right secret gets in at once
//     however its username is attacked (the success cache is looked at
//     before anything else);
//   - remembers refusals the same way, so that the same wrong secret is not
//     hashed again for a while;
//   - throttles failed logins per username and per client address before
//     any hashing (token buckets: a check takes a token from both, a
//     verified login gives them back), refusing without hashing once
//     either is empty, until it refills;
//   - waits a bounded time, with a bounded number of waiters, for one of the
//     few hashing slots, and refuses the login otherwise (the station
//     retries);
//   - logs refused logins once a minute per username, with a count, and
//     counts every refusal in cityhub_mqtt_broker_logins_refused_total.
//
// The constants are documented in docs/mqtt.md ("Broker accounts").
const (
	// userBurst failed checks per username, then one more each userRefill.
	userBurst  = 5
	userRefill = 12 * time.Second
	// ipBurst failed checks per client address, then one each ipRefill.
	ipBurst  = 30
	ipRefill = 2 * time.Second
	// hashSlots argon2id checks at a time (19 MiB each at the default cost);
	// at most hashWaiters more wait, each for at most slotWait.
	hashSlots   = 2
	hashWaiters = 32
	slotWait    = 2 * time.Second
)

// loginKey is the SHA-256 of a username and a secret: what the caches
// compare, so that only the very same secret hits.
type loginKey [32]byte

func newLoginKey(user string, pass []byte) loginKey {
	h := sha256.New()
	h.Write([]byte(user))
	h.Write([]byte{0}) // a username has no NUL: no two pairs share a key
	h.Write(pass)
	var k loginKey
	h.Sum(k[:0])
	return k
}

// verified is a login checked good.
type verified struct {
	key   loginKey
	until time.Time
}

// bucket is a token bucket: tokens at last, refilling one per refill up to burst.
type bucket struct {
	tokens float64
	last   time.Time
}

// buckets are token buckets by name (a username, an address).
type buckets struct {
	burst  float64
	refill time.Duration
	m      map[string]*bucket
}

func newBuckets(burst int, refill time.Duration) buckets {
	return buckets{burst: float64(burst), refill: refill, m: map[string]*bucket{}}
}

// level refills name's bucket to now and returns it (nil if it is full and
// not kept).
func (bs *buckets) level(name string, now time.Time) *bucket {
	b := bs.m[name]
	if b == nil {
		return nil
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(bs.burst, b.tokens+float64(d)/float64(bs.refill))
		b.last = now
	}
	return b
}

func (bs *buckets) has(name string, now time.Time) bool {
	b := bs.level(name, now)
	return b == nil || b.tokens >= 1
}

func (bs *buckets) take(name string, now time.Time) {
	b := bs.level(name, now)
	if b == nil {
		if len(bs.m) >= cacheBound {
			bs.prune(now)
		}
		b = &bucket{tokens: bs.burst, last: now}
		bs.m[name] = b
	}
	b.tokens--
}

func (bs *buckets) give(name string, now time.Time) {
	if b := bs.level(name, now); b != nil {
		b.tokens = min(bs.burst, b.tokens+1)
	}
}

// prune forgets the full buckets (a full one is as good as none); if that
// is not enough, every bucket: the bound holds whatever a flood sprays.
func (bs *buckets) prune(now time.Time) {
	for name := range bs.m {
		if b := bs.level(name, now); b.tokens >= bs.burst {
			delete(bs.m, name)
		}
	}
	if len(bs.m) >= cacheBound {
		clear(bs.m)
	}
}

// loginGuard holds what the broker remembers of station logins: verified
// ones, refused ones, and the failure budgets. Not safe for concurrent use:
// authHook holds its mutex around every call.
type loginGuard struct {
	good map[string]verified // by username: a station has one secret
	// bad are refused logins by username, then key; badCount counts them all.
	bad      map[string]map[loginKey]time.Time
	badCount int
	users    buckets
	addrs    buckets
}

func newLoginGuard() *loginGuard {
	return &loginGuard{good: map[string]verified{}, bad: map[string]map[loginKey]time.Time{},
		users: newBuckets(userBurst, userRefill), addrs: newBuckets(ipBurst, ipRefill)}
}

// lookup is what the guard knows of the login: verified (true, true),
// refused lately (false, true), or nothing (false, false). A verified login
// it finds is remembered verifiedFor from now: a minute after the
// station's last login, not its last check, so that a station that logs in
// again and again while its username is flooded is never sent to a
// budget the flood has spent.
func (g *loginGuard) lookup(user string, key loginKey, now time.Time) (ok, known bool) {
	if v, seen := g.good[user]; seen && now.Before(v.until) && subtle.ConstantTimeCompare(v.key[:], key[:]) == 1 {
		g.good[user] = verified{key: v.key, until: now.Add(verifiedFor)}
		return true, true
	}
	if until, seen := g.bad[user][key]; seen && now.Before(until) {
		return false, true
	}
	return false, false
}

// allow reports whether a check of user's login from addr may run, and if
// so takes a token from both budgets (given back by verified).
func (g *loginGuard) allow(user, addr string, now time.Time) bool {
	if !g.users.has(user, now) || !g.addrs.has(addr, now) {
		return false
	}
	g.users.take(user, now)
	g.addrs.take(addr, now)
	return true
}

// giveBack returns the tokens of a check that did not fail (it was
// verified, or it did not run: no slot, the credential changed meanwhile).
func (g *loginGuard) giveBack(user, addr string, now time.Time) {
	g.users.give(user, now)
	g.addrs.give(addr, now)
}

// verified remembers a good login until until; it replaces only another
// verified login of the same user.
func (g *loginGuard) verified(user string, key loginKey, until time.Time) {
	if _, seen := g.good[user]; !seen && len(g.good) >= cacheBound {
		clear(g.good) // only real stations get here: at most one per station
	}
	g.good[user] = verified{key: key, until: until}
}

// refused remembers a refused login until until. It never touches the
// verified logins.
func (g *loginGuard) refused(user string, key loginKey, until time.Time) {
	if g.badCount >= cacheBound {
		clear(g.bad)
		g.badCount = 0
	}
	m := g.bad[user]
	if m == nil {
		m = map[loginKey]time.Time{}
		g.bad[user] = m
	}
	if _, seen := m[key]; !seen {
		g.badCount++
	}
	m[key] = until
}

// forget drops what is remembered of user's logins (its credential changed).
// The budgets stay.
func (g *loginGuard) forget(user string) {
	delete(g.good, user)
	g.badCount -= len(g.bad[user])
	delete(g.bad, user)
}

// remoteHost is the address a client connects from, without its port.
func remoteHost(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
