package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/oidclogin"
	"cityhub/oidclogin/oidctest"
	"cityhub/web/webtest"
)

// The SPID/CIE login through the pages, against a real OpenID provider
// in the test process: the button, the provider's login, the callback.

var (
	spidMario = oidctest.User{ID: "u-mario", Username: "mario", Password: "spid mario", GivenName: "Mario", FamilyName: "Rossi",
		Email: "mario.rossi@example.org", FiscalNumber: "TINIT-RSSMRA85T10A562S"}
	// spidAnna's e-mail claim names an account made with a password.
	spidAnna = oidctest.User{ID: "u-anna", Username: "anna", Password: "spid anna", GivenName: "Anna", FamilyName: "Bianchi",
		Email: "anna.bianchi@example.org", FiscalNumber: "TINIT-BNCNNA90A41A783F"}
	// spidLuca's provider does not vouch for his e-mail claim: the address
	// is only proposed to his account.
	spidLuca = oidctest.User{ID: "u-luca", Username: "luca", Password: "spid luca", GivenName: "Luca", FamilyName: "Verdi",
		Email: "luca.verdi@example.org", EmailUnverified: true, FiscalNumber: "TINIT-VRDLCU80A01H501G"}
)

type oidcEnv struct {
	env *testEnv
	op  *oidctest.Provider
	url string
}

func oidcServer(t *testing.T) *oidcEnv {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	callback := base + "/login/oidc/callback"
	op := oidctest.Start(t, []oidctest.User{spidMario, spidAnna, spidLuca}, oidctest.Client{ID: "cityhub", Secret: "hub secret", Redirect: callback})
	rp, err := oidclogin.New(oidclogin.Config{Issuer: op.Issuer, ClientID: "cityhub", ClientSecret: "hub secret", RedirectURL: callback}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.OIDC, d.OIDCLabel = rp, "SPID / CIE"
	})
	srv.Config.Handler = env.Server
	srv.Start()
	t.Cleanup(srv.Close)
	return &oidcEnv{env: env, op: op, url: base}
}

// start follows the login page's button: the answer sends the browser to
// the provider, with the flow in a cookie.
func (o *oidcEnv) start(t *testing.T, pc *webtest.PageClient, path string) string {
	t.Helper()
	res, _ := pc.Get(path)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, o.op.Issuer) {
		t.Fatalf("SPID/CIE button: %d to %q", res.StatusCode, loc)
	}
	return loc
}

// loginAt logs user in at the provider and returns the callback's query.
func (o *oidcEnv) loginAt(t *testing.T, authURL string, u oidctest.User) url.Values {
	t.Helper()
	return o.op.Login(t, authURL, o.url+"/login/oidc/callback", u.Username, u.Password)
}

func TestOIDCLoginPages(t *testing.T) {
	t.Parallel()
	o := oidcServer(t)
	pc := webtest.NewPageClient(t, o.url)
	if _, body := pc.Get("/login"); !strings.Contains(body, `data-testid="spid"`) || !strings.Contains(body, "Entra con SPID / CIE") {
		t.Fatal("the login page has no SPID/CIE button")
	}

	// A wrong state is refused with a clear page and no session.
	back := o.loginAt(t, o.start(t, pc, "/login/oidc"), spidMario)
	forged := url.Values{"code": back["code"], "state": {"not-the-state"}}
	res, body := pc.Get("/login/oidc/callback?" + forged.Encode())
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-testid="oidc-error"`) || !strings.Contains(body, "non appartiene a questo accesso") {
		t.Fatalf("wrong state: %d\n%s", res.StatusCode, body)
	}
	// The flow ended with that callback: the right answer comes too late.
	res, body = pc.Get("/login/oidc/callback?" + back.Encode())
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-testid="oidc-error"`) {
		t.Fatalf("callback without a flow: %d", res.StatusCode)
	}
	// The provider's refusal is a clear page too.
	o.start(t, pc, "/login/oidc")
	res, body = pc.Get("/login/oidc/callback?error=access_denied&state=x")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "annullato o rifiutato") {
		t.Fatalf("denied: %d\n%s", res.StatusCode, body)
	}
	if res, _ := pc.Get("/wallet"); res.StatusCode != http.StatusSeeOther {
		t.Fatal("a failed SPID/CIE login signed someone in")
	}

	// The whole login: a new citizen keyed by the fiscal code, who lands
	// on the home page (this hub keeps no wallet to land on).
	back = o.loginAt(t, o.start(t, pc, "/login/oidc"), spidMario)
	res, _ = pc.Get("/login/oidc/callback?" + back.Encode())
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = pc.Get("/account")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "RSSMRA85T10A562S") || !strings.Contains(body, "Mario Rossi") {
		t.Fatalf("account page after SPID/CIE: %d\n%s", res.StatusCode, body)
	}
	// Made by SPID/CIE, the account has no password: the page offers to
	// choose one by e-mail instead of asking the current one.
	if !strings.Contains(body, `data-testid="no-password"`) || strings.Contains(body, `action="/account/password"`) {
		t.Fatalf("account page of a SPID/CIE account asks for a password:\n%s", body)
	}
	// The same code a second time is refused (the provider spent it).
	pc2 := webtest.NewPageClient(t, o.url)
	o.start(t, pc2, "/login/oidc")
	if res, _ := pc2.Get("/login/oidc/callback?" + back.Encode()); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed code: %d", res.StatusCode)
	}
}

// A SPID/CIE login whose e-mail names a password account links only after
// the password: a wrong one is refused next to its field.
func TestOIDCLinkNeedsThePassword(t *testing.T) {
	t.Parallel()
	o := oidcServer(t)
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := o.env.Identity.CreateAccount(context.Background(), admin, identity.NewAccount{Email: spidAnna.Email, Password: testPassword,
		Name: "Anna Bianchi", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}); err != nil {
		t.Fatal(err)
	}
	pc := webtest.NewPageClient(t, o.url)
	back := o.loginAt(t, o.start(t, pc, "/login/oidc"), spidAnna)
	res, _ := pc.Get("/login/oidc/callback?" + back.Encode())
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/oidc/link" {
		t.Fatalf("callback for an existing address: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := pc.Get("/login/oidc/link")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, spidAnna.Email) {
		t.Fatalf("link page: %d\n%s", res.StatusCode, body)
	}
	res, body = postForm(pc, "/login/oidc/link", "/login/oidc/link", url.Values{"password": {"not her password"}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	wantFieldError(t, body, "password", "")
	res, _ = postForm(pc, "/login/oidc/link", "/login/oidc/link", url.Values{"password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=linked" {
		t.Fatalf("link: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	a, err := o.env.Identity.AccountByEmail(context.Background(), spidAnna.Email)
	if err != nil || a.FiscalCode != "BNCNNA90A41A783F" {
		t.Fatalf("account %+v, %v", a, err)
	}
	// A stranger's browser has no pending identity to link.
	if res, _ := webtest.NewPageClient(t, o.url).Get("/login/oidc/link"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("link page without a SPID/CIE login: %d", res.StatusCode)
	}

	// From the account page, a signed-in person connects SPID/CIE, and
	// gives the account's password after the SPID/CIE login: a session
	// left open is not enough for a stranger to link their own identity.
	bruno, _ := o.env.account(t, identity.RoleCitizen)
	pb := webtest.SignedIn(t, o.url, bruno.Email, testPassword)
	back = o.loginAt(t, o.start(t, pb, "/account/spid"), spidMario)
	res, _ = pb.Get("/login/oidc/callback?" + back.Encode())
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/oidc/connect" {
		t.Fatalf("link from the account page: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = pb.Get("/login/oidc/connect")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Mario Rossi") || !strings.Contains(body, bruno.Email) || !strings.Contains(body, `action="/login/oidc/connect"`) {
		t.Fatalf("connect page: %d\n%s", res.StatusCode, body)
	}
	res, body = postForm(pb, "/login/oidc/connect", "/login/oidc/connect", url.Values{"password": {"not his password"}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	wantFieldError(t, body, "password", "")
	if a, err := o.env.Identity.Account(context.Background(), bruno.ID); err != nil || a.FiscalCode != "" {
		t.Fatalf("linked without the password: %+v, %v", a, err)
	}
	res, _ = postForm(pb, "/login/oidc/connect", "/login/oidc/connect", url.Values{"password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=linked" {
		t.Fatalf("connect: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if a, err := o.env.Identity.Account(context.Background(), bruno.ID); err != nil || a.FiscalCode != "RSSMRA85T10A562S" {
		t.Fatalf("account %+v, %v", a, err)
	}
	// Signed out, the connect page is not reachable.
	if res, _ := webtest.NewPageClient(t, o.url).Get("/login/oidc/connect"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("connect page signed out: %d", res.StatusCode)
	}
}

// linkCookie is the browser's waiting SPID/CIE identity; "" if none.
func linkCookie(pc *webtest.PageClient) string {
	u, _ := url.Parse(pc.URL)
	for _, c := range pc.Client.Jar.Cookies(u) {
		if c.Name == "cityhub_oidc_link" {
			return c.Value
		}
	}
	return ""
}

func setLinkCookie(pc *webtest.PageClient, v string) {
	u, _ := url.Parse(pc.URL)
	pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_oidc_link", Value: v, Path: "/login/oidc"}})
}

// On a shared browser, a SPID/CIE identity left waiting by one person is
// never linked to the account of the next person who signs in: a logout and
// a sign-in end it, and the waiting identity, kept or put back, opens only
// under the page session that asked for it (an identity from a SPID/CIE
// login, under none).
func TestOIDCWaitingIdentityStaysWithItsSession(t *testing.T) {
	t.Parallel()
	o := oidcServer(t)
	bruno, _ := o.env.account(t, identity.RoleCitizen)
	carla, _ := o.env.account(t, identity.RoleCitizen)
	refused := func(pc *webtest.PageClient, who string) {
		t.Helper()
		if res, _ := pc.Get("/login/oidc/connect"); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: connect page of another session's identity: %d", who, res.StatusCode)
		}
		if res, _ := postForm(pc, "/account", "/login/oidc/connect", url.Values{"password": {testPassword}}); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: connect with another session's identity: %d", who, res.StatusCode)
		}
		if a, err := o.env.Identity.Account(context.Background(), carla.ID); err != nil || a.FiscalCode != "" {
			t.Fatalf("%s: the next person's account got the identity: %+v, %v", who, a, err)
		}
	}
	// connectStarted is a browser signed in as bruno whose SPID/CIE login
	// as Mario waits for bruno's password.
	connectStarted := func() (*webtest.PageClient, string) {
		pc := webtest.SignedIn(t, o.url, bruno.Email, testPassword)
		back := o.loginAt(t, o.start(t, pc, "/account/spid"), spidMario)
		if res, _ := pc.Get("/login/oidc/callback?" + back.Encode()); res.Header.Get("Location") != "/login/oidc/connect" {
			t.Fatalf("link from the account page: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		v := linkCookie(pc)
		if v == "" {
			t.Fatal("no identity waiting")
		}
		return pc, v
	}

	// Bruno walks away; Carla signs in on the same browser (the login form
	// posts whoever is signed in).
	pc, waiting := connectStarted()
	if res, _ := postForm(pc, "/account", "/login", url.Values{"email": {carla.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("carla's login: %d", res.StatusCode)
	}
	if linkCookie(pc) != "" {
		t.Fatal("a sign-in left the previous person's waiting identity")
	}
	refused(pc, "after a sign-in")
	setLinkCookie(pc, waiting)
	refused(pc, "put back after a sign-in")

	// Bruno signs out; Carla signs in.
	pc, waiting = connectStarted()
	if res, _ := postForm(pc, "/account", "/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if linkCookie(pc) != "" {
		t.Fatal("a logout left the waiting identity")
	}
	if res := pc.Login(carla.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("carla's login: %d", res.StatusCode)
	}
	setLinkCookie(pc, waiting)
	refused(pc, "put back after a logout")

	// A SPID/CIE login whose e-mail names a password account leaves an
	// identity waiting for that account's password, not for a signed-in
	// person's.
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := o.env.Identity.CreateAccount(context.Background(), admin, identity.NewAccount{Email: spidAnna.Email, Password: testPassword,
		Name: "Anna Bianchi", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}); err != nil {
		t.Fatal(err)
	}
	anon := webtest.NewPageClient(t, o.url)
	back := o.loginAt(t, o.start(t, anon, "/login/oidc"), spidAnna)
	if res, _ := anon.Get("/login/oidc/callback?" + back.Encode()); res.Header.Get("Location") != "/login/oidc/link" {
		t.Fatalf("callback for an existing address: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	pc = webtest.SignedIn(t, o.url, carla.Email, testPassword)
	setLinkCookie(pc, linkCookie(anon))
	refused(pc, "a SPID/CIE login's identity")

	// Bruno himself, in his own session, still connects.
	pc, _ = connectStarted()
	if res, _ := postForm(pc, "/login/oidc/connect", "/login/oidc/connect", url.Values{"password": {testPassword}}); res.Header.Get("Location") != "/account?done=linked" {
		t.Fatalf("connect in the same session: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}
