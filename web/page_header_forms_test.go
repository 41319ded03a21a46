package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

var (
	pageForm    = regexp.MustCompile(`(?s)<form[^>]* action="([^"]+)"[^>]*>(.*?)</form>`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// formFields is the hidden fields of the first form of body posting to
// action, as the browser would send them.
func formFields(t *testing.T, body, action string) url.Values {
	t.Helper()
	for _, m := range pageForm.FindAllStringSubmatch(body, -1) {
		if html.UnescapeString(m[1]) != action {
			continue
		}
		out := url.Values{}
		for _, in := range hiddenInput.FindAllStringSubmatch(m[2], -1) {
			out.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
		}
		return out
	}
	t.Fatalf("no form to %s on the page:\n%s", action, body)
	return nil
}

// The header's forms of a page whose session has ended (signed out in
// another tab) still do what they say: the language switch switches, as
// it does for a visitor, and signing out ends at the signed-out home page,
// where both answered 403. Neither takes a form of another site or
// browser: without this browser's token both are still refused, and a
// live session is not ended by a stale form.
func TestHeaderFormsAfterTheSessionEnded(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	known, _ := env.account(t, identity.RoleCitizen)
	if res := pc.Login(known.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	_, page := pc.Get("/account")
	lang := formFields(t, page, "/language")
	logout := formFields(t, page, "/logout")

	// Another tab signs out.
	if res, _ := pc.Post("/logout", logout); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}

	lang.Set("lang", "en")
	res, body := pc.Post("/language", lang)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("language switch after the session ended: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	if res, _ := pc.Get("/login"); res.Header.Get("Content-Language") != "en" {
		t.Fatalf("the language did not switch: %q", res.Header.Get("Content-Language"))
	}
	res, body = pc.Post("/logout", logout)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("signing out again: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}

	// Another browser (no CSRF cookie of this one) is refused both.
	other := webtest.NewPageClient(t, pc.URL)
	if res, _ := other.Post("/language", lang); res.StatusCode != http.StatusForbidden {
		t.Fatalf("another browser's language switch: %d", res.StatusCode)
	}
	if res, _ := other.Post("/logout", logout); res.StatusCode != http.StatusForbidden {
		t.Fatalf("another browser's sign out: %d", res.StatusCode)
	}
	// Signed in again, the old page's sign-out form is stale: refused,
	// and the session lives on.
	if res := pc.Login(known.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login again: %d", res.StatusCode)
	}
	if res, _ := pc.Post("/logout", logout); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a stale sign-out form with a live session: %d", res.StatusCode)
	}
	if res, _ := pc.Get("/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("the session ended by a stale form: %d", res.StatusCode)
	}
	// The browser's token passes for no other form's.
	if res, _ := pc.Post("/account/password", url.Values{"csrf_token": {lang.Get("csrf_browser")}, "current": {testPassword},
		"new_password": {"una password nuova"}, "repeat_password": {"una password nuova"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("another form with the browser's token: %d", res.StatusCode)
	}
	// A form without any token is refused.
	if res, _ := pc.Post("/language", url.Values{"lang": {"it"}, "next": {"/"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("language switch without a token: %d", res.StatusCode)
	}
}
