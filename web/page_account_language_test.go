package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/web/webtest"
)

// languageOption matches the /account language form's chosen option.
var languageOption = regexp.MustCompile(`<option value="([a-z]+)"[^>]*selected`)

// accountLocale is the language stored for account id.
func accountLocale(t *testing.T, env *testEnv, id string) string {
	t.Helper()
	a, err := env.Identity.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Locale
}

// resetMailLocale asks a password reset for address and returns the
// language its e-mail was written in.
func resetMailLocale(t *testing.T, env *testEnv, address string) string {
	t.Helper()
	if err := env.Identity.RequestPasswordReset(context.Background(), address); err != nil {
		t.Fatal(err)
	}
	ms := env.mailTo(t, address, mail.KindPasswordReset)
	if len(ms) == 0 {
		t.Fatalf("no reset e-mail to %s", address)
	}
	return ms[len(ms)-1].Locale
}

// /account shows the account's language and changes it, Italian or
// English: the page answers in the language chosen, the account keeps it
// (a sign-in elsewhere, without the switch's cookie, gets it), and so do
// its e-mails. Another language, or a form without the session's token,
// changes nothing.
func TestAccountPageChangesTheLanguage(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	known, _ := env.account(t, identity.RoleCitizen)
	if res := pc.Login(known.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, page := pc.Get("/account")
	if res.Header.Get("Content-Language") != "it" {
		t.Fatalf("/account of an Italian account in %q", res.Header.Get("Content-Language"))
	}
	form := formFields(t, page, "/account/language")
	if m := languageOption.FindAllStringSubmatch(page, -1); len(m) != 1 || m[0][1] != "it" {
		t.Fatalf("/account shows the language %v, want it:\n%s", m, page)
	}

	// Refused with nothing changed: a language the hub does not speak,
	// no token, another form's token (the header's browser token).
	bad := url.Values{"csrf_token": {form.Get("csrf_token")}, "locale": {"de"}}
	res, body := pc.Post("/account/language", bad)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Scegli italiano o inglese.") {
		t.Fatalf("language de: %d\n%s", res.StatusCode, body)
	}
	if res, _ := pc.Post("/account/language", url.Values{"locale": {"en"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without a token: %d", res.StatusCode)
	}
	header := formFields(t, page, "/language")
	if res, _ := pc.Post("/account/language", url.Values{"csrf_token": {header.Get("csrf_browser")}, "locale": {"en"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("with the browser's token: %d", res.StatusCode)
	}
	if got := accountLocale(t, env, known.ID); got != "it" {
		t.Fatalf("a refused form changed the language to %q", got)
	}

	// The browser chose Italian with the switch: the form's choice
	// decides its pages from now on all the same.
	header.Set("lang", "it")
	if res, _ := pc.Post("/language", header); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch: %d", res.StatusCode)
	}
	form.Set("locale", "en")
	res, body = pc.Post("/account/language", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=language" {
		t.Fatalf("choose English: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	if got := accountLocale(t, env, known.ID); got != "en" {
		t.Fatalf("the account's language is %q, want en", got)
	}
	res, page = pc.Get("/account?done=language")
	if res.Header.Get("Content-Language") != "en" || !strings.Contains(page, "Language saved") {
		t.Fatalf("after choosing English the page is in %q:\n%s", res.Header.Get("Content-Language"), page)
	}
	if m := languageOption.FindAllStringSubmatch(page, -1); len(m) != 1 || m[0][1] != "en" {
		t.Fatalf("/account shows the language %v, want en", m)
	}
	// Another browser, without the cookie: the account's language.
	other := webtest.SignedIn(t, pc.URL, known.Email, testPassword)
	if res, _ := other.Get("/account"); res.Header.Get("Content-Language") != "en" {
		t.Fatalf("a new sign-in is in %q, want the account's en", res.Header.Get("Content-Language"))
	}
	if got := resetMailLocale(t, env, known.Email); got != "en" {
		t.Fatalf("an e-mail after the change is in %q, want en", got)
	}

	// And back to Italian.
	form = formFields(t, page, "/account/language")
	form.Set("locale", "it")
	if res, _ := pc.Post("/account/language", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("choose Italian: %d", res.StatusCode)
	}
	res, page = pc.Get("/account?done=language")
	if res.Header.Get("Content-Language") != "it" || !strings.Contains(page, "Lingua salvata") || accountLocale(t, env, known.ID) != "it" {
		t.Fatalf("after choosing Italian: page in %q, account in %q:\n%s", res.Header.Get("Content-Language"), accountLocale(t, env, known.ID), page)
	}
}

// The header's switch saves a signed-in person's choice as their account's
// language, so that e-mails and later sign-ins follow it; a visitor's stays
// in the browser's cookie, and so does a switch from a page whose session
// ended, whoever signed in since.
func TestHeaderSwitchSavesTheAccountLanguage(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	anna, _ := env.account(t, identity.RoleCitizen)
	bruno, _ := env.account(t, identity.RoleCitizen)

	// A visitor switches: the cookie only, and signing in keeps the
	// account's language.
	_, page := pc.Get("/login")
	lang := formFields(t, page, "/language")
	lang.Set("lang", "en")
	if res, body := pc.Post("/language", lang); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a visitor's switch: %d\n%s", res.StatusCode, body)
	}
	if res := pc.Login(anna.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	if got := accountLocale(t, env, anna.ID); got != "it" {
		t.Fatalf("a visitor's switch changed the account's language to %q", got)
	}
	if res, _ := pc.Get("/account"); res.Header.Get("Content-Language") != "en" {
		t.Fatalf("the cookie no longer decides the pages: %q", res.Header.Get("Content-Language"))
	}

	// Signed in, the switch (back to Italian, then to English) is the
	// account's language too.
	for _, want := range []string{"it", "en"} {
		_, page = pc.Get("/account")
		lang = formFields(t, page, "/language")
		lang.Set("lang", want)
		if res, body := pc.Post("/language", lang); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
			t.Fatalf("switch to %s: %d to %q\n%s", want, res.StatusCode, res.Header.Get("Location"), body)
		}
		if got := accountLocale(t, env, anna.ID); got != want {
			t.Fatalf("after the switch to %s the account is in %q", want, got)
		}
	}
	other := webtest.SignedIn(t, pc.URL, anna.Email, testPassword)
	if res, _ := other.Get("/account"); res.Header.Get("Content-Language") != "en" {
		t.Fatalf("a new sign-in after the switch is in %q, want en", res.Header.Get("Content-Language"))
	}
	if got := resetMailLocale(t, env, anna.Email); got != "en" {
		t.Fatalf("an e-mail after the switch is in %q, want en", got)
	}

	// A page of Anna's session, its session ended and Bruno signed in on
	// the browser: its switch sets the cookie, not Bruno's account.
	_, page = pc.Get("/account")
	stale := formFields(t, page, "/language")
	if res, _ := pc.Post("/logout", formFields(t, page, "/logout")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if res := pc.Login(bruno.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	stale.Set("lang", "en")
	if res, body := pc.Post("/language", stale); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a stale page's switch: %d\n%s", res.StatusCode, body)
	}
	if got := accountLocale(t, env, bruno.ID); got != "it" {
		t.Fatalf("a switch of another session's page changed the account's language to %q", got)
	}
}
