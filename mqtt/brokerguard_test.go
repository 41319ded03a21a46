package mqtt

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/prometheus/client_golang/prometheus"

	"cityhub/internal/testutil"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// A refused login never replaces nor evicts the verified login of the same
// username, and only the very same username and secret hit.
func TestGuardRefusalKeepsTheVerifiedLogin(t *testing.T) {
	g := newLoginGuard()
	good, bad := newLoginKey("st-1", []byte("right")), newLoginKey("st-1", []byte("wrong"))
	g.verified("st-1", good, t0.Add(verifiedFor))
	g.refused("st-1", bad, t0.Add(refusedFor))
	if ok, known := g.lookup("st-1", good, t0.Add(time.Second)); !ok || !known {
		t.Errorf("the verified login after a refusal of the same username: ok %v known %v", ok, known)
	}
	if ok, known := g.lookup("st-1", bad, t0.Add(time.Second)); ok || !known {
		t.Errorf("the refused secret again: ok %v known %v, want refused from memory", ok, known)
	}
	for name, k := range map[string]loginKey{
		"another secret":             newLoginKey("st-1", []byte("other")),
		"the secret, another user":   newLoginKey("st-2", []byte("right")),
		"a shifted username/secret":  newLoginKey("st-1r", []byte("ight")),
		"the secret with a trailing": newLoginKey("st-1", []byte("right\x00")),
	} {
		if ok, known := g.lookup("st-1", k, t0.Add(time.Second)); ok || known {
			t.Errorf("%s: ok %v known %v, want unknown (checked)", name, ok, known)
		}
	}
	// Each expires on its own.
	if _, known := g.lookup("st-1", bad, t0.Add(refusedFor)); known {
		t.Error("a refusal is remembered past refusedFor")
	}
	if ok, _ := g.lookup("st-1", good, t0.Add(refusedFor)); !ok {
		t.Error("the verified login went with the refusal")
	}
	// The verified login was last used at t0+refusedFor.
	if _, known := g.lookup("st-1", good, t0.Add(refusedFor+verifiedFor)); known {
		t.Error("a verified login is remembered past verifiedFor after its last use")
	}
}

// A verified login is remembered a minute after the station's last login,
// not after its last check: logging in again and again, it is never
// checked (nor throttled) again; a minute without a login, it is.
func TestGuardRemembersAVerifiedLoginFromItsLastUse(t *testing.T) {
	g := newLoginGuard()
	good := newLoginKey("st-1", []byte("right"))
	g.verified("st-1", good, t0.Add(verifiedFor))
	at := t0
	for range 5 {
		at = at.Add(verifiedFor - time.Second)
		if ok, known := g.lookup("st-1", good, at); !ok || !known {
			t.Fatalf("a login %s after the one before: ok %v known %v, want remembered", verifiedFor-time.Second, ok, known)
		}
	}
	if _, known := g.lookup("st-1", good, at.Add(verifiedFor)); known {
		t.Error("remembered a minute after the last login")
	}
}

// However many refusals a flood makes (the bound clears them), the
// verified logins stay; a credential change forgets both.
func TestGuardRefusalsBoundedWithoutEvictingVerified(t *testing.T) {
	g := newLoginGuard()
	good := newLoginKey("st-1", []byte("right"))
	g.verified("st-1", good, t0.Add(verifiedFor))
	for i := range cacheBound + 10 {
		g.refused("st-1", newLoginKey("st-1", fmt.Appendf(nil, "guess-%d", i)), t0.Add(refusedFor))
	}
	if g.badCount > cacheBound {
		t.Errorf("%d refusals remembered, bound %d", g.badCount, cacheBound)
	}
	if ok, _ := g.lookup("st-1", good, t0); !ok {
		t.Error("a flood of refusals evicted the verified login")
	}
	bad := newLoginKey("st-1", []byte("guess-last"))
	g.refused("st-1", bad, t0.Add(refusedFor))
	g.forget("st-1")
	if _, known := g.lookup("st-1", good, t0); known {
		t.Error("the verified login survives a credential change")
	}
	if _, known := g.lookup("st-1", bad, t0); known {
		t.Error("a refusal survives a credential change")
	}
	if g.badCount != 0 {
		t.Errorf("badCount %d after forgetting the only username", g.badCount)
	}
}

// Checks are budgeted per username and per address: userBurst, then one
// per userRefill; a check that did not fail gives its tokens back.
func TestGuardBudgets(t *testing.T) {
	g := newLoginGuard()
	for i := range userBurst {
		if !g.allow("st-1", fmt.Sprintf("10.0.0.%d", i), t0) {
			t.Fatalf("check %d of a username refused, budget %d", i+1, userBurst)
		}
	}
	if g.allow("st-1", "10.0.1.1", t0) {
		t.Error("a username over its budget was checked again (from a fresh address)")
	}
	if !g.allow("st-2", "10.0.1.1", t0) {
		t.Error("another username was throttled")
	}
	if !g.allow("st-1", "10.0.1.1", t0.Add(userRefill)) {
		t.Error("no check after the username's budget refilled one")
	}
	if g.allow("st-1", "10.0.1.1", t0.Add(userRefill)) {
		t.Error("more than one check after one refill")
	}
	g.giveBack("st-1", "10.0.1.1", t0.Add(userRefill))
	if !g.allow("st-1", "10.0.1.1", t0.Add(userRefill)) {
		t.Error("a token given back was not there")
	}

	// Per address, over many usernames.
	g = newLoginGuard()
	for i := range ipBurst {
		if !g.allow(fmt.Sprintf("st-%d", i), "192.0.2.1", t0) {
			t.Fatalf("check %d from one address refused, budget %d", i+1, ipBurst)
		}
	}
	if g.allow("st-new", "192.0.2.1", t0) {
		t.Error("an address over its budget was checked again (for a fresh username)")
	}
	if !g.allow("st-new", "192.0.2.2", t0) {
		t.Error("another address was throttled")
	}
}

// fakeStations verifies "right" for any username, counting checks; while
// hold is set, each check waits for it to close.
type fakeStations struct {
	checks atomic.Int64
	mu     sync.Mutex
	hold   chan struct{}
}

func (f *fakeStations) AuthenticateStation(_ context.Context, _, secret string) (bool, error) {
	f.checks.Add(1)
	f.mu.Lock()
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		<-hold
	}
	return secret == "right", nil
}

func testHook(t *testing.T, st StationAuthenticator) (*authHook, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	h, err := newAuthHook("cityhub/v1", st, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	return h, reg
}

func client(addr string) *mochi.Client {
	cl := &mochi.Client{}
	cl.Net.Remote = addr
	return cl
}

// Through the hook: a station verified once gets in from memory however
// many wrong secrets name it, from however many addresses; the wrong
// secrets are checked only up to the username's budget.
func TestVerifyUnderAttack(t *testing.T) {
	st := &fakeStations{}
	h, _ := testHook(t, st)
	if !h.verify(client("198.51.100.7:4000"), "st-1", []byte("right")) {
		t.Fatal("the right secret was refused")
	}
	for i := range 100 {
		if h.verify(client(fmt.Sprintf("203.0.113.%d:5000", i)), "st-1", fmt.Appendf(nil, "wrong-%d", i)) {
			t.Fatal("a wrong secret was let in")
		}
	}
	if n := st.checks.Load(); n != 1+userBurst {
		t.Errorf("%d checks, want 1 for the station and %d for the attackers", n, userBurst)
	}
	before := st.checks.Load()
	if !h.verify(client("198.51.100.7:4001"), "st-1", []byte("right")) {
		t.Fatal("the station was refused under attack")
	}
	if st.checks.Load() != before {
		t.Error("the station's verified login was checked again: a refusal evicted it")
	}
	// The same wrong secret again is refused from memory.
	h.mu.Lock()
	h.guard.giveBack("st-1", "203.0.113.1", time.Now())
	h.mu.Unlock()
	if h.verify(client("203.0.113.1:5000"), "st-1", []byte("wrong-1")) || st.checks.Load() != before {
		t.Error("a wrong secret refused a moment ago was checked again")
	}
}

// At most hashSlots checks run and hashWaiters wait; a login beyond that
// is refused at once, and a waiter gives up after slotWait.
func TestCheckSlotsBounded(t *testing.T) {
	hold := make(chan struct{})
	st := &fakeStations{hold: hold}
	h, reg := testHook(t, st)
	var wg sync.WaitGroup
	for i := range hashSlots + hashWaiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.check(fmt.Sprint("st-", i), []byte("right"))
		}()
	}
	testutil.Eventually(t, 5*time.Second, "the slots taken and every waiter waiting", func() bool {
		return st.checks.Load() == hashSlots && h.waiting.Load() == hashWaiters
	})
	start := time.Now()
	if _, err := h.check("st-x", []byte("right")); err != errBusy {
		t.Errorf("a check beyond the slots and waiters: %v, want errBusy", err)
	}
	if d := time.Since(start); d > slotWait/2 {
		t.Errorf("a check beyond the waiters was refused after %v, want at once", d)
	}
	// Through verify: refused as busy, counted, and the budget given back.
	if h.verify(client("192.0.2.9:1"), "st-y", []byte("right")) {
		t.Error("a login with no slot was let in")
	}
	if n := counter(t, reg, reasonBusy); n != 1 {
		t.Errorf("busy refusals counted %v, want 1", n)
	}
	h.mu.Lock()
	full := h.guard.users.has("st-y", time.Now()) && h.guard.users.m["st-y"].tokens >= userBurst
	h.mu.Unlock()
	if !full {
		t.Error("a login refused as busy spent the username's budget")
	}
	close(hold)
	wg.Wait()
	if h.waiting.Load() != 0 {
		t.Errorf("%d waiters left", h.waiting.Load())
	}
}

// A login that waits for a slot gives up after slotWait.
func TestCheckWaitsAtMostSlotWait(t *testing.T) {
	hold := make(chan struct{})
	st := &fakeStations{hold: hold}
	h, _ := testHook(t, st)
	var wg sync.WaitGroup
	for i := range hashSlots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.check(fmt.Sprint("st-", i), []byte("right"))
		}()
	}
	defer func() { close(hold); wg.Wait() }()
	testutil.Eventually(t, 5*time.Second, "the slots taken", func() bool { return st.checks.Load() == hashSlots })
	start := time.Now()
	_, err := h.check("st-x", []byte("right"))
	if d := time.Since(start); err != errBusy || d < slotWait || d > slotWait+time.Second {
		t.Errorf("a check with every slot taken: %v after %v, want errBusy after %v", err, d, slotWait)
	}
}

func counter(t *testing.T, g prometheus.Gatherer, reason string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if mf.GetName() == "cityhub_mqtt_broker_logins_refused_total" && m.GetLabel()[0].GetValue() == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// The embedded broker has no TLS listener: listening beyond loopback, it
// warns that station secrets cross the network in clear text.
func TestBrokerWarnsOfClearTextBeyondLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:0": false, "0.0.0.0:0": true} {
		logs := &testutil.Buffer{}
		b, err := StartSecureBroker(BrokerOptions{Addr: addr, Stations: &fakeStations{}, Log: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		b.Close()
		got := strings.Contains(logs.String(), "level=WARN") && strings.Contains(logs.String(), "clear text")
		if got != want {
			t.Errorf("on %s: clear-text warning %v, want %v; logs:\n%s", addr, got, want, logs.String())
		}
	}
}

// A station left with its old secret (a spare unit, a configuration not
// updated after a rotation) retries every few seconds for as long as it
// runs. It costs its username a check once a refusal is forgotten, which
// must be less often than the budget refills: the station's new secret then
// still finds a check to run, and the real station gets in.
func TestGuardAStaleSecretLeavesTheUsernamesBudget(t *testing.T) {
	g := newLoginGuard()
	stale := newLoginKey("st-1", []byte("before the rotation"))
	at := t0
	for range 10 * 60 / 5 { // every 5 s for ten minutes
		if _, known := g.lookup("st-1", stale, at); !known && g.allow("st-1", "10.0.0.9", at) {
			g.refused("st-1", stale, at.Add(refusedFor))
		}
		if !g.users.has("st-1", at) {
			t.Fatalf("after %s of a stale secret, the station's new secret would find its username's budget spent", at.Sub(t0))
		}
		at = at.Add(5 * time.Second)
	}
}

// A client with no username, or with the hub's own account name and a
// guessed password, is refused, counted under a reason of its own, and
// logged.
func TestAnonymousAndHubAccountRefusalsCounted(t *testing.T) {
	logs := &testutil.Buffer{}
	reg := prometheus.NewRegistry()
	h, err := newAuthHook("cityhub/v1", &fakeStations{}, slog.New(slog.NewTextHandler(logs, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	connect := func(user, pass string) bool {
		var pk packets.Packet
		pk.Connect.Username, pk.Connect.Password = []byte(user), []byte(pass)
		return h.OnConnectAuthenticate(client("203.0.113.9:5000"), pk)
	}
	if connect("", "") || connect("", "x") {
		t.Fatal("a client with no username was let in")
	}
	if connect(hubUsername, "guess") {
		t.Fatal("a guessed hub password was let in")
	}
	if !connect(hubUsername, string(h.hubPass)) {
		t.Fatal("the hub's own password was refused")
	}
	if n := counter(t, reg, reasonAnonymous); n != 2 {
		t.Errorf("anonymous refusals counted %v, want 2", n)
	}
	if n := counter(t, reg, reasonHubAccount); n != 1 {
		t.Errorf("hub_account refusals counted %v, want 1", n)
	}
	for _, want := range []string{"reason=anonymous", "reason=hub_account"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no log line with %s in %q", want, logs.String())
		}
	}
}
