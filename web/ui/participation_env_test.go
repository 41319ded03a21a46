package ui

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mail"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// partEnv is the pages on a real store with the identity and participation
// services, for the tests of the report, proposal and staff pages as a
// person signs in and posts their forms.
type partEnv struct {
	URL string
	DB  store.DB
	IDs *identity.Service
	Svc *participation.Service
	seq atomic.Int64
}

// partPassword is the password of every account partEnv makes.
const partPassword = "correct horse battery"

// newPartEnv serves the pages over a fresh SQLite store; configure may add
// other services to the pages' Deps.
func newPartEnv(t *testing.T, configure ...func(db store.DB, d *Deps)) *partEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	keys, err := keyring.Load(ctx, db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	composer, err := mail.NewComposer("http://cityhub.test")
	if err != nil {
		t.Fatal(err)
	}
	ids := identity.NewService(db.Identity(), keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2,
		Mail: composer, AnswerFloor: -1}, storetest.Logger(t))
	svc, err := participation.NewService(db.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2}, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{Log: storetest.Logger(t), Accounts: ids, AccountFlows: ids, Identity: ids, Keys: keys, Participation: svc}
	for _, fn := range configure {
		fn(db, &d)
	}
	srv := httptest.NewServer(serve(d))
	t.Cleanup(srv.Close)
	return &partEnv{URL: srv.URL, DB: db, IDs: ids, Svc: svc}
}

// account makes an account named name holding grant and returns it with
// a page client signed in as it through the login form.
func (e *partEnv) account(t *testing.T, name string, grant identity.Grant) (identity.Account, *webtest.PageClient) {
	t.Helper()
	email := fmt.Sprintf("%s-%d@example.org", strings.ToLower(strings.Fields(name)[0]), e.seq.Add(1))
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	a, err := e.IDs.CreateAccount(context.Background(), admin, identity.NewAccount{Email: email, Password: partPassword, Name: name, Locale: "it",
		Grants: []identity.Grant{grant}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return a, webtest.SignedIn(t, e.URL, email, partPassword)
}

// reportAt files a report of category as c (a pothole: the roads office's)
// with description, at a spot in the city a few metres from the others.
func (e *partEnv) report(t *testing.T, c identity.Account, category, description string) participation.Report {
	t.Helper()
	n := e.seq.Add(1)
	r, err := e.Svc.SubmitReport(context.Background(), c.Caller(), participation.NewReport{Category: category, Located: true,
		Lat: 41.1307 + float64(n)*0.00001, Lon: 14.776, Description: description})
	if err != nil {
		t.Fatalf("submit report: %v", err)
	}
	return r
}

// Grants of the accounts the tests make.
var (
	citizenGrant = identity.Grant{Role: identity.RoleCitizen}
	roadsGrant   = identity.Grant{Role: identity.RoleCityStaff, Scope: "roads"}
	parksGrant   = identity.Grant{Role: identity.RoleCityStaff, Scope: "parks"}
	adminGrant   = identity.Grant{Role: identity.RoleAdmin}
)

// languageNext is the next= of a page's language switch.
var languageNext = regexp.MustCompile(`<form class="lang-switch" method="post" action="/language">\s*<input type="hidden" name="csrf_token" value="[^"]*">\s*<input type="hidden" name="next" value="([^"]*)">`)

// nextOf is the address a page's language switch returns to, unescaped.
func nextOf(t *testing.T, body string) string {
	t.Helper()
	m := languageNext.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no language switch on the page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// wantStatus stops the test unless res answered status.
func wantStatus(t *testing.T, what string, res *http.Response, body string, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: %d, want %d\n%s", what, res.StatusCode, status, body)
	}
}
