package identity_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mail"
	"cityhub/mail/mailtest"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

const squatterPassword = "not the owner's password"

// squat signs up with email, as someone who is not its owner and never
// confirms it, and returns the account.
func (f *fixture) squat(t *testing.T, email string) identity.Account {
	t.Helper()
	ctx := fromIP("198.51.100.60")
	if err := f.svc.SignUp(ctx, identity.NewAccount{Email: email, Password: squatterPassword, Name: "Mallory"}); err != nil {
		t.Fatalf("sign up with %s: %v", email, err)
	}
	a, err := f.svc.AccountByEmail(ctx, email)
	if err != nil || a.Verified() {
		t.Fatalf("the sign-up with %s: %+v, %v", email, a, err)
	}
	return a
}

// vouched is a SPID/CIE login whose provider vouches for email.
func vouched(fiscalCode, email string) identity.ExternalIdentity {
	return identity.ExternalIdentity{FiscalCode: fiscalCode, GivenName: "Maria", FamilyName: "Rossi", Email: email, EmailVerified: true,
		Issuer: "https://spid.example.org", Subject: fiscalCode}
}

// Someone signs up with another person's address and never confirms it.
// The person's first SPID/CIE login, whose provider vouches for the
// address, is not refused for a password they cannot know (link_required):
// the address becomes the new account's, verified. The sign-up keeps all
// else, with a placeholder address that none of its links, no login and
// no e-mail reaches, until the purge erases it as any account never
// verified.
func TestFirstSPIDLoginTakesAnUnconfirmedAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := fromIP("198.51.100.61")
		victim := mailtest.Recipient(t)
		squatter := f.squat(t, victim)
		if err := f.svc.RequestPasswordReset(ctx, victim); err != nil {
			t.Fatal(err)
		}
		deliver(t, db)
		verifyLink := linkToken(t, received(t, victim, 2, "Conferma il tuo indirizzo e-mail"), "/account/confirm")
		resetLink := linkToken(t, received(t, victim, 2, "Reimposta la password"), "/password/reset")

		ext := vouched("TINIT-RSSMRA85T10A562S", strings.ToUpper(victim))
		a, created, err := f.svc.ExternalAccount(ctx, ext)
		if err != nil || !created || a.ID == squatter.ID || identity.NormalizeEmail(a.Email) != victim || !a.Verified() ||
			a.FiscalCode != "RSSMRA85T10A562S" {
			t.Fatalf("first SPID/CIE login vouching for the address a sign-up holds: %+v, created %v, %v", a, created, err)
		}
		if got, err := f.svc.AccountByEmail(ctx, victim); err != nil || got.ID != a.ID {
			t.Fatalf("the address belongs to %+v (%v), want the SPID/CIE account %s", got, err, a.ID)
		}
		left, err := f.svc.Account(ctx, squatter.ID)
		if err != nil || left.Email != squatter.ID+identity.PlaceholderEmailDomain || left.Verified() || !left.DeletedAt.IsZero() ||
			left.Name != "Mallory" || left.State() != identity.StateUnverified {
			t.Fatalf("the sign-up after losing the address: %+v, %v", left, err)
		}
		if entries := auditOf(t, db, "account.email_reclaimed", squatter.ID); len(entries) != 1 || entries[0].ActorID != a.ID ||
			entries[0].IP != "198.51.100.61" {
			t.Fatalf("audit of the address taken: %+v", entries)
		}

		// The sign-up's links went to an address it no longer has.
		_, err = f.svc.ConfirmEmail(ctx, identity.Caller{}, verifyLink)
		wantReason(t, err, apperr.Invalid, "invalid_token")
		wantReason(t, f.svc.ResetPassword(ctx, resetLink, "a brand new password"), apperr.Invalid, "invalid_token")
		if got, _ := f.svc.Account(ctx, squatter.ID); got.Verified() {
			t.Fatal("a link of the sign-up verified it after it lost the address")
		}
		// Its password opens neither account.
		for _, addr := range []string{victim, left.Email} {
			if _, err := f.svc.Login(ctx, addr, squatterPassword, "198.51.100.61"); apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Fatalf("login to %s with the sign-up's password: %v", addr, err)
			}
		}
		// Nothing is sent to its placeholder: an address no mail reaches
		// is refused as any bad address.
		wantReason(t, f.svc.ResendVerification(ctx, left.Email), apperr.Invalid, "bad_email")
		wantReason(t, f.svc.RequestPasswordReset(ctx, left.Email), apperr.Invalid, "bad_email")
		deliver(t, db)
		if got := mailtest.Received(t, left.Email); len(got) != 0 {
			t.Fatalf("the placeholder %s was sent %d e-mails", left.Email, len(got))
		}

		again, created, err := f.svc.ExternalAccount(ctx, ext)
		if err != nil || created || again.ID != a.ID {
			t.Fatalf("the next SPID/CIE login: %+v, created %v, %v", again, created, err)
		}
		// In time the purge erases the sign-up; the SPID/CIE account stays.
		f.clock.Add(8 * 24 * time.Hour)
		if n, err := f.svc.PurgeUnverified(ctx, identity.DefaultUnverifiedTTL); err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want the sign-up", n, err)
		}
		if got, err := f.svc.Account(ctx, squatter.ID); err != nil || got.DeletedAt.IsZero() {
			t.Fatalf("the sign-up after the purge: %+v, %v", got, err)
		}
		if got, err := f.svc.Account(ctx, a.ID); err != nil || !got.DeletedAt.IsZero() || identity.NormalizeEmail(got.Email) != victim {
			t.Fatalf("the SPID/CIE account after the purge: %+v, %v", got, err)
		}
	})
}

// The account that loses the address is not erased: had money been moved
// for it, the money stays where it was, and the ledger stays whole; the
// purge keeps it, as it keeps any account money moved for.
func TestTakenAddressLeavesTheAccountsMoney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := fromIP("198.51.100.62")
		victim := mailtest.Recipient(t)
		squatter := f.squat(t, victim)
		w := wallet.NewService(db.Wallet(), storetest.Logger(t))
		if err := w.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			_, err := wallet.Post(ctx, tx, wallet.Transaction{Key: "test:squatter-credit", Kind: "test", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -500}, {Account: wallet.CitizenAccount(squatter.ID), Amount: 500}}}, f.clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}

		a, created, err := f.svc.ExternalAccount(ctx, vouched("RSSMRA85T10A562S", victim))
		if err != nil || !created || identity.NormalizeEmail(a.Email) != victim {
			t.Fatalf("first SPID/CIE login: %+v, %v", a, err)
		}
		for id, want := range map[string]int64{squatter.ID: 500, a.ID: 0} {
			acct, err := w.Account(ctx, wallet.CitizenAccount(id))
			if err != nil || acct.Balance != want {
				t.Fatalf("wallet of %s: %+v, %v; want %d", id, acct, err, want)
			}
			if err := w.Verify(ctx, wallet.CitizenAccount(id)); err != nil {
				t.Fatal(err)
			}
		}
		if c, err := w.Check(ctx); err != nil || !c.OK() || c.BalanceSum != 0 {
			t.Fatalf("ledger check: %+v, %v", c, err)
		}
		f.clock.Add(8 * 24 * time.Hour)
		if n, err := f.svc.PurgeUnverified(ctx, identity.DefaultUnverifiedTTL); err != nil || n != 0 {
			t.Fatalf("purged %d, %v; the sign-up holds money", n, err)
		}
	})
}

// Only an account that never proved the address loses it, and only to an
// address the provider vouches for: a sign-up that confirmed its address
// still gets link_required; a claim not vouched for leaves the unconfirmed
// sign-up its address and the SPID/CIE account a placeholder, and the
// address, which has an account, is told so instead of getting a link
// proposing it.
func TestTakingAnAddressNeedsItUnprovedAndVouched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := fromIP("198.51.100.63")

		confirmed := mailtest.Recipient(t)
		owner := f.squat(t, confirmed)
		deliver(t, db)
		if _, err := f.svc.ConfirmEmail(ctx, identity.Caller{}, linkToken(t, received(t, confirmed, 1, "Conferma il tuo indirizzo e-mail"), "/account/confirm")); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.svc.ExternalAccount(ctx, vouched("RSSMRA85T10A562S", confirmed))
		wantReason(t, err, apperr.Conflict, "link_required")
		if got, err := f.svc.AccountByEmail(ctx, confirmed); err != nil || got.ID != owner.ID || !got.Verified() {
			t.Fatalf("the confirmed account after the refused login: %+v, %v", got, err)
		}
		if entries := auditOf(t, db, "account.email_reclaimed", owner.ID); len(entries) != 0 {
			t.Fatalf("a confirmed account lost its address: %+v", entries)
		}

		unconfirmed := mailtest.Recipient(t)
		squatter := f.squat(t, unconfirmed)
		claim := vouched("BNCNNA90A41A783F", unconfirmed)
		claim.EmailVerified = false
		spid, created, err := f.svc.ExternalAccount(ctx, claim)
		if err != nil || !created || !strings.HasSuffix(spid.Email, identity.PlaceholderEmailDomain) || spid.Verified() {
			t.Fatalf("a login claiming the address without vouching for it: %+v, %v", spid, err)
		}
		if got, err := f.svc.AccountByEmail(ctx, unconfirmed); err != nil || got.ID != squatter.ID {
			t.Fatalf("the address belongs to %+v (%v), want the sign-up %s still", got, err, squatter.ID)
		}
		deliver(t, db)
		received(t, unconfirmed, 2, "Hai già un account")
	})
}

// Concurrent first logins whose provider vouches for an address a sign-up
// holds take it once: the logins of one person make one account, which
// has the address; another person's, sharing the address, gets an
// account with a placeholder; the sign-up loses the address once.
func TestConcurrentFirstLoginsTakeAnAddressOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		victim := mailtest.Recipient(t)
		squatter := f.squat(t, victim)
		people := []identity.ExternalIdentity{vouched("RSSMRA85T10A562S", victim), vouched("BNCNNA90A41A783F", victim)}
		const each = 4
		type result struct {
			a       identity.Account
			created bool
			err     error
		}
		results := make([][]result, len(people))
		var wg sync.WaitGroup
		for p := range people {
			results[p] = make([]result, each)
			for i := range each {
				wg.Go(func() {
					a, created, err := f.svc.ExternalAccount(fromIP("198.51.100.64"), people[p])
					results[p][i] = result{a, created, err}
				})
			}
		}
		wg.Wait()
		holders := 0
		for p, rs := range results {
			made := 0
			for i, r := range rs {
				if r.err != nil || r.a.ID != rs[0].a.ID {
					t.Fatalf("person %d, login %d: account %q, %v; the first login's is %q", p, i, r.a.ID, r.err, rs[0].a.ID)
				}
				if r.created {
					made++
				}
			}
			if made != 1 {
				t.Fatalf("person %d: %d logins say they made the account", p, made)
			}
			got, err := f.svc.Account(context.Background(), rs[0].a.ID)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case identity.NormalizeEmail(got.Email) == victim && got.Verified():
				holders++
			case got.Email != got.ID+identity.PlaceholderEmailDomain || got.Verified():
				t.Fatalf("person %d: account %+v, neither the address nor a placeholder", p, got)
			}
		}
		if holders != 1 {
			t.Fatalf("%d accounts hold the address", holders)
		}
		if got, err := f.svc.Account(context.Background(), squatter.ID); err != nil || got.Email != squatter.ID+identity.PlaceholderEmailDomain {
			t.Fatalf("the sign-up: %+v, %v", got, err)
		}
		if entries := auditOf(t, db, "account.email_reclaimed", squatter.ID); len(entries) != 1 {
			t.Fatalf("the address was taken %d times", len(entries))
		}
	})
}

// pausingStore runs pause (once) in a transaction that has just read, or
// locked, the account id.
type pausingStore struct {
	identity.Store
	id    string
	once  sync.Once
	pause func()
}

func (s *pausingStore) InTx(ctx context.Context, fn func(identity.Tx) error) error {
	return s.Store.InTx(ctx, func(tx identity.Tx) error { return fn(pausingTx{Tx: tx, s: s}) })
}

func (s *pausingStore) read(id string) {
	if id == s.id {
		s.once.Do(s.pause)
	}
}

type pausingTx struct {
	identity.Tx
	s *pausingStore
}

func (p pausingTx) AccountByID(ctx context.Context, id string) (identity.Account, error) {
	a, err := p.Tx.AccountByID(ctx, id)
	p.s.read(id)
	return a, err
}

func (p pausingTx) LockAccount(ctx context.Context, id string) (identity.Account, error) {
	a, err := p.Tx.LockAccount(ctx, id)
	p.s.read(id)
	return a, err
}

// serviceOn is the fixture's service on another store.
func (f *fixture) serviceOn(t *testing.T, st identity.Store) *identity.Service {
	t.Helper()
	composer, err := mail.NewComposer("https://hub.example.org")
	if err != nil {
		t.Fatal(err)
	}
	return identity.NewService(st, f.keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2, Now: f.clock.Now,
		Mail: composer, Limits: identity.LoginLimits{PerAccount: 3, PerIP: 5, Window: 15 * time.Minute}, AnswerFloor: -1}, storetest.Logger(t))
}

// endsOrWaitsForAnAccount waits until a transaction racing another either
// ended (done closed; true) or waits for the lock of a row of accounts
// (false).
func endsOrWaitsForAnAccount(t *testing.T, db *postgres.DB, done <-chan struct{}) (ended bool) {
	t.Helper()
	testutil.Eventually(t, 30*time.Second, "the other transaction to finish or to wait for an account's lock", func() bool {
		select {
		case <-done:
			ended = true
			return true
		default:
		}
		var waiting bool
		if err := db.Pool().QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'tuple'
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
				AND relation = 'accounts'::regclass)`).Scan(&waiting); err != nil {
			t.Errorf("read the locks waited for: %v", err)
			return true
		}
		return waiting
	})
	return ended
}

// A sign-up's owner following its verification (or reset) link while a
// SPID/CIE login vouching for the address takes it: one waits for the
// other. Verified first, the address stays and the login gets
// link_required; taken first, the link no longer works and the account
// stays unverified. Without the wait, the link verified the account after
// it had lost the address, which a login had then taken, or verified it
// with the placeholder. (PostgreSQL: the embedded engine writes one
// transaction at a time.)
func TestVerificationAndSPIDLoginTakeTurns(t *testing.T) {
	flows := []struct {
		name string
		// link asks for the flow's link to the address and returns its token.
		link func(t *testing.T, f *fixture, addr string) string
		// follow follows it with svc.
		follow func(svc *identity.Service, token string) error
	}{
		{"verification", func(t *testing.T, f *fixture, addr string) string {
			deliver(t, f.db)
			return linkToken(t, received(t, addr, 1, "Conferma il tuo indirizzo e-mail"), "/account/confirm")
		}, func(svc *identity.Service, token string) error {
			_, err := svc.ConfirmEmail(fromIP("198.51.100.65"), identity.Caller{}, token)
			return err
		}},
		{"reset", func(t *testing.T, f *fixture, addr string) string {
			if err := f.svc.RequestPasswordReset(fromIP("198.51.100.65"), addr); err != nil {
				t.Fatal(err)
			}
			deliver(t, f.db)
			return linkToken(t, received(t, addr, 2, "Reimposta la password"), "/password/reset")
		}, func(svc *identity.Service, token string) error {
			return svc.ResetPassword(fromIP("198.51.100.65"), token, "a brand new password")
		}},
	}
	for _, flow := range flows {
		t.Run(flow.name+" first", func(t *testing.T) {
			db := storetest.OpenPostgres(t)
			f := newFixture(t, db)
			victim := mailtest.Recipient(t)
			squatter := f.squat(t, victim)
			token := flow.link(t, f, victim)
			var loginErr error
			done := make(chan struct{})
			early := false
			st := &pausingStore{Store: db.Identity(), id: squatter.ID, pause: func() {
				go func() {
					_, _, loginErr = f.svc.ExternalAccount(fromIP("198.51.100.66"), vouched("RSSMRA85T10A562S", victim))
					close(done)
				}()
				t.Cleanup(func() { <-done })
				early = endsOrWaitsForAnAccount(t, db, done)
			}}
			if err := flow.follow(f.serviceOn(t, st), token); err != nil {
				t.Fatalf("following the link: %v", err)
			}
			<-done
			if early {
				t.Fatalf("the SPID/CIE login went through while the link's transaction held the account (%v)", loginErr)
			}
			wantReason(t, loginErr, apperr.Conflict, "link_required")
			if got, err := f.svc.Account(context.Background(), squatter.ID); err != nil || got.Email != victim || !got.Verified() {
				t.Fatalf("the account whose link was followed first: %+v, %v", got, err)
			}
		})
		t.Run("login first, then "+flow.name, func(t *testing.T) {
			db := storetest.OpenPostgres(t)
			f := newFixture(t, db)
			victim := mailtest.Recipient(t)
			squatter := f.squat(t, victim)
			token := flow.link(t, f, victim)
			var followErr error
			done := make(chan struct{})
			early := false
			st := &pausingStore{Store: db.Identity(), id: squatter.ID, pause: func() {
				go func() {
					followErr = flow.follow(f.svc, token)
					close(done)
				}()
				t.Cleanup(func() { <-done })
				early = endsOrWaitsForAnAccount(t, db, done)
			}}
			a, created, err := f.serviceOn(t, st).ExternalAccount(fromIP("198.51.100.66"), vouched("RSSMRA85T10A562S", victim))
			if err != nil || !created || a.Email != victim {
				t.Fatalf("the SPID/CIE login: %+v, %v", a, err)
			}
			<-done
			if early {
				t.Fatalf("the link went through while the login held the account (%v)", followErr)
			}
			wantReason(t, followErr, apperr.Invalid, "invalid_token")
			if got, err := f.svc.Account(context.Background(), squatter.ID); err != nil || got.Email != squatter.ID+identity.PlaceholderEmailDomain || got.Verified() {
				t.Fatalf("the account whose address the login took first: %+v, %v", got, err)
			}
		})
	}
}
