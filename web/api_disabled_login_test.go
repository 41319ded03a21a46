package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The right password of an account an administrator disabled is told so,
// on the API (403 account_disabled) and on the sign-in page, in either
// language, where it was refused as a wrong password (401
// bad_credentials) and its owner went on to reset a password that was
// right; a wrong password still gets bad_credentials, which tells nothing
// to someone without the password.
func TestDisabledAccountLoginSaysSo(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	admin := env.login(t, identity.RoleAdmin)
	acct, _ := env.account(t, identity.RoleCitizen)
	mustStatus(t, env.do(t, "PUT", "/api/v1/admin/accounts/"+acct.ID+"/disabled", admin, `{"disabled":true}`), http.StatusOK)

	login := func(password string) *httptest.ResponseRecorder {
		return env.do(t, "POST", "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, acct.Email, password))
	}
	if p := wantProblem(t, login(testPassword), http.StatusForbidden); p.Reason != "account_disabled" {
		t.Fatalf("the right password of a disabled account: reason %q, want account_disabled", p.Reason)
	}
	if p := wantProblem(t, login("wrong horse battery"), http.StatusUnauthorized); p.Reason != "bad_credentials" {
		t.Fatalf("a wrong password of a disabled account: reason %q, want bad_credentials", p.Reason)
	}

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.NewPageClient(t, srv.URL)
	for _, c := range []struct{ lang, disabled, wrong string }{
		{"it", "Questo account è disattivato: rivolgiti agli uffici del Comune.", "Email o password non corretti."},
		{"en", "This account is disabled: please ask the city&#39;s offices.", "Wrong email or password."},
	} {
		tok := pc.CSRF("/login")
		if c.lang != "it" {
			if res, _ := pc.Post("/language", url.Values{"csrf_token": {tok}, "lang": {c.lang}, "next": {"/login"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("language %s: %d", c.lang, res.StatusCode)
			}
			tok = pc.CSRF("/login")
		}
		res, body := pc.Post("/login", url.Values{"csrf_token": {tok}, "email": {acct.Email}, "password": {testPassword}})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, c.disabled) {
			t.Fatalf("%s: the sign-in page with the right password of a disabled account: %d, want 403 saying %q:\n%s", c.lang, res.StatusCode, c.disabled, body)
		}
		res, body = pc.Post("/login", url.Values{"csrf_token": {tok}, "email": {acct.Email}, "password": {"wrong horse battery"}})
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, c.wrong) || strings.Contains(body, c.disabled) {
			t.Fatalf("%s: the sign-in page with a wrong password of a disabled account: %d, want 401 saying %q:\n%s", c.lang, res.StatusCode, c.wrong, body)
		}
	}
}
