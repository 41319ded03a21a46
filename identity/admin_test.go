package identity_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

var (
	adminGrants   = []identity.Grant{{Role: identity.RoleAdmin}}
	citizenGrants = []identity.Grant{{Role: identity.RoleCitizen}}
)

// accountsFixture is a city with an administrator and one account in each
// state, made a minute apart so that the newest-first order is known.
type accountsFixture struct {
	*fixture
	admin                                          identity.Caller
	adminID                                        string
	anna, till, unverified, spid, disabled, erased identity.Account
}

func newAccountsFixture(t *testing.T, db store.DB) *accountsFixture {
	t.Helper()
	ctx := context.Background()
	f := &accountsFixture{fixture: newFixture(t, db)}
	a, _, err := f.svc.EnsureAccount(ctx, identity.NewAccount{Email: "sindaco@comune.example", Password: password, Name: "Clemente Mastella", Grants: adminGrants})
	if err != nil {
		t.Fatal(err)
	}
	f.admin, f.adminID = a.Caller(), a.ID
	next := func() { f.clock.Add(time.Minute) }
	next()
	f.anna = f.register(t, "anna.rossi@example.org")
	next()
	if f.till, err = f.svc.CreateAccount(ctx, f.admin, identity.NewAccount{Email: "till@forno.example", Password: password, Name: "Till Forno",
		Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop_1"}}}); err != nil {
		t.Fatal(err)
	}
	next()
	if err := f.svc.SignUp(ctx, identity.NewAccount{Email: "bruno@example.org", Password: password, Name: "Bruno Nuovo"}); err != nil {
		t.Fatal(err)
	}
	if f.unverified, err = f.svc.AccountByEmail(ctx, "bruno@example.org"); err != nil {
		t.Fatal(err)
	}
	next()
	if f.spid, _, err = f.svc.ExternalAccount(ctx, identity.ExternalIdentity{FiscalCode: "MRTMTT91D08F205J", GivenName: "Matteo", FamilyName: "Martini"}); err != nil {
		t.Fatal(err)
	}
	next()
	f.disabled = f.register(t, "carla@example.org")
	if f.disabled, err = f.svc.SetDisabled(ctx, f.admin, f.disabled.ID, true); err != nil {
		t.Fatal(err)
	}
	next()
	f.erased = f.register(t, "dario@example.org")
	if err := f.svc.DeleteAccount(ctx, f.erased.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *accountsFixture) search(t *testing.T, q identity.AccountQuery) []string {
	t.Helper()
	p, err := f.svc.SearchAccounts(context.Background(), f.admin, q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	var out []string
	for _, r := range p.Accounts {
		if r.PasswordHash != "" {
			t.Fatalf("the list carries %s's password hash", r.Email)
		}
		out = append(out, r.ID)
	}
	return out
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

func TestAdminSearchesAccounts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := context.Background()
		all := []string{f.erased.ID, f.disabled.ID, f.spid.ID, f.unverified.ID, f.till.ID, f.anna.ID, f.adminID}
		wantIDs(t, "everyone, newest first", f.search(t, identity.AccountQuery{}), all...)

		// Each state, as State says it.
		wantIDs(t, "active", f.search(t, identity.AccountQuery{State: identity.StateActive}), f.spid.ID, f.till.ID, f.anna.ID, f.adminID)
		wantIDs(t, "unverified", f.search(t, identity.AccountQuery{State: identity.StateUnverified}), f.unverified.ID)
		wantIDs(t, "disabled", f.search(t, identity.AccountQuery{State: identity.StateDisabled}), f.disabled.ID)
		wantIDs(t, "erased", f.search(t, identity.AccountQuery{State: identity.StateErased}), f.erased.ID)
		p, err := f.svc.SearchAccounts(ctx, f.admin, identity.AccountQuery{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Accounts {
			if r.State != r.Account.State() || r.State == "" {
				t.Errorf("%s listed as %q, is %q", r.ID, r.State, r.Account.State())
			}
		}

		// Part of an address or a name in any case, a whole id, a fiscal
		// code as typed.
		wantIDs(t, "address part", f.search(t, identity.AccountQuery{Text: "FORNO.example"}), f.till.ID)
		wantIDs(t, "name part", f.search(t, identity.AccountQuery{Text: " NUOVO "}), f.unverified.ID)
		wantIDs(t, "id", f.search(t, identity.AccountQuery{Text: f.unverified.ID}), f.unverified.ID)
		wantIDs(t, "fiscal code", f.search(t, identity.AccountQuery{Text: "mrtmtt91d08f205j"}), f.spid.ID)
		wantIDs(t, "a LIKE wildcard is a character", f.search(t, identity.AccountQuery{Text: "%"}))
		wantIDs(t, "text and state", f.search(t, identity.AccountQuery{Text: "example.org", State: identity.StateActive}), f.anna.ID)

		// Roles, and a scoped role in one scope.
		wantIDs(t, "admins", f.search(t, identity.AccountQuery{Role: identity.RoleAdmin}), f.adminID)
		wantIDs(t, "shop staff", f.search(t, identity.AccountQuery{Role: identity.RoleMerchant}), f.till.ID)
		wantIDs(t, "one shop's staff", f.search(t, identity.AccountQuery{Role: identity.RoleMerchant, Scope: "shop_1"}), f.till.ID)
		wantIDs(t, "another shop's staff", f.search(t, identity.AccountQuery{Role: identity.RoleMerchant, Scope: "shop_2"}))
		wantIDs(t, "citizens", f.search(t, identity.AccountQuery{Role: identity.RoleCitizen}), f.disabled.ID, f.spid.ID, f.unverified.ID, f.anna.ID)

		// Pages of two follow each other, each account once, in order.
		var walked []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > len(all) {
				t.Fatal("the pages do not end")
			}
			p, err := f.svc.SearchAccounts(ctx, f.admin, identity.AccountQuery{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Accounts) > 2 {
				t.Fatalf("a page of %d", len(p.Accounts))
			}
			for _, r := range p.Accounts {
				walked = append(walked, r.ID)
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		wantIDs(t, "paged", walked, all...)
		// A page exactly full says there is no next one.
		if p, err := f.svc.SearchAccounts(ctx, f.admin, identity.AccountQuery{Limit: len(all)}); err != nil || p.Next != "" || len(p.Accounts) != len(all) {
			t.Fatalf("one full page: %d accounts, next %q, %v", len(p.Accounts), p.Next, err)
		}
		// A cursor that names no account, of the shape the list gives or
		// not, was never a cursor of this list: an empty page would read
		// as its end.
		for _, bad := range []string{ids.New("acc"), "zzz", "acc_nobody", "mail_" + strings.TrimPrefix(f.anna.ID, "acc_"), strings.ToUpper(f.anna.ID), f.anna.ID + "0"} {
			_, err := f.svc.SearchAccounts(ctx, f.admin, identity.AccountQuery{Cursor: bad})
			if apperr.CodeOf(err) != apperr.Invalid || apperr.ReasonOf(err) != "bad_cursor" {
				t.Errorf("cursor %q: %v, want invalid bad_cursor", bad, err)
			}
		}

		// Accounts made in the same microsecond page by id.
		for i := range 3 {
			f.register(t, fmt.Sprintf("twin%d@example.org", i))
		}
		twins := f.search(t, identity.AccountQuery{Text: "twin"})
		if len(twins) != 3 || !slices.IsSortedFunc(twins, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Fatalf("same-time accounts: %v", twins)
		}
		p, err = f.svc.SearchAccounts(ctx, f.admin, identity.AccountQuery{Text: "twin", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "after the first twin", f.search(t, identity.AccountQuery{Text: "twin", Cursor: p.Next}), twins[1:]...)

		for name, q := range map[string]identity.AccountQuery{
			"unknown state":        {State: "asleep"},
			"unknown role":         {Role: "mayor"},
			"scope of a city role": {Role: identity.RoleOperator, Scope: "x"},
			"scope without role":   {Scope: "shop_1"},
			"page too long":        {Limit: identity.MaxAccountPage + 1},
			"negative page":        {Limit: -1},
			"text too long":        {Text: strings.Repeat("a", identity.MaxAccountSearchLen+1)},
		} {
			if _, err := f.svc.SearchAccounts(ctx, f.admin, q); !apperr.Has(err, apperr.Invalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		// Only an administrator.
		for _, c := range []identity.Caller{f.anna.Caller(), f.till.Caller(), {AccountID: "acc_op", Grants: []identity.Grant{{Role: identity.RoleOperator}}}, identity.System()} {
			_, err := f.svc.SearchAccounts(ctx, c, identity.AccountQuery{})
			testutil.WantCode(t, err, apperr.Forbidden)
			_, err = f.svc.ReviewAccount(ctx, c, f.anna.ID)
			testutil.WantCode(t, err, apperr.Forbidden)
		}
		r, err := f.svc.ReviewAccount(ctx, f.admin, f.till.ID)
		if err != nil || r.ID != f.till.ID || r.State != identity.StateActive || r.PasswordHash != "" ||
			!slices.Equal(r.Grants, []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop_1"}}) {
			t.Fatalf("review: %+v, %v", r, err)
		}
		if r, err := f.svc.ReviewAccount(ctx, f.admin, f.erased.ID); err != nil || r.State != identity.StateErased {
			t.Fatalf("review of an erased account: %+v, %v", r, err)
		}
		_, err = f.svc.ReviewAccount(ctx, f.admin, "acc_nobody")
		testutil.WantCode(t, err, apperr.NotFound)
	})
}

// auditOf lists the entries of action on account id.
func auditOf(t *testing.T, db store.DB, action, id string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	err := db.Identity().View(context.Background(), func(tx identity.Tx) error {
		var err error
		out, err = tx.ListAudit(context.Background(), audit.Filter{Action: action, ObjectType: "account", ObjectID: id})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAdminSetsGrants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.7"})
		token, _, err := f.svc.StartSession(ctx, "anna.rossi@example.org", password, "")
		if err != nil {
			t.Fatal(err)
		}

		// Anna also works the till of shop 7 and the door of venue 2.
		want := []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleDoor, Scope: "venue_2"}, {Role: identity.RoleMerchant, Scope: "shop_7"}}
		a, err := f.svc.SetGrants(ctx, f.admin, f.anna.ID, []identity.Grant{want[2], want[0], want[1]})
		if err != nil || !slices.Equal(a.Grants, want) {
			t.Fatalf("set grants: %+v, %v", a.Grants, err)
		}
		if got, _ := f.svc.Account(ctx, f.anna.ID); !slices.Equal(got.Grants, want) {
			t.Fatalf("stored grants %+v", got.Grants)
		}
		// Her open session holds them at once.
		if c, err := f.svc.SessionCaller(ctx, token); err != nil || !c.HasIn(identity.RoleMerchant, "shop_7") {
			t.Fatalf("session after the change: %+v, %v", c, err)
		}
		entries := auditOf(t, db, "account.grants", f.anna.ID)
		if len(entries) != 1 || entries[0].ActorID != f.adminID || entries[0].IP != "192.0.2.7" ||
			fmt.Sprint(entries[0].Detail["before"]) != "[citizen:]" ||
			fmt.Sprint(entries[0].Detail["after"]) != "[citizen: door_staff:venue_2 merchant_staff:shop_7]" {
			t.Fatalf("audit: %+v", entries)
		}
		// The same grants again change nothing and record nothing.
		if _, err := f.svc.SetGrants(ctx, f.admin, f.anna.ID, want); err != nil {
			t.Fatal(err)
		}
		if n := len(auditOf(t, db, "account.grants", f.anna.ID)); n != 1 {
			t.Fatalf("%d audit entries after a change of nothing", n)
		}

		// Shop staff becoming a citizen too gets a wallet.
		if _, err := wallet.NewService(db.Wallet(), nil).Account(ctx, wallet.CitizenAccount(f.till.ID)); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("staff had a wallet: %v", err)
		}
		if _, err := f.svc.SetGrants(ctx, f.admin, f.till.ID, []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleMerchant, Scope: "shop_1"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := wallet.NewService(db.Wallet(), nil).Account(ctx, wallet.CitizenAccount(f.till.ID)); err != nil {
			t.Fatalf("no wallet for the new citizen: %v", err)
		}

		// An administrator cannot demote themself; keeping the role while
		// adding another is fine. Another administrator may be demoted.
		_, err = f.svc.SetGrants(ctx, f.admin, f.adminID, []identity.Grant{{Role: identity.RoleOperator}})
		testutil.WantReason(t, err, apperr.Forbidden, "own_admin")
		if got, _ := f.svc.Account(ctx, f.adminID); !got.Caller().Has(identity.RoleAdmin) {
			t.Fatal("the refused self-demotion took the role away")
		}
		if _, err := f.svc.SetGrants(ctx, f.admin, f.adminID, []identity.Grant{{Role: identity.RoleAdmin}, {Role: identity.RoleOperator}}); err != nil {
			t.Fatalf("an administrator adding a role to themself: %v", err)
		}
		second, err := f.svc.CreateAccount(ctx, f.admin, identity.NewAccount{Email: "vice@comune.example", Password: password, Name: "Vice", Grants: adminGrants})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetGrants(ctx, f.admin, second.ID, citizenGrants); err != nil {
			t.Fatalf("demote another administrator: %v", err)
		}

		// Bad grants, no grants, no account, an erased account.
		for name, gs := range map[string][]identity.Grant{
			"none":              nil,
			"unscoped merchant": {{Role: identity.RoleMerchant}},
			"scoped admin":      {{Role: identity.RoleAdmin, Scope: "x"}},
			"unknown role":      {{Role: "mayor"}},
			"twice":             {{Role: identity.RoleOperator}, {Role: identity.RoleOperator}},
		} {
			_, err := f.svc.SetGrants(ctx, f.admin, f.anna.ID, gs)
			if !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != "bad_grant" {
				t.Errorf("%s: %v, want invalid bad_grant", name, err)
			}
		}
		_, err = f.svc.SetGrants(ctx, f.admin, "acc_nobody", citizenGrants)
		testutil.WantCode(t, err, apperr.NotFound)
		_, err = f.svc.SetGrants(ctx, f.admin, f.erased.ID, citizenGrants)
		testutil.WantCode(t, err, apperr.NotFound)

		// Nobody else, not even to give themself a role.
		for _, c := range []identity.Caller{f.anna.Caller(), f.till.Caller(), identity.System()} {
			_, err := f.svc.SetGrants(ctx, c, c.AccountID, adminGrants)
			testutil.WantCode(t, err, apperr.Forbidden)
		}
		if got, _ := f.svc.Account(ctx, f.anna.ID); !slices.Equal(got.Grants, want) {
			t.Fatalf("grants after the refusals: %+v", got.Grants)
		}
	})
}

// An administrator sees that a person is held back by failed logins and
// frees them; the audit log says who did it.
func TestAdminClearsAccountLoginLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := context.Background()
		for i := range 3 {
			_, err := f.svc.Login(ctx, "anna.rossi@example.org", "wrong password!", fmt.Sprintf("203.0.113.%d", i))
			testutil.WantCode(t, err, apperr.Unauthenticated)
		}
		_, err := f.svc.Login(ctx, "anna.rossi@example.org", password, "198.51.100.1")
		testutil.WantCode(t, err, apperr.RateLimited)
		r, err := f.svc.ReviewAccount(ctx, f.admin, f.anna.ID)
		if err != nil || r.FailedLogins != 3 {
			t.Fatalf("review: %d failed logins, %v; want 3", r.FailedLogins, err)
		}
		for _, c := range []identity.Caller{f.anna.Caller(), f.till.Caller(), identity.System()} {
			_, err := f.svc.ClearAccountLoginLimits(ctx, c, f.anna.ID)
			testutil.WantCode(t, err, apperr.Forbidden)
		}
		if n, err := f.svc.ClearAccountLoginLimits(ctx, f.admin, f.anna.ID); err != nil || n == 0 {
			t.Fatalf("clear: %d, %v", n, err)
		}
		if r, _ := f.svc.ReviewAccount(ctx, f.admin, f.anna.ID); r.FailedLogins != 0 {
			t.Fatalf("%d failed logins after clearing", r.FailedLogins)
		}
		if _, err := f.svc.Login(ctx, "anna.rossi@example.org", password, "198.51.100.1"); err != nil {
			t.Fatalf("login after clearing: %v", err)
		}
		entries := auditOf(t, db, "login.limits_cleared", f.anna.ID)
		if len(entries) != 1 || entries[0].ActorID != f.adminID {
			t.Fatalf("audit: %+v", entries)
		}
		_, err = f.svc.ClearAccountLoginLimits(ctx, f.admin, "acc_nobody")
		testutil.WantCode(t, err, apperr.NotFound)
		_, err = f.svc.ClearAccountLoginLimits(ctx, f.admin, f.erased.ID)
		testutil.WantCode(t, err, apperr.NotFound)
	})
}

// Changes of one account's grants at once apply one after the other: the
// account ends with one of the sets, not a mix, and each audit entry
// starts from the grants the one before it left.
func TestConcurrentSetGrants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := context.Background()
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.SetGrants(ctx, f.admin, f.till.ID, []identity.Grant{{Role: identity.RoleMerchant, Scope: fmt.Sprintf("shop_%d", 100+i)}})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent change: %v", err)
			}
		}
		a, err := f.svc.Account(ctx, f.till.ID)
		if err != nil || len(a.Grants) != 1 {
			t.Fatalf("after %d changes at once: %+v, %v", n, a.Grants, err)
		}
		entries := auditOf(t, db, "account.grants", f.till.ID)
		if len(entries) != n {
			t.Fatalf("%d audit entries, want %d", len(entries), n)
		}
		prev := "[merchant_staff:shop_1]"
		for _, e := range entries {
			if got := fmt.Sprint(e.Detail["before"]); got != prev {
				t.Fatalf("an entry starts from %s, the one before left %s", got, prev)
			}
			prev = fmt.Sprint(e.Detail["after"])
		}
		if want := "[merchant_staff:" + a.Grants[0].Scope + "]"; prev != want {
			t.Fatalf("the last entry left %s, the account holds %s", prev, want)
		}
	})
}

// Disabling an account ends every credential it had for good: enabling it
// again brings back no access token, refresh token or page session issued
// before, not even the access tokens the hub keeps as verified (they are
// not stored, so they cannot be revoked), while a new login works.
func TestReenabledAccountKeepsOldTokensRevoked(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := context.Background()
		old, err := f.svc.Login(ctx, "anna.rossi@example.org", password, "")
		if err != nil {
			t.Fatal(err)
		}
		session, _, err := f.svc.StartSession(ctx, "anna.rossi@example.org", password, "")
		if err != nil {
			t.Fatal(err)
		}
		if c, err := f.svc.Authenticate(ctx, old.AccessToken); err != nil || c.AccountID != f.anna.ID {
			t.Fatalf("access token before the disable: %+v, %v", c, err)
		}
		if _, err := f.svc.SetDisabled(ctx, f.admin, f.anna.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Authenticate(ctx, old.AccessToken)
		testutil.WantCode(t, err, apperr.Unauthenticated)
		if _, err := f.svc.SetDisabled(ctx, f.admin, f.anna.ID, false); err != nil {
			t.Fatal(err)
		}

		_, err = f.svc.Authenticate(ctx, old.AccessToken)
		testutil.WantReason(t, err, apperr.Unauthenticated, "invalid_token")
		_, err = f.svc.Refresh(ctx, old.RefreshToken)
		testutil.WantReason(t, err, apperr.Unauthenticated, "invalid_refresh_token")
		_, err = f.svc.SessionCaller(ctx, session)
		testutil.WantReason(t, err, apperr.Unauthenticated, "session_expired")

		// The same second as the enable, so no clock tells old from new.
		fresh, err := f.svc.Login(ctx, "anna.rossi@example.org", password, "")
		if err != nil {
			t.Fatalf("login after enabling: %v", err)
		}
		if c, err := f.svc.Authenticate(ctx, fresh.AccessToken); err != nil || c.AccountID != f.anna.ID {
			t.Fatalf("new access token: %+v, %v", c, err)
		}
		next, err := f.svc.Refresh(ctx, fresh.RefreshToken)
		if err != nil {
			t.Fatalf("new refresh token: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, next.AccessToken); err != nil {
			t.Fatalf("refreshed access token: %v", err)
		}
		session, _, err = f.svc.StartSession(ctx, "anna.rossi@example.org", password, "")
		if err != nil {
			t.Fatal(err)
		}
		if c, err := f.svc.SessionCaller(ctx, session); err != nil || c.AccountID != f.anna.ID {
			t.Fatalf("new session: %+v, %v", c, err)
		}
	})
}

// A login that read the account just before it was disabled stores its
// refresh token and session after the disable revoked the others: they are
// of the generation before, and neither works once the account is enabled.
func TestLoginRacingDisableLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := context.Background()
		before, err := f.svc.Account(ctx, f.anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetDisabled(ctx, f.admin, f.anna.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetDisabled(ctx, f.admin, f.anna.ID, false); err != nil {
			t.Fatal(err)
		}
		after, err := f.svc.Account(ctx, f.anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		// What the racing login stores, as Login and StartSession store
		// them: by the SHA-256 of the secret, with the generation it read.
		late := func(generation int64) (refresh, session string) {
			t.Helper()
			now := f.clock.Now().UTC()
			refresh, session = fmt.Sprintf("rt_late_%d", generation), fmt.Sprintf("ses_late_%d", generation)
			err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
				if err := tx.InsertRefreshToken(ctx, identity.RefreshToken{ID: fmt.Sprintf("rt_%d", generation), FamilyID: fmt.Sprintf("rtf_%d", generation),
					AccountID: f.anna.ID, Hash: sha256Hex(refresh), CreatedAt: now, ExpiresAt: now.Add(time.Hour), Generation: generation}); err != nil {
					return err
				}
				return tx.InsertPageSession(ctx, identity.Session{Hash: sha256Hex(session), AccountID: f.anna.ID, CreatedAt: now, LastSeenAt: now,
					ExpiresAt: now.Add(time.Hour), Generation: generation})
			})
			if err != nil {
				t.Fatal(err)
			}
			return refresh, session
		}
		refresh, session := late(before.TokenGeneration)
		_, err = f.svc.Refresh(ctx, refresh)
		testutil.WantReason(t, err, apperr.Unauthenticated, "invalid_refresh_token")
		_, err = f.svc.SessionCaller(ctx, session)
		testutil.WantReason(t, err, apperr.Unauthenticated, "session_expired")
		token, _, err := f.svc.SignAccessToken(f.anna.ID, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Authenticate(ctx, token)
		testutil.WantReason(t, err, apperr.Unauthenticated, "invalid_token")

		// The same rows of the current generation work: only the
		// generation refused the others.
		refresh, session = late(after.TokenGeneration)
		if _, err := f.svc.Refresh(ctx, refresh); err != nil {
			t.Fatalf("refresh of the current generation: %v", err)
		}
		if _, err := f.svc.SessionCaller(ctx, session); err != nil {
			t.Fatalf("session of the current generation: %v", err)
		}
	})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// places is a city's shops, venues and offices as identity asks about
// them; err, when set, is every answer (a store that cannot be read).
type places struct {
	shops, venues, offices []string
	err                    error
}

func (p places) ShopExists(_ context.Context, id string) (bool, error) {
	return slices.Contains(p.shops, id), p.err
}

func (p places) VenueExists(_ context.Context, id string) (bool, error) {
	return slices.Contains(p.venues, id), p.err
}

func (p places) OfficeExists(_ context.Context, id string) (bool, error) {
	return slices.Contains(p.offices, id), p.err
}

// A grant names a shop, venue or office that exists, whether it is given
// to a new account or to an existing one; a refused grant changes nothing.
// One the account already holds for a place since gone stays, so that its
// other roles can still change.
func TestGrantScopesMustExist(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newAccountsFixture(t, db)
		ctx := context.Background()
		// The till's shop_1 has closed since it was granted.
		f.svc.CheckScopes(places{shops: []string{"shop_7"}, venues: []string{"venue_2"}, offices: []string{"roads"}})

		for name, g := range map[string]identity.Grant{
			"unknown shop":      {Role: identity.RoleMerchant, Scope: "shp_nope"},
			"unknown venue":     {Role: identity.RoleDoor, Scope: "ven_nope"},
			"unknown office":    {Role: identity.RoleCityStaff, Scope: "nooffice"},
			"a shop as a venue": {Role: identity.RoleDoor, Scope: "shop_7"},
			"a closed shop":     {Role: identity.RoleMerchant, Scope: "shop_1"},
		} {
			_, err := f.svc.SetGrants(ctx, f.admin, f.anna.ID, []identity.Grant{{Role: identity.RoleCitizen}, g})
			testutil.WantReason(t, err, apperr.Invalid, "unknown_scope")
			if msg := apperr.MessageOf(err); !strings.Contains(msg, `"`+g.Scope+`"`) || !strings.Contains(msg, string(g.Role)) {
				t.Errorf("%s: the refusal %q does not say which grant", name, msg)
			}
			_, err = f.svc.CreateAccount(ctx, f.admin, identity.NewAccount{Email: "nuovo@example.org", Password: password, Name: "Nuovo",
				Grants: []identity.Grant{g}})
			testutil.WantReason(t, err, apperr.Invalid, "unknown_scope")
		}
		if got, _ := f.svc.Account(ctx, f.anna.ID); !slices.Equal(got.Grants, citizenGrants) {
			t.Fatalf("grants after the refusals: %+v", got.Grants)
		}
		if n := len(auditOf(t, db, "account.grants", f.anna.ID)); n != 0 {
			t.Fatalf("%d grant changes recorded for refused ones", n)
		}
		_, err := f.svc.AccountByEmail(ctx, "nuovo@example.org")
		testutil.WantCode(t, err, apperr.NotFound)

		// A malformed grant is told as such, before any place is looked up.
		_, err = f.svc.CreateAccount(ctx, f.admin, identity.NewAccount{Email: "nuovo@example.org", Password: password, Name: "Nuovo",
			Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: strings.Repeat("s", identity.MaxScopeLen+1)}}})
		testutil.WantReason(t, err, apperr.Invalid, "bad_grant")

		// Places that exist are granted.
		want := []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleCityStaff, Scope: "roads"},
			{Role: identity.RoleDoor, Scope: "venue_2"}, {Role: identity.RoleMerchant, Scope: "shop_7"}}
		if a, err := f.svc.SetGrants(ctx, f.admin, f.anna.ID, want); err != nil || !slices.Equal(a.Grants, want) {
			t.Fatalf("grants of existing places: %+v, %v", a.Grants, err)
		}
		if _, err := f.svc.CreateAccount(ctx, f.admin, identity.NewAccount{Email: "nuovo@example.org", Password: password, Name: "Nuovo",
			Grants: want[1:]}); err != nil {
			t.Fatalf("new staff of existing places: %v", err)
		}

		// The till keeps its closed shop while becoming a citizen too.
		kept := []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleMerchant, Scope: "shop_1"}}
		if a, err := f.svc.SetGrants(ctx, f.admin, f.till.ID, kept); err != nil || !slices.Equal(a.Grants, kept) {
			t.Fatalf("keeping a grant of a closed shop: %+v, %v", a.Grants, err)
		}

		// When the places cannot be read, no grant is given, and the
		// failure is no fault of the request.
		f.svc.CheckScopes(places{err: errors.New("the shops cannot be read")})
		_, err = f.svc.SetGrants(ctx, f.admin, f.till.ID, append(kept, identity.Grant{Role: identity.RoleDoor, Scope: "venue_2"}))
		if err == nil || apperr.Has(err, apperr.Invalid) {
			t.Fatalf("a grant given while the places could not be read: %v", err)
		}
		if got, _ := f.svc.Account(ctx, f.till.ID); !slices.Equal(got.Grants, kept) {
			t.Fatalf("grants after the failure: %+v", got.Grants)
		}
	})
}
