package identity_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/store"
	"cityhub/store/storetest"
)

// limitsFixture is a service with small login limits, a settable clock and
// a count of the password checks it made.
type limitsFixture struct {
	svc    *identity.Service
	clock  *clock
	checks atomic.Int64
	limits identity.LoginLimits
}

func newLimitsFixture(t *testing.T, db store.DB, limits identity.LoginLimits) *limitsFixture {
	t.Helper()
	keys, err := keyring.Load(context.Background(), db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	f := &limitsFixture{clock: &clock{t: time.Now().UTC()}, limits: limits}
	f.svc = identity.NewService(db.Identity(), keys, identity.Options{
		Issuer: "http://cityhub.test", Argon2: identity.FastArgon2, Now: f.clock.Now, Limits: limits,
		PasswordChecked: func() { f.checks.Add(1) },
	}, storetest.Logger(t))
	return f
}

func (f *limitsFixture) register(t *testing.T, email string) {
	t.Helper()
	if _, err := f.svc.Register(context.Background(), identity.NewAccount{Email: email, Password: password, Name: "Anna Rossi"}); err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
}

// login tries email with pw from ip and fails the test unless the answer
// has code want.
func (f *limitsFixture) login(t *testing.T, email, pw, ip string, want apperr.Code) error {
	t.Helper()
	_, err := f.svc.Login(context.Background(), email, pw, ip)
	if got := apperr.CodeOf(err); (want == "" && err != nil) || (want != "" && got != want) {
		t.Fatalf("login %s from %q: %v, want %q", email, ip, err, want)
	}
	return err
}

// retryAfter is the delay a throttled answer asks for; 0 if none.
func retryAfter(err error) time.Duration { return apperr.RetryAfterOf(err) }

// burst sends n wrong logins for email at once, from ip(i), and counts the
// answers by reason.
func burst(t *testing.T, svc *identity.Service, n int, email string, ip func(i int) string) map[string]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := svc.Login(context.Background(), email, "wrong password!", ip(i))
			reason := apperr.ReasonOf(err)
			if err == nil {
				reason = "logged in"
			} else if reason == "" {
				reason = err.Error()
			}
			if apperr.Has(err, apperr.RateLimited) && retryAfter(err) <= 0 {
				reason = "throttled without a delay"
			}
			mu.Lock()
			got[reason]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

// 200 concurrent wrong passwords for one email: only as many are checked as
// the limit allows, from one address and from 200 addresses alike (the
// count used to be read before any failure was written, so all 200 were).
func TestLoginBurstHeldToLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		limits := identity.LoginLimits{PerAccountIP: 5, PerAccount: 10, PerIP: 50, Window: 15 * time.Minute}
		f := newLimitsFixture(t, db, limits)
		f.register(t, "anna@example.org")
		f.register(t, "bruno@example.org")
		f.checks.Store(0)

		got := burst(t, f.svc, 200, "anna@example.org", func(int) string { return "203.0.113.9" })
		if got["bad_credentials"] != limits.PerAccountIP || got["too_many_attempts"] != 200-limits.PerAccountIP {
			t.Fatalf("one address, 200 at once: %v; want %d checked, the rest throttled", got, limits.PerAccountIP)
		}
		if n := f.checks.Load(); n != int64(limits.PerAccountIP) {
			t.Fatalf("%d passwords checked, want %d", n, limits.PerAccountIP)
		}

		f.checks.Store(0)
		got = burst(t, f.svc, 200, "bruno@example.org", func(i int) string { return fmt.Sprintf("198.51.%d.%d", i/250, i%250+1) })
		if got["bad_credentials"] != limits.PerAccount || got["too_many_attempts"] != 200-limits.PerAccount {
			t.Fatalf("200 addresses at once: %v; want %d checked, the rest throttled", got, limits.PerAccount)
		}
		if n := f.checks.Load(); n != int64(limits.PerAccount) {
			t.Fatalf("%d passwords checked, want %d", n, limits.PerAccount)
		}
	})
}

// An attacker's address is throttled on the account without locking the
// citizen out: a known address logs in at once, an unknown one is slowed
// down only once failures from several addresses fill the account's bucket,
// and the delay it is told is honest.
func TestLoginThrottlePerAccountAndAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		limits := identity.LoginLimits{PerAccountIP: 5, PerAccount: 10, PerIP: 50, Window: 15 * time.Minute}
		f := newLimitsFixture(t, db, limits)
		f.register(t, "anna@example.org")
		const home, attacker, attacker2, newPhone = "192.0.2.10", "203.0.113.66", "2001:db8:66:1::1", "198.51.100.20"
		f.login(t, "anna@example.org", password, home, "")

		for range limits.PerAccountIP {
			f.login(t, "anna@example.org", "wrong password!", attacker, apperr.Unauthenticated)
		}
		err := f.login(t, "anna@example.org", password, attacker, apperr.RateLimited)
		if d := retryAfter(err); d <= 0 || d > limits.Window {
			t.Fatalf("retry after %v, want within the window", d)
		}
		// One address cannot lock the citizen out, on a known address or a new one.
		f.login(t, "anna@example.org", password, home, "")
		f.login(t, "anna@example.org", password, newPhone, "")

		// A second address fills the account's bucket for unknown addresses;
		// another host of its IPv6 /64 counts as the same address.
		f.clock.Add(time.Minute)
		for range 3 {
			f.login(t, "anna@example.org", "wrong password!", attacker2, apperr.Unauthenticated)
		}
		for range 2 {
			f.login(t, "anna@example.org", "wrong password!", "2001:db8:66:1::abcd", apperr.Unauthenticated)
		}
		f.login(t, "anna@example.org", "wrong password!", "2001:db8:66:1::beef", apperr.RateLimited)
		err = f.login(t, "anna@example.org", password, "198.51.100.99", apperr.RateLimited)
		// The first failures leave the window 15 minutes after they were made.
		if d := retryAfter(err); d != 14*time.Minute {
			t.Fatalf("unknown address told to retry after %v, want 14m0s", d)
		}
		f.login(t, "anna@example.org", password, home, "")
		f.login(t, "anna@example.org", password, newPhone, "") // known since its login above

		f.clock.Add(14 * time.Minute)
		f.login(t, "anna@example.org", password, "198.51.100.99", "")
	})
}

// A pupil spraying guesses from a school's one address throttles new
// logins from the school, not the people who logged in there before; an
// administrator clears the school's address and everyone logs in again.
func TestLoginSharedAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		limits := identity.LoginLimits{PerAccountIP: 5, PerAccount: 10, PerIP: 20, Window: 15 * time.Minute}
		f := newLimitsFixture(t, db, limits)
		const school = "192.0.2.200"
		f.register(t, "maestra@example.org")
		f.register(t, "alunno@example.org")
		f.login(t, "maestra@example.org", password, school, "")

		for i := range limits.PerIP {
			f.login(t, fmt.Sprintf("guess%d@example.org", i), "wrong password!", school, apperr.Unauthenticated)
		}
		f.login(t, "alunno@example.org", password, school, apperr.RateLimited)
		f.login(t, "maestra@example.org", password, school, "")
		// The same pupil elsewhere is not the school.
		f.login(t, "alunno@example.org", password, "198.51.100.3", "")

		// Counters, not attempts: the school's own and one for each
		// account guessed from it.
		n, err := f.svc.ClearLoginLimits(context.Background(), "", school)
		if err != nil || n != 1+limits.PerIP {
			t.Fatalf("clear the school's address: %d, %v; want its own counter and its %d pairs' emptied", n, err, limits.PerIP)
		}
		f.login(t, "alunno@example.org", password, school, "")
	})
}

// An administrator clears an account's limits: a citizen slowed down on a
// new address logs in at once.
func TestClearLoginLimitsOfAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		limits := identity.LoginLimits{PerAccountIP: 5, PerAccount: 10, PerIP: 50, Window: 15 * time.Minute}
		f := newLimitsFixture(t, db, limits)
		f.register(t, "anna@example.org")
		for i := range limits.PerAccount {
			f.login(t, "anna@example.org", "wrong password!", fmt.Sprintf("203.0.113.%d", i), apperr.Unauthenticated)
		}
		f.login(t, "anna@example.org", password, "192.0.2.10", apperr.RateLimited)
		// Counters, not attempts: the account's own and one for each
		// network it was tried from.
		n, err := f.svc.ClearLoginLimits(context.Background(), "ANNA@example.org", "")
		if err != nil || n != 1+limits.PerAccount {
			t.Fatalf("clear: %d, %v; want the account's counter and its %d pairs' emptied", n, err, limits.PerAccount)
		}
		f.login(t, "anna@example.org", password, "192.0.2.10", "")
		if _, err := f.svc.ClearLoginLimits(context.Background(), "", ""); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("clear nothing: %v, want invalid", err)
		}
		if _, err := f.svc.ClearLoginLimits(context.Background(), "", "not an address"); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("clear a bad address: %v, want invalid", err)
		}
		// An email address that is none said "nothing to forget", as if
		// the address had been looked for and found clean.
		if _, err := f.svc.ClearLoginLimits(context.Background(), "notanemail", ""); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("clear a bad email address: %v, want invalid", err)
		}
	})
}

// Clearing says how many counters it emptied, not how many attempts they
// held: five failures from one network are the account's counter and the
// pair's; a second network adds its pair.
func TestClearLoginLimitsCountsCounters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newLimitsFixture(t, db, identity.LoginLimits{PerAccountIP: 5, PerAccount: 20, PerIP: 50, Window: 15 * time.Minute})
		f.register(t, "anna@example.org")
		fail := func(ip string, times int) {
			for range times {
				f.login(t, "anna@example.org", "wrong password!", ip, apperr.Unauthenticated)
			}
		}
		fail("203.0.113.1", 5)
		if n, err := f.svc.ClearLoginLimits(context.Background(), "anna@example.org", ""); err != nil || n != 2 {
			t.Fatalf("clear after five failures from one network: %d, %v; want 2 counters", n, err)
		}
		fail("203.0.113.1", 3)
		fail("2001:db8:5::1", 2)
		if n, err := f.svc.ClearLoginLimits(context.Background(), "anna@example.org", ""); err != nil || n != 3 {
			t.Fatalf("clear after failures from two networks: %d, %v; want 3 counters", n, err)
		}
		fail("203.0.113.1", 4)
		if n, err := f.svc.ClearLoginLimits(context.Background(), "", "203.0.113.1"); err != nil || n != 2 {
			t.Fatalf("clear the network after four failures: %d, %v; want its counter and its pair's", n, err)
		}
	})
}

// Sign-ups from one address are held to their limit under a burst too.
func TestSignupBurstHeldToLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newLimitsFixture(t, db, identity.LoginLimits{SignupsPerIP: 3})
		ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.44"})
		var made atomic.Int32
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Register(ctx, identity.NewAccount{Email: fmt.Sprintf("c%d@example.org", i), Password: password, Name: "C"})
				if err == nil {
					made.Add(1)
				} else if !apperr.Has(err, apperr.RateLimited) {
					t.Errorf("sign-up %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if n := made.Load(); n != 3 {
			t.Fatalf("%d sign-ups from one address, want 3", n)
		}
	})
}

// The networks a person logged in from are theirs: exported with their data
// and forgotten when the account is erased.
func TestLoginAddressesExportedAndErased(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newLimitsFixture(t, db, identity.LoginLimits{})
		f.register(t, "anna@example.org")
		f.login(t, "anna@example.org", password, "2001:db8:1:2:3::9", "")
		f.login(t, "anna@example.org", password, "192.0.2.10", "")
		a, err := f.svc.AccountByEmail(context.Background(), "anna@example.org")
		if err != nil {
			t.Fatal(err)
		}
		out, err := f.svc.Export(context.Background(), a.Caller())
		if err != nil {
			t.Fatal(err)
		}
		var nets []string
		for _, l := range out.LoginAddresses {
			nets = append(nets, l.Network)
		}
		if strings.Join(nets, " ") != "192.0.2.10 2001:db8:1:2::/64" && strings.Join(nets, " ") != "2001:db8:1:2::/64 192.0.2.10" {
			t.Fatalf("exported login addresses %v", nets)
		}
		if err := f.svc.DeleteAccount(context.Background(), a.ID); err != nil {
			t.Fatal(err)
		}
		if out, err = f.svc.Export(context.Background(), a.Caller()); err != nil || len(out.LoginAddresses) != 0 {
			t.Fatalf("after erasure: %v, %v", out.LoginAddresses, err)
		}
	})
}
