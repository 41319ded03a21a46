package identity_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/oidclogin"
	"cityhub/oidclogin/oidctest"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

const oidcCallback = "http://hub.test/login/oidc/callback"

// spidLogin logs user in at a real provider through the relying party and
// returns what it asserted.
func spidLogin(t *testing.T, user oidctest.User) identity.ExternalIdentity {
	t.Helper()
	op := oidctest.Start(t, []oidctest.User{user}, oidctest.Client{ID: "cityhub", Secret: "s3cret", Redirect: oidcCallback})
	rp, err := oidclogin.New(oidclogin.Config{Issuer: op.Issuer, ClientID: "cityhub", ClientSecret: "s3cret", RedirectURL: oidcCallback}, nil)
	if err != nil {
		t.Fatal(err)
	}
	authURL, flow, err := rp.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ext, err := rp.Finish(context.Background(), flow, op.Login(t, authURL, oidcCallback, user.Username, user.Password))
	if err != nil {
		t.Fatalf("spid login: %v", err)
	}
	return ext
}

// The first SPID/CIE login makes a citizen keyed by the fiscal code, with
// a wallet; the next finds it.
func TestExternalLoginMakesCitizen(t *testing.T) {
	user := oidctest.User{ID: "u1", Username: "anna", Password: "pw", GivenName: "Anna", FamilyName: "Rossi",
		Email: "anna.spid@example.org", FiscalNumber: "TINIT-rssmra85t10a562s"}
	ext := spidLogin(t, user)
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		token, c, created, err := f.svc.StartExternalSession(ctx, ext)
		if err != nil || !created || token == "" {
			t.Fatalf("first login: %v, created %v", err, created)
		}
		a, err := f.svc.Account(ctx, c.AccountID)
		if err != nil || a.FiscalCode != "RSSMRA85T10A562S" || a.Name != "Anna Rossi" || a.Email != "anna.spid@example.org" ||
			!a.Verified() || !c.Has(identity.RoleCitizen) {
			t.Fatalf("account %+v, %v", a, err)
		}
		if _, err := wallet.NewService(db.Wallet(), nil).Account(ctx, wallet.CitizenAccount(a.ID)); err != nil {
			t.Fatalf("wallet: %v", err)
		}
		if got, err := f.svc.SessionCaller(ctx, token); err != nil || got.AccountID != a.ID {
			t.Fatalf("session: %+v, %v", got, err)
		}
		tokens, created, err := f.svc.ExternalLogin(ctx, ext)
		if err != nil || created {
			t.Fatalf("second login: %v, created %v", err, created)
		}
		if got, err := f.svc.Authenticate(ctx, tokens.AccessToken); err != nil || got.AccountID != a.ID {
			t.Fatalf("second login is another account: %+v, %v", got, err)
		}
		// No password logs in to it until the person sets one.
		if _, err := f.svc.Login(ctx, a.Email, "!external", ""); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Fatalf("password login to a SPID account: %v", err)
		}
		// Without a usable e-mail claim: a placeholder address.
		bare := identity.ExternalIdentity{FiscalCode: "MRTMTT91D08F205J", GivenName: "Matteo"}
		b, created, err := f.svc.ExternalAccount(ctx, bare)
		if err != nil || !created || !strings.HasSuffix(b.Email, identity.PlaceholderEmailDomain) || b.Verified() {
			t.Fatalf("account without e-mail: %+v, %v", b, err)
		}
		_, _, err = f.svc.ExternalAccount(ctx, identity.ExternalIdentity{FiscalCode: "RSSMRA85T10A562X"})
		wantReason(t, err, apperr.Invalid, "bad_fiscal_code")
	})
}

// An e-mail account is joined to a SPID/CIE identity only by the person
// holding both: the matching e-mail claim alone is refused.
func TestExternalLinkNeedsBoth(t *testing.T) {
	user := oidctest.User{ID: "u2", Username: "bruno", Password: "pw", GivenName: "Bruno", FamilyName: "Verdi",
		Email: "bruno@example.org", FiscalNumber: "TINIT-MRTMTT91D08F205J"}
	ext := spidLogin(t, user)
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.register(t, "Bruno@Example.org")
		_, _, err := f.svc.ExternalAccount(ctx, ext)
		wantReason(t, err, apperr.Conflict, "link_required")
		// Logged in with the password, then through SPID: linked.
		linked, err := f.svc.LinkFiscalCode(ctx, a.Caller(), ext)
		if err != nil || linked.FiscalCode != "MRTMTT91D08F205J" {
			t.Fatalf("link: %+v, %v", linked, err)
		}
		if _, err := f.svc.LinkFiscalCode(ctx, a.Caller(), ext); err != nil {
			t.Fatalf("linking again: %v", err)
		}
		got, created, err := f.svc.ExternalAccount(ctx, ext)
		if err != nil || created || got.ID != a.ID {
			t.Fatalf("SPID login after the link: %+v created %v, %v", got, created, err)
		}
		// Another account cannot take the identity, nor this one another.
		other := f.register(t, "other@example.org")
		_, err = f.svc.LinkFiscalCode(ctx, other.Caller(), ext)
		wantReason(t, err, apperr.Conflict, "fiscal_code_taken")
		_, err = f.svc.LinkFiscalCode(ctx, a.Caller(), identity.ExternalIdentity{FiscalCode: "RSSMRA85T10A562S"})
		wantReason(t, err, apperr.Conflict, "other_fiscal_code")
	})
}

// Concurrent first logins of one person make one account.
func TestExternalFirstLoginRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ext := identity.ExternalIdentity{FiscalCode: "TINIT-RSSMRA85T10A562S", GivenName: "Anna", Email: "anna.race@example.org"}
		const n = 8
		ids := make([]string, n)
		made := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				a, created, err := f.svc.ExternalAccount(context.Background(), ext)
				if err != nil {
					t.Errorf("login %d: %v", i, err)
					return
				}
				ids[i], made[i] = a.ID, created
			})
		}
		wg.Wait()
		count := 0
		for i := range n {
			if ids[i] != ids[0] {
				t.Fatalf("two accounts: %v", ids)
			}
			if made[i] {
				count++
			}
		}
		if count != 1 {
			t.Fatalf("%d logins say they made the account", count)
		}
	})
}
