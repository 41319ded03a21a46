package identity_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/keyring"
	"cityhub/mail"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

const password = "correct horse battery"

// clock is a settable time source shared by the service under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	db    store.DB
	keys  *keyring.Keyring
	svc   *identity.Service
	clock *clock
}

// newFixture runs the service on db with fast hashes, or at the cost
// argon2 if given.
func newFixture(t *testing.T, db store.DB, argon2 ...identity.Argon2Params) *fixture {
	t.Helper()
	keys, err := keyring.Load(context.Background(), db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	composer, err := mail.NewComposer("https://hub.example.org")
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now().UTC()}
	opt := identity.Options{
		Issuer: "http://cityhub.test", Argon2: identity.FastArgon2, Now: c.Now, Mail: composer,
		Limits: identity.LoginLimits{PerAccount: 3, PerIP: 5, Window: 15 * time.Minute},
		// No answer floor: tests would wait 300 ms on every sign-up.
		AnswerFloor: -1,
	}
	if len(argon2) > 0 {
		// The production cost, and the production floor, for the tests
		// that time the answers.
		opt.Argon2 = argon2[0]
		opt.Limits.MailsPerAddress = 1000
		opt.AnswerFloor = 0
	}
	svc := identity.NewService(db.Identity(), keys, opt, storetest.Logger(t))
	return &fixture{db: db, keys: keys, svc: svc, clock: c}
}

func (f *fixture) register(t *testing.T, email string) identity.Account {
	t.Helper()
	a, err := f.svc.Register(context.Background(), identity.NewAccount{Email: email, Password: password, Name: "Anna Rossi"})
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return a
}

func TestPasswordHashRoundTrip(t *testing.T) {
	t.Parallel()
	h := identity.HashPassword("s3cret password", identity.FastArgon2)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id with its parameters", h)
	}
	if ok, err := identity.CheckPassword("s3cret password", h); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := identity.CheckPassword("s3cret passwore", h); ok {
		t.Fatal("wrong password accepted")
	}
	if h2 := identity.HashPassword("s3cret password", identity.FastArgon2); h2 == h {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	for _, bad := range []string{"", "!deleted", "$argon2i$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=99999999,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", strings.Replace(h, "$v=19$", "$v=16$", 1)} {
		if ok, err := identity.CheckPassword("s3cret password", bad); ok || err == nil {
			t.Errorf("hash %q: ok=%v err=%v, want refused with an error", bad, ok, err)
		}
	}
	// The default cost is the production one; check it still round-trips.
	hd := identity.HashPassword("x", identity.DefaultArgon2)
	if ok, _ := identity.CheckPassword("x", hd); !ok || !strings.Contains(hd, "m=19456,t=2,p=1") {
		t.Fatalf("default hash %q", hd)
	}
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("pw", identity.HashPassword("pw", identity.FastArgon2))
	f.Add("pw", "$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("", "$argon2id$v=19$m=0,t=0,p=0$AA$AA")
	f.Fuzz(func(t *testing.T, pw, encoded string) {
		if strings.Contains(encoded, "m=") && !strings.Contains(encoded, "m=64,") {
			return // keep the fuzzer from asking for large memory costs
		}
		_, _ = identity.CheckPassword(pw, encoded)
	})
}

func TestRegisterAndLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.register(t, "Anna.Rossi@Example.org")
		if !a.Caller().Has(identity.RoleCitizen) || a.Locale != "it" {
			t.Fatalf("registered %+v", a)
		}
		// The wallet was opened in the same transaction.
		wtx := wallet.NewService(db.Wallet(), nil)
		if _, err := wtx.Account(ctx, wallet.CitizenAccount(a.ID)); err != nil {
			t.Fatalf("citizen wallet: %v", err)
		}
		// Emails are unique whatever their case.
		_, err := f.svc.Register(ctx, identity.NewAccount{Email: "anna.rossi@example.ORG", Password: password, Name: "Other"})
		testutil.WantCode(t, err, apperr.Conflict)

		tokens, err := f.svc.Login(ctx, "ANNA.ROSSI@example.org", password, "192.0.2.1")
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		if tokens.TokenType != "Bearer" || tokens.ExpiresIn != 900 || tokens.RefreshToken == "" {
			t.Fatalf("tokens %+v", tokens)
		}
		c, err := f.svc.Authenticate(ctx, tokens.AccessToken)
		if err != nil || c.AccountID != a.ID || !c.Has(identity.RoleCitizen) {
			t.Fatalf("authenticate: %+v, %v", c, err)
		}
		_, err = f.svc.Login(ctx, "anna.rossi@example.org", password+"x", "192.0.2.1")
		testutil.WantCode(t, err, apperr.Unauthenticated)
	})
}

func TestRegisterValidates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	for name, n := range map[string]identity.NewAccount{
		"bad email":    {Email: "not-an-email", Password: password, Name: "A"},
		"display form": {Email: "Anna <a@example.org>", Password: password, Name: "A"},
		"short pw":     {Email: "a@example.org", Password: "short", Name: "A"},
		"long pw":      {Email: "a@example.org", Password: strings.Repeat("x", 300), Name: "A"},
		"no name":      {Email: "a@example.org", Password: password, Name: "  "},
		"control char": {Email: "a@example.org", Password: password, Name: "Ann\x01e"},
		"escape":       {Email: "a@example.org", Password: password, Name: "Ann\x1b[31me"},
		"delete":       {Email: "a@example.org", Password: password, Name: "Ann\x7fe"},
		"two lines":    {Email: "a@example.org", Password: password, Name: "Ann\nBcc: x@example.org"},
		"separator":    {Email: "a@example.org", Password: password, Name: "Ann\u2028e"},
		"override":     {Email: "a@example.org", Password: password, Name: "Ann\u202ee"},
		"zero width":   {Email: "a@example.org", Password: password, Name: "Ann\u200be"},
		"locale":       {Email: "a@example.org", Password: password, Name: "A", Locale: "fr"},
		"grants":       {Email: "a@example.org", Password: password, Name: "A", Grants: []identity.Grant{{Role: identity.RoleAdmin}}},
	} {
		_, err := f.svc.Register(ctx, n)
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if n, err := f.svc.CountAccounts(ctx); err != nil || n != 0 {
		t.Fatalf("%d accounts written by refused sign-ups (%v)", n, err)
	}
}

func TestCreateAccountByAdmin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		citizen := identity.Caller{AccountID: "acc_c", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		shopStaff := identity.NewAccount{Email: "till@shop.example", Password: password, Name: "Till", Locale: "en",
			Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop_1"}, {Role: identity.RoleDoor, Scope: "venue_9"}}}
		_, err := f.svc.CreateAccount(ctx, citizen, shopStaff)
		testutil.WantCode(t, err, apperr.Forbidden)
		a, err := f.svc.CreateAccount(ctx, admin, shopStaff)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Account(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := got.Caller()
		if !c.HasIn(identity.RoleMerchant, "shop_1") || !c.HasIn(identity.RoleDoor, "venue_9") || c.Has(identity.RoleCitizen) || c.HasIn(identity.RoleMerchant, "shop_2") {
			t.Fatalf("grants %+v", got.Grants)
		}
		for name, grants := range map[string][]identity.Grant{
			"none":              nil,
			"unscoped merchant": {{Role: identity.RoleMerchant}},
			"scoped admin":      {{Role: identity.RoleAdmin, Scope: "x"}},
			"unknown role":      {{Role: "mayor"}},
			"twice":             {{Role: identity.RoleOperator}, {Role: identity.RoleOperator}},
		} {
			n := shopStaff
			n.Email = "other@shop.example"
			n.Grants = grants
			_, err := f.svc.CreateAccount(ctx, admin, n)
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.register(t, "anna@example.org")
		first, err := f.svc.Login(ctx, "anna@example.org", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.Refresh(ctx, first.RefreshToken)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
			t.Fatal("refresh did not rotate")
		}
		third, err := f.svc.Refresh(ctx, second.RefreshToken)
		if err != nil {
			t.Fatalf("refresh the rotated token: %v", err)
		}
		// A second login is another family, untouched by what follows.
		other, err := f.svc.Login(ctx, "anna@example.org", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		// The first token comes back: it was copied. The whole family goes.
		_, err = f.svc.Refresh(ctx, first.RefreshToken)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		_, err = f.svc.Refresh(ctx, third.RefreshToken)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		if _, err := f.svc.Refresh(ctx, other.RefreshToken); err != nil {
			t.Fatalf("another login's family was revoked too: %v", err)
		}
		_, err = f.svc.Refresh(ctx, "rt_made_up")
		testutil.WantCode(t, err, apperr.Unauthenticated)
	})
}

func TestRefreshExpiresAndLogout(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.register(t, "anna@example.org")
		a, _ := f.svc.Login(ctx, "anna@example.org", password, "")
		b, _ := f.svc.Login(ctx, "anna@example.org", password, "")
		if err := f.svc.Logout(ctx, a.RefreshToken); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Refresh(ctx, a.RefreshToken)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		if err := f.svc.Logout(ctx, a.RefreshToken); err != nil {
			t.Fatalf("second logout: %v", err)
		}
		f.clock.Add(31 * 24 * time.Hour)
		_, err = f.svc.Refresh(ctx, b.RefreshToken)
		testutil.WantCode(t, err, apperr.Unauthenticated)
	})
}

// Two refreshes with one token at the same moment: at most one wins; the
// loser looks like a reuse and ends the family.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.register(t, "anna@example.org")
		tok, err := f.svc.Login(ctx, "anna@example.org", password, "")
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		results := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = f.svc.Refresh(ctx, tok.RefreshToken)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !apperr.Has(err, apperr.Unauthenticated):
				t.Fatalf("refresh failed with %v", err)
			}
		}
		if wins > 1 {
			t.Fatalf("%d concurrent refreshes of one token succeeded", wins)
		}
	})
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.register(t, "anna@example.org")
		// The same number of failures locks a real and a made-up address,
		// with the same error, so a refusal says nothing about existence.
		var errs [2][]error
		for i, email := range []string{"anna@example.org", "nobody@example.org"} {
			for range 4 {
				_, err := f.svc.Login(ctx, email, "wrong password!", "")
				errs[i] = append(errs[i], err)
			}
		}
		for i := range 4 {
			a, b := errs[0][i], errs[1][i]
			if apperr.CodeOf(a) != apperr.CodeOf(b) || apperr.ReasonOf(a) != apperr.ReasonOf(b) || apperr.MessageOf(a) != apperr.MessageOf(b) {
				t.Fatalf("attempt %d: existing %v, missing %v: the answers differ", i, a, b)
			}
		}
		testutil.WantCode(t, errs[0][2], apperr.Unauthenticated)
		testutil.WantCode(t, errs[0][3], apperr.RateLimited)
		// Locked even with the right password, from anywhere.
		_, err := f.svc.Login(ctx, "anna@example.org", password, "198.51.100.7")
		testutil.WantCode(t, err, apperr.RateLimited)
		// Page sessions share the limit.
		_, _, err = f.svc.StartSession(ctx, "ANNA@example.org", password, "")
		testutil.WantCode(t, err, apperr.RateLimited)
		f.clock.Add(16 * time.Minute)
		if _, err := f.svc.Login(ctx, "anna@example.org", password, ""); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestLoginRateLimitPerIP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.register(t, "anna@example.org")
		// Five failures from one address on five different emails.
		for i := range 5 {
			_, err := f.svc.Login(ctx, "guess"+string(rune('a'+i))+"@example.org", "wrong password!", "203.0.113.9")
			testutil.WantCode(t, err, apperr.Unauthenticated)
		}
		_, err := f.svc.Login(ctx, "anna@example.org", password, "203.0.113.9")
		testutil.WantCode(t, err, apperr.RateLimited)
		if _, err := f.svc.Login(ctx, "anna@example.org", password, "203.0.113.10"); err != nil {
			t.Fatalf("another address is blocked too: %v", err)
		}
	})
}

func TestAccessTokenOfRemovedAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.register(t, "anna@example.org")
		tok, err := f.svc.Login(ctx, "anna@example.org", password, "")
		if err != nil {
			t.Fatal(err)
		}
		token, c, err := f.svc.StartSession(ctx, "anna@example.org", password, "")
		if err != nil || c.AccountID != a.ID {
			t.Fatal(err)
		}
		if err := f.svc.DeleteAccount(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Authenticate(ctx, tok.AccessToken)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		_, err = f.svc.Refresh(ctx, tok.RefreshToken)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		_, err = f.svc.SessionCaller(ctx, token)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		_, err = f.svc.Login(ctx, "anna@example.org", password, "")
		testutil.WantCode(t, err, apperr.Unauthenticated)
		// The address is free again; the anonymised row keeps the id.
		got, err := f.svc.Account(ctx, a.ID)
		if err != nil || got.Email == "anna@example.org" || got.Name != "" || len(got.Grants) != 0 || got.DeletedAt.IsZero() {
			t.Fatalf("after deletion: %+v, %v", got, err)
		}
		f.register(t, "anna@example.org")
		// The ledger account stays for accounting.
		if _, err := wallet.NewService(db.Wallet(), nil).Account(ctx, wallet.CitizenAccount(a.ID)); err != nil {
			t.Fatalf("ledger account gone: %v", err)
		}
	})
}

func TestExport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.register(t, "anna@example.org")
		if _, err := f.svc.Login(ctx, "anna@example.org", password, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.StartSession(ctx, "anna@example.org", password, ""); err != nil {
			t.Fatal(err)
		}
		ex, err := f.svc.Export(ctx, a.Caller())
		if err != nil {
			t.Fatal(err)
		}
		if ex.Account.Email != "anna@example.org" || len(ex.Sessions) != 1 || len(ex.RefreshTokens) != 1 || ex.Account.PasswordHash == "" {
			t.Fatalf("export %+v", ex)
		}
		_, err = f.svc.Export(ctx, identity.Caller{AccountID: "acc_nobody"})
		testutil.WantCode(t, err, apperr.NotFound)
		// No one's export without a caller: a person exports only themself.
		_, err = f.svc.Export(ctx, identity.Caller{})
		testutil.WantCode(t, err, apperr.Unauthenticated)
	})
}

func TestPageSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.register(t, "anna@example.org")
		token, _, err := f.svc.StartSession(ctx, "anna@example.org", password, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		// Used every hour, it lives until the absolute limit (12h).
		for range 11 {
			f.clock.Add(time.Hour)
			c, err := f.svc.SessionCaller(ctx, token)
			if err != nil || c.AccountID != a.ID {
				t.Fatalf("session: %v", err)
			}
		}
		f.clock.Add(time.Hour)
		_, err = f.svc.SessionCaller(ctx, token)
		testutil.WantCode(t, err, apperr.Unauthenticated)

		// Left idle for the idle limit (2h), it ends.
		token, _, _ = f.svc.StartSession(ctx, "anna@example.org", password, "")
		f.clock.Add(2 * time.Hour)
		_, err = f.svc.SessionCaller(ctx, token)
		testutil.WantCode(t, err, apperr.Unauthenticated)

		token, _, _ = f.svc.StartSession(ctx, "anna@example.org", password, "")
		if err := f.svc.EndSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SessionCaller(ctx, token)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		if err := f.svc.EndSession(ctx, token); err != nil {
			t.Fatalf("ending twice: %v", err)
		}
		// Sessions are stored by hash only.
		ex, _ := f.svc.Export(ctx, a.Caller())
		for _, s := range ex.Sessions {
			if s.Hash == token || strings.Contains(s.Hash, token) {
				t.Fatal("session token stored in clear")
			}
		}
	})
}

func TestEnsureAccountIsIdempotent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		n := identity.NewAccount{Email: "admin@comune.example", Password: password, Name: "Admin",
			Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		const hubs = 4
		var wg sync.WaitGroup
		ids := make([]string, hubs)
		created := make([]bool, hubs)
		for i := range hubs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, c, err := f.svc.EnsureAccount(ctx, n)
				if err != nil {
					t.Errorf("ensure: %v", err)
				}
				ids[i], created[i] = a.ID, c
			}()
		}
		wg.Wait()
		nCreated := 0
		for i := range hubs {
			if ids[i] != ids[0] || ids[i] == "" {
				t.Fatalf("ids %v: want one account", ids)
			}
			if created[i] {
				nCreated++
			}
		}
		if nCreated != 1 {
			t.Fatalf("%d calls say they created the account", nCreated)
		}
		if _, err := f.svc.Login(ctx, "ADMIN@comune.example", password, ""); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSignupLimitPerIP(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	keys, err := keyring.Load(context.Background(), db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	svc := identity.NewService(db.Identity(), keys, identity.Options{Argon2: identity.FastArgon2, Limits: identity.LoginLimits{SignupsPerIP: 3}}, nil)
	ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.44"})
	for i := range 4 {
		_, err := svc.Register(ctx, identity.NewAccount{Email: "c" + string(rune('a'+i)) + "@example.org", Password: password, Name: "C"})
		if i < 3 && err != nil {
			t.Fatalf("sign-up %d: %v", i, err)
		}
		if i == 3 {
			testutil.WantCode(t, err, apperr.RateLimited)
		}
	}
	other := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.45"})
	if _, err := svc.Register(other, identity.NewAccount{Email: "z@example.org", Password: password, Name: "Z"}); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// City office staff hold their role for one office, like shop staff for a
// shop: a grant without the office is refused.
func TestCityStaffGrantIsScoped(t *testing.T) {
	if err := identity.ValidateGrants([]identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}, {Role: identity.RoleCityStaff, Scope: "parks"}}); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]identity.Grant{
		"no office":   {Role: identity.RoleCityStaff},
		"long office": {Role: identity.RoleCityStaff, Scope: strings.Repeat("o", identity.MaxScopeLen+1)},
	} {
		if err := identity.ValidateGrants([]identity.Grant{g}); apperr.ReasonOf(err) != "bad_grant" {
			t.Errorf("%s: %v, want bad_grant", name, err)
		}
	}
	c := identity.Caller{Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}}
	if !c.HasIn(identity.RoleCityStaff, "roads") || c.HasIn(identity.RoleCityStaff, "parks") || c.Has(identity.RoleAdmin) {
		t.Fatalf("caller %+v", c)
	}
}

// A new account's mistakes are all named at once, in the form's order, and
// Validate refuses with the first of them; a good account has none.
func TestNewAccountProblemsNameEveryBadField(t *testing.T) {
	t.Parallel()
	bad := identity.NewAccount{Email: "anna@", Name: "\t", Locale: "fr", Password: "corta", Grants: []identity.Grant{{Role: identity.RoleMerchant}}}
	var reasons []string
	for _, err := range bad.Problems() {
		testutil.WantCode(t, err, apperr.Invalid)
		reasons = append(reasons, apperr.ReasonOf(err))
	}
	if got := strings.Join(reasons, " "); got != "bad_email bad_name bad_locale weak_password bad_grant" {
		t.Fatalf("problems: %s", got)
	}
	testutil.WantReason(t, bad.Validate(), apperr.Invalid, "bad_email")
	good := identity.NewAccount{Email: " anna@example.org ", Name: "Anna", Password: password}
	if p := good.Problems(); len(p) != 0 || good.Email != "anna@example.org" || good.Locale != "it" {
		t.Fatalf("a good account: %v, %+v", p, good)
	}
}

// An address in the .invalid top-level domain, where no mail is delivered
// and the hub's placeholders live, is refused as any bad address is: an
// account there could never confirm it. Other addresses are kept.
func TestValidateEmailRefusesTheInvalidDomain(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"acc_x" + identity.PlaceholderEmailDomain, "anna@SPID.INVALID", "anna@mail.invalid", "anna@invalid.invalid"} {
		testutil.WantReason(t, identity.ValidateEmail(bad), apperr.Invalid, "bad_email")
	}
	for _, good := range []string{"anna@example.org", "anna@invalid.example.org", "anna@invalidity.it"} {
		if err := identity.ValidateEmail(good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
}
