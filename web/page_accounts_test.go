package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// The account pages over the real identity service: the answers that must
// not tell whether an address has an account, the e-mailed links' pages
// with good, forged, used and expired tokens, and the CSRF check on every
// form. The SPID/CIE pages are in page_oidc_test.go.

// accountServer is a test server whose identity runs on clock, with the
// account e-mails in the outbox.
func accountServer(t *testing.T) (*testEnv, *webtest.PageClient, *testClock) {
	t.Helper()
	clock := &testClock{}
	clock.Set(time.Now())
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		composer, err := mail.NewComposer(testIssuer)
		if err != nil {
			t.Fatal(err)
		}
		env.Identity = identity.NewService(env.DB.Identity(), env.Keys, identity.Options{Issuer: testIssuer, Argon2: identity.FastArgon2,
			Mail: composer, AnswerFloor: -1, Now: clock.Now}, storetest.Logger(t))
		d.Identity = env.Identity
	})
	srv := httptestServer(t, env.Server)
	return env, webtest.NewPageClient(t, srv), clock
}

// postForm posts form to path with the CSRF token of the page at from.
func postForm(pc *webtest.PageClient, from, path string, form url.Values) (*http.Response, string) {
	pc.T.Helper()
	form.Set("csrf_token", pc.CSRF(from))
	return pc.Post(path, form)
}

var (
	invalidField = regexp.MustCompile(`class="form-control is-invalid" id="f-([a-z_]+)"`)
	badTokenPage = `data-testid="bad-token"`
)

// wantFieldError checks that body shows an error next to field only, and
// the typed value kept.
func wantFieldError(t *testing.T, body, field, value string) {
	t.Helper()
	m := invalidField.FindAllStringSubmatch(body, -1)
	if len(m) != 1 || m[0][1] != field || !strings.Contains(body, `id="f-`+field+`-error"`) {
		t.Fatalf("want one error next to %s, got %v:\n%s", field, m, body)
	}
	if value != "" && !strings.Contains(body, `value="`+value+`"`) {
		t.Fatalf("the typed %q is not kept:\n%s", value, body)
	}
}

func TestSignupPagesTellNothingAboutAddresses(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	known, _ := env.account(t, identity.RoleCitizen)
	fresh := "nuova@example.org"
	form := func(email string) url.Values {
		return url.Values{"email": {email}, "password": {"una password lunga"}, "name": {"Giulia Verdi"}, "locale": {"it"}, "privacy": {"1"}}
	}
	resNew, _ := postForm(pc, "/signup", "/signup", form(fresh))
	resKnown, _ := postForm(pc, "/signup", "/signup", form(known.Email))
	for _, res := range []*http.Response{resNew, resKnown} {
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signup/sent" {
			t.Fatalf("sign-up: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	}
	res, sent := pc.Get("/signup/sent")
	if res.StatusCode != http.StatusOK || !strings.Contains(sent, `data-testid="sent"`) {
		t.Fatalf("sent page: %d\n%s", res.StatusCode, sent)
	}
	// What differs went to the addresses only.
	if len(env.mailTo(t, fresh, mail.KindVerifyEmail)) != 1 || len(env.mailTo(t, known.Email, mail.KindAccountExists)) != 1 {
		t.Fatal("the sign-ups' e-mails are not what each address should get")
	}

	// A new link asked for any address gets the same page.
	resA, bodyA := postForm(pc, "/signup/sent", "/account/verify/resend", url.Values{"email": {fresh}})
	resB, bodyB := postForm(pc, "/signup/sent", "/account/verify/resend", url.Values{"email": {"nessuno@example.org"}})
	bodyA, bodyB = strings.ReplaceAll(bodyA, fresh, "ADDRESS"), strings.ReplaceAll(bodyB, "nessuno@example.org", "ADDRESS")
	if resA.StatusCode != http.StatusOK || resB.StatusCode != http.StatusOK || stripCSRF(bodyA) != stripCSRF(bodyB) {
		t.Fatalf("resend answers differ: %d %d", resA.StatusCode, resB.StatusCode)
	}

	// Mistakes come back next to their field, with what was typed kept,
	// and make nothing.
	bad := form("non-un-indirizzo")
	res, body := postForm(pc, "/signup", "/signup", bad)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad e-mail: %d", res.StatusCode)
	}
	wantFieldError(t, body, "email", "non-un-indirizzo")
	noPrivacy := form("altra@example.org")
	noPrivacy.Del("privacy")
	res, body = postForm(pc, "/signup", "/signup", noPrivacy)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-privacy-error"`) || !strings.Contains(body, `value="altra@example.org"`) {
		t.Fatalf("sign-up without the privacy acknowledgement: %d\n%s", res.StatusCode, body)
	}
	weak := form("altra@example.org")
	weak.Set("password", "corta")
	res, body = postForm(pc, "/signup", "/signup", weak)
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("weak password: %d", res.StatusCode)
	}
	wantFieldError(t, body, "password", "")
	// Every mistake comes back at once, each next to its field, the
	// privacy acknowledgement's too.
	all := url.Values{"email": {"altra@"}, "password": {"corta"}, "name": {" "}, "locale": {"it"}}
	res, body = postForm(pc, "/signup", "/signup", all)
	if m := invalidField.FindAllStringSubmatch(body, -1); res.StatusCode != http.StatusBadRequest || len(m) != 3 ||
		!strings.Contains(body, `id="f-privacy-error"`) || !strings.Contains(body, `value="altra@"`) {
		t.Fatalf("four mistakes: %d, fields %v\n%s", res.StatusCode, m, body)
	}
	for _, f := range []string{"email", "name", "password"} {
		if !strings.Contains(body, `id="f-`+f+`-error"`) {
			t.Fatalf("no error next to %s:\n%s", f, body)
		}
	}
	if _, err := env.Identity.AccountByEmail(context.Background(), "altra@example.org"); err == nil {
		t.Fatal("a refused sign-up made an account")
	}
}

// stripCSRF drops the per-request CSRF tokens, to compare two pages.
func stripCSRF(body string) string {
	return webtest.CSRFInForm.ReplaceAllString(body, "")
}

// Sign-up → the e-mailed link's page → its button → "now log in" → in;
// the link works once; forged, malformed and expired links get the page
// that says so, with the form to ask again.
func TestConfirmLinkPages(t *testing.T) {
	t.Parallel()
	env, pc, clock := accountServer(t)
	email := "anna.verdi@example.org"
	postForm(pc, "/signup", "/signup", url.Values{"email": {email}, "password": {"una password lunga"}, "name": {"Anna Verdi"}, "privacy": {"1"}})
	// Before the link, the right password says what to do and offers a
	// new link.
	res, body := postForm(pc, "/login", "/login", url.Values{"email": {email}, "password": {"una password lunga"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `data-testid="send-again"`) {
		t.Fatalf("login before confirming: %d\n%s", res.StatusCode, body)
	}
	path, tok := env.mailLink(t, email, mail.KindVerifyEmail)
	if path != "/account/confirm" {
		t.Fatalf("the verification e-mail links to %s", path)
	}
	link := path + "?token=" + url.QueryEscape(tok)
	res, page := pc.Get(link)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="confirm"`) {
		t.Fatalf("confirmation page: %d\n%s", res.StatusCode, page)
	}
	// Opening the link (as a mail scanner does) spent nothing.
	res, _ = postForm(pc, link, "/account/confirm", url.Values{"token": {tok}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?notice=verified" {
		t.Fatalf("confirm: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := pc.Get("/login?notice=verified"); !strings.Contains(body, `data-testid="notice"`) {
		t.Fatal("the login page does not say the address is confirmed")
	}
	if res := pc.Login(email, "una password lunga"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login after confirming: %d", res.StatusCode)
	}
	pc = webtest.NewPageClient(t, pc.URL) // signed out again

	refused := func(name string, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, badTokenPage) || !strings.Contains(body, `action="/account/verify/resend"`) {
			t.Errorf("%s: %d\n%s", name, res.StatusCode, body)
		}
	}
	res, body = postForm(pc, link, "/account/confirm", url.Values{"token": {tok}})
	refused("used", res, body)
	res, body = postForm(pc, "/signup", "/account/confirm", url.Values{"token": {"ev_" + strings.Repeat("A", 43)}})
	refused("forged", res, body)
	res, body = pc.Get("/account/confirm?token=nonsense")
	refused("malformed", res, body)
	res, body = pc.Get("/account/confirm")
	refused("missing", res, body)

	other := "bruno.neri@example.org"
	postForm(pc, "/signup", "/signup", url.Values{"email": {other}, "password": {"una password lunga"}, "name": {"Bruno Neri"}, "privacy": {"1"}})
	_, tok = env.mailLink(t, other, mail.KindVerifyEmail)
	clock.Set(clock.Now().Add(49 * time.Hour))
	res, body = postForm(pc, "/signup", "/account/confirm", url.Values{"token": {tok}})
	refused("expired", res, body)
}

// Forgotten password: the same answer for any address, the link's page,
// mistakes that keep the token, the new password logs in, the link works
// once.
func TestPasswordResetPages(t *testing.T) {
	t.Parallel()
	env, pc, clock := accountServer(t)
	known, _ := env.account(t, identity.RoleCitizen)
	resKnown, _ := postForm(pc, "/password/forgot", "/password/forgot", url.Values{"email": {known.Email}})
	resUnknown, _ := postForm(pc, "/password/forgot", "/password/forgot", url.Values{"email": {"nessuno@example.org"}})
	for _, res := range []*http.Response{resKnown, resUnknown} {
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/password/forgot/sent" {
			t.Fatalf("forgot: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	}
	if len(env.mailTo(t, "nessuno@example.org", mail.KindPasswordReset)) != 0 {
		t.Fatal("a reset e-mail went to an address without an account")
	}
	res, body := postForm(pc, "/password/forgot", "/password/forgot", url.Values{"email": {"non-un-indirizzo"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad address: %d", res.StatusCode)
	}
	wantFieldError(t, body, "email", "non-un-indirizzo")

	path, tok := env.mailLink(t, known.Email, mail.KindPasswordReset)
	link := path + "?token=" + url.QueryEscape(tok)
	if res, body := pc.Get(link); res.StatusCode != http.StatusOK || !strings.Contains(body, `name="new_password"`) {
		t.Fatalf("reset page %s: %d", link, res.StatusCode)
	}
	res, body = postForm(pc, link, "/password/reset", url.Values{"token": {tok}, "new_password": {"la nuova password"}, "repeat_password": {"un'altra password"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("two different passwords: %d", res.StatusCode)
	}
	wantFieldError(t, body, "repeat_password", "")
	res, body = postForm(pc, link, "/password/reset", url.Values{"token": {tok}, "new_password": {"corta"}, "repeat_password": {"corta"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("weak password: %d", res.StatusCode)
	}
	wantFieldError(t, body, "new_password", "")
	res, _ = postForm(pc, link, "/password/reset", url.Values{"token": {tok}, "new_password": {"la nuova password"}, "repeat_password": {"la nuova password"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?notice=password_reset" {
		t.Fatalf("reset: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := pc.Login(known.Email, testPassword); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the old password still logs in: %d", res.StatusCode)
	}
	if res := pc.Login(known.Email, "la nuova password"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the new password does not log in: %d", res.StatusCode)
	}
	refused := func(name string, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, badTokenPage) || !strings.Contains(body, `action="/password/forgot"`) {
			t.Errorf("%s: %d\n%s", name, res.StatusCode, body)
		}
	}
	res, body = postForm(pc, "/password/forgot", "/password/reset", url.Values{"token": {tok}, "new_password": {"ancora un'altra"}, "repeat_password": {"ancora un'altra"}})
	refused("used", res, body)
	res, body = pc.Get("/password/reset?token=ev_wrongpurpose")
	refused("another purpose", res, body)
	res, body = postForm(pc, "/password/forgot", "/password/reset", url.Values{"token": {"pr_" + strings.Repeat("B", 43)}, "new_password": {"ancora un'altra"}, "repeat_password": {"ancora un'altra"}})
	refused("forged", res, body)
	postForm(pc, "/password/forgot", "/password/forgot", url.Values{"email": {known.Email}})
	_, tok = env.mailLink(t, known.Email, mail.KindPasswordReset)
	clock.Set(clock.Now().Add(2 * time.Hour))
	res, body = postForm(pc, "/password/forgot", "/password/reset", url.Values{"token": {tok}, "new_password": {"ancora un'altra"}, "repeat_password": {"ancora un'altra"}})
	refused("expired", res, body)
}

// The account page: the password changes (and the page stays signed in
// with the new one), the address changes after its link.
func TestAccountPageChangesPasswordAndAddress(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	anna, _ := env.account(t, identity.RoleCitizen)
	if res := pc.Login(anna.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, body := pc.Get("/account")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, anna.Email) || !strings.Contains(body, `href="/account" aria-current="page"`) {
		t.Fatalf("account page: %d\n%s", res.StatusCode, body)
	}
	res, body = postForm(pc, "/account", "/account/password", url.Values{"current": {"sbagliata davvero"}, "new_password": {"la nuova password"}, "repeat_password": {"la nuova password"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong current password: %d", res.StatusCode)
	}
	wantFieldError(t, body, "current", "")
	res, _ = postForm(pc, "/account", "/account/password", url.Values{"current": {testPassword}, "new_password": {"la nuova password"}, "repeat_password": {"la nuova password"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=password" {
		t.Fatalf("change password: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := pc.Get("/account?done=password"); res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="done"`) {
		t.Fatalf("after the change the page is not signed in: %d", res.StatusCode)
	}

	newEmail := "anna.nuova@example.org"
	res, body = postForm(pc, "/account", "/account/email", url.Values{"new_email": {newEmail}, "email_password": {testPassword}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("address change with the old password: %d", res.StatusCode)
	}
	wantFieldError(t, body, "email_password", newEmail)
	res, _ = postForm(pc, "/account", "/account/email", url.Values{"new_email": {newEmail}, "email_password": {"la nuova password"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=email_sent" {
		t.Fatalf("address change: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	path, tok := env.mailLink(t, newEmail, mail.KindEmailChange)
	res, _ = postForm(pc, path+"?token="+url.QueryEscape(tok), "/account/confirm", url.Values{"token": {tok}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=email_changed" {
		t.Fatalf("confirm the new address: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := pc.Get("/account"); !strings.Contains(body, newEmail) {
		t.Fatal("the account page does not show the new address")
	}
	// The link again, spent: the page sends the person to ask from their
	// account, not to the sign-up's "send again", which would send nothing
	// to an account whose address is verified.
	res, body = postForm(pc, path+"?token="+url.QueryEscape(tok), "/account/confirm", url.Values{"token": {tok}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, badTokenPage) || !strings.Contains(body, `data-testid="change-again"`) ||
		strings.Contains(body, `action="/account/verify/resend"`) {
		t.Fatalf("a spent change-of-address link: %d\n%s", res.StatusCode, body)
	}
}

// Every account form refuses a post without its CSRF token, before
// anything happens.
func TestAccountFormsNeedCSRF(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	anna, _ := env.account(t, identity.RoleCitizen)
	pc.Login(anna.Email, testPassword)
	forms := map[string]url.Values{
		"/signup":                   {"email": {"x@example.org"}, "password": {"una password lunga"}, "name": {"X"}, "privacy": {"1"}},
		"/account/verify/resend":    {"email": {"x@example.org"}},
		"/account/confirm":          {"token": {"ev_x"}},
		"/password/forgot":          {"email": {anna.Email}},
		"/password/reset":           {"token": {"pr_x"}, "new_password": {"una password lunga"}, "repeat_password": {"una password lunga"}},
		"/account/password":         {"current": {testPassword}, "new_password": {"una password lunga"}, "repeat_password": {"una password lunga"}},
		"/account/email":            {"new_email": {"y@example.org"}, "email_password": {testPassword}},
		"/account/language":         {"locale": {"en"}},
		"/account/verify/resend?x=": {"email": {anna.Email}},
	}
	for path, form := range forms {
		res, body := pc.Post(path, form)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "alert") {
			t.Errorf("POST %s without a CSRF token: %d", path, res.StatusCode)
		}
	}
	for _, to := range []string{"x@example.org", "y@example.org", anna.Email} {
		for _, kind := range []string{mail.KindVerifyEmail, mail.KindPasswordReset, mail.KindEmailChange} {
			if n := len(env.mailTo(t, to, kind)); n != 0 {
				t.Errorf("%d %s e-mails to %s after refused posts", n, kind, to)
			}
		}
	}
	if _, err := env.Identity.Login(context.Background(), anna.Email, testPassword, ""); err != nil {
		t.Fatalf("the password changed without a CSRF token: %v", err)
	}
	if a, err := env.Identity.Account(context.Background(), anna.ID); err != nil || a.Locale != "it" {
		t.Fatalf("the language changed without a CSRF token: %q, %v", a.Locale, err)
	}
}

// httptestServer serves h until the test ends and returns its URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
