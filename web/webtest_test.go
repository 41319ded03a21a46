package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mail"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/web/httpx"
)

// testEnv is a hub's HTTP server on a real store, for the JSON API tests of
// every area. Build one with newTestServer; plug in your own services with a
// configure function:
//
//	srv, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
//		d.Wallet = wallet.NewService(env.DB.Wallet(), nil)
//	})
//	bearer := env.login(t, identity.RoleCitizen)
//	res := env.do(t, "GET", "/api/v1/me", bearer, "")
type testEnv struct {
	Engine   string
	DB       store.DB
	Keys     *keyring.Keyring
	Identity *identity.Service
	// Deps is what the server was built from.
	Deps   Deps
	Server *Server
}

// testIssuer is the public URL of test servers (the iss of their tokens).
const testIssuer = "http://cityhub.test"

// testOffice is the office city_staff accounts work unless told otherwise:
// the roads office of participation.DefaultCatalogue (potholes, signage).
const testOffice = "roads"

// testPassword is the password of every account the helpers create.
const testPassword = "correct horse battery"

var testAccountSeq atomic.Int64

// newTestServer opens a fresh store of engine ("postgres" or "sqlite"),
// loads a keyring and the identity service on it (with a cheap password
// hash), applies configure, and builds the server.
// testZone is the city's time zone in these tests: the default of the
// configuration and of the services the tests build.
var testZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

func newTestServer(t testing.TB, engine string, configure ...func(env *testEnv, d *Deps)) (*Server, *testEnv) {
	t.Helper()
	return newTestServerOn(t, engine, storetest.Open(t, engine), configure...)
}

// newTestServerOn is newTestServer on a store of engine the test opened
// (one whose round trips it counts, postgres.OpenTraced).
func newTestServerOn(t testing.TB, engine string, db store.DB, configure ...func(env *testEnv, d *Deps)) (*Server, *testEnv) {
	t.Helper()
	keys, err := keyring.Load(context.Background(), db.Keyring(), "")
	if err != nil {
		t.Fatalf("load keyring: %v", err)
	}
	env := &testEnv{Engine: engine, DB: db, Keys: keys}
	// The account e-mails (sign-up, reset) wait in the outbox, where
	// mailTo reads them; no answer floor, so the tests stay fast.
	composer, err := mail.NewComposer(testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	env.Identity = identity.NewService(db.Identity(), keys, identity.Options{Issuer: testIssuer, Argon2: identity.FastArgon2,
		Mail: composer, AnswerFloor: -1}, storetest.Logger(t))
	d := Deps{Log: storetest.Logger(t), PublicURL: testIssuer, Version: "test", TimeZone: testZone, Identity: env.Identity, Keys: keys, Answers: db.Answers(),
		MetricsToken: testMetricsToken}
	for _, fn := range configure {
		fn(env, &d)
	}
	env.Deps, env.Server = d, New(d)
	// Its answers are held to the OpenAPI document after the run (TestMain).
	watchAnswers(env.Server)
	return env.Server, env
}

// account creates an account holding role (in scope, for the scoped roles)
// and logs it in through the real login, returning the account and an
// "Authorization" header value.
func (env *testEnv) account(t testing.TB, role identity.Role, scope ...string) (identity.Account, string) {
	t.Helper()
	n := testAccountSeq.Add(1)
	g := identity.Grant{Role: role}
	if len(scope) > 0 {
		g.Scope = scope[0]
	} else if role == identity.RoleMerchant || role == identity.RoleDoor {
		g.Scope = "scope_" + string(role)
	} else if role == identity.RoleCityStaff {
		// An office of participation's default catalogue, so that the
		// staff routes find it.
		g.Scope = testOffice
	}
	email := strings.ReplaceAll(string(role), "_", "-") + "-" + strconv.FormatInt(n, 10) + "@example.org"
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	a, err := env.Identity.CreateAccount(context.Background(), admin, identity.NewAccount{
		Email: email, Password: testPassword, Name: "Test " + string(role), Locale: "it", Grants: []identity.Grant{g},
	})
	if err != nil {
		t.Fatalf("create %s account: %v", role, err)
	}
	tokens, err := env.Identity.Login(context.Background(), email, testPassword, "")
	if err != nil {
		t.Fatalf("log %s in: %v", role, err)
	}
	return a, "Bearer " + tokens.AccessToken
}

// login creates an account with role and returns its "Authorization"
// header value.
func (env *testEnv) login(t testing.TB, role identity.Role, scope ...string) string {
	t.Helper()
	_, bearer := env.account(t, role, scope...)
	return bearer
}

// do sends a request through the server's whole handler chain. auth is an
// "Authorization" header value ("" for none); a non-empty body is sent as
// application/json.
func (env *testEnv) do(t testing.TB, method, path, auth, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	return rec
}

// decodeInto reads a JSON response body into v.
func decodeInto(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, rec.Body.String())
	}
}

// wantProblem checks that rec is a problem+json answer with status.
func wantProblem(t testing.TB, rec *httptest.ResponseRecorder, status int) httpx.Problem {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p httpx.Problem
	decodeInto(t, rec, &p)
	if p.Status != status || p.Code == "" {
		t.Fatalf("problem %+v does not match status %d", p, status)
	}
	return p
}

// testMetricsToken is the test servers' monitoring token: /metrics asks
// for it.
const testMetricsToken = "metrics-test-token"
