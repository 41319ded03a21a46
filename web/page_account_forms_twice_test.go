package web

import (
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
)

var formKeyField = regexp.MustCompile(`name="key" value="([^"]+)"`)

// The sign-up and the password reset's request, sent twice (a double
// press, a reload that posts again), e-mail once: before, the sign-up's
// second post found the address taken by its first and sent "you already
// have an account" after the sign-up's own link, and the reset's sent a
// second link. The same form sent with another address (corrected after
// Back) runs for that address.
func TestAccountFormsSentTwiceEmailOnce(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	known, _ := env.account(t, identity.RoleCitizen)
	keyOf := func(path string) string {
		t.Helper()
		_, page := pc.Get(path)
		m := formKeyField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the form at %s has no key:\n%s", path, page)
		}
		return m[1]
	}
	twice := func(path string, form url.Values, want string) {
		t.Helper()
		form.Set("csrf_token", pc.CSRF(path))
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				res, _ := pc.Post(path, form)
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
					t.Errorf("%s: %d to %q", path, res.StatusCode, res.Header.Get("Location"))
				}
			})
		}
		wg.Wait()
		// And once more after both answered, as a reload does.
		if res, _ := pc.Post(path, form); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("%s again: %d to %q", path, res.StatusCode, res.Header.Get("Location"))
		}
	}

	email := "giulia.verdi@example.org"
	signup := url.Values{"key": {keyOf("/signup")}, "email": {email}, "password": {"una password lunga"}, "name": {"Giulia Verdi"}, "locale": {"it"}, "privacy": {"1"}}
	twice("/signup", signup, "/signup/sent")
	if n, exists := len(env.mailTo(t, email, mail.KindVerifyEmail)), len(env.mailTo(t, email, mail.KindAccountExists)); n != 1 || exists != 0 {
		t.Fatalf("a sign-up sent twice e-mailed %d confirmations and %d \"you already have an account\"", n, exists)
	}
	// The same form, the address corrected: that address signs up.
	corrected := "giulia.verdi2@example.org"
	signup.Set("email", corrected)
	if res, _ := pc.Post("/signup", signup); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the corrected sign-up: %d", res.StatusCode)
	}
	if n := len(env.mailTo(t, corrected, mail.KindVerifyEmail)); n != 1 {
		t.Fatalf("the corrected address got %d confirmations", n)
	}

	forgot := url.Values{"key": {keyOf("/password/forgot")}, "email": {known.Email}}
	twice("/password/forgot", forgot, "/password/forgot/sent")
	if n := len(env.mailTo(t, known.Email, mail.KindPasswordReset)); n != 1 {
		t.Fatalf("a reset asked twice e-mailed %d links", n)
	}
	// A new form asks again: a new link, as before.
	forgot.Set("key", keyOf("/password/forgot"))
	if res, _ := pc.Post("/password/forgot", forgot); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a new request: %d", res.StatusCode)
	}
	if n := len(env.mailTo(t, known.Email, mail.KindPasswordReset)); n != 2 {
		t.Fatalf("a reset asked again from a new form e-mailed %d links in all, want 2", n)
	}
}
