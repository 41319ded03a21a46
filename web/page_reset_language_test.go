package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
)

// switchNext is the next= of a page's language switch.
var switchNext = regexp.MustCompile(`<form class="lang-switch" method="post" action="/language">\s*<input type="hidden" name="csrf_token" value="[^"]*">\s*<input type="hidden" name="next" value="([^"]*)">`)

func languageNextOf(t *testing.T, body string) string {
	t.Helper()
	m := switchNext.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no language switch on the page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// The language switch of a reset link's page, also after a password
// refused or the form expired, returns to the page with its token: the
// person goes on in the other language with the link still working, where
// the page without it said the link does not work.
func TestPasswordResetLanguageSwitchKeepsToken(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	known, _ := env.account(t, identity.RoleCitizen)
	postForm(pc, "/password/forgot", "/password/forgot", url.Values{"email": {known.Email}})
	path, tok := env.mailLink(t, known.Email, mail.KindPasswordReset)
	link := path + "?" + url.Values{"token": {tok}}.Encode()

	_, body := pc.Get(link)
	if got := languageNextOf(t, body); got != link {
		t.Fatalf("reset page: the switch returns to %q, want %q", got, link)
	}
	res, body := postForm(pc, link, "/password/reset", url.Values{"token": {tok}, "new_password": {"la nuova password"}, "repeat_password": {"un'altra password"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("two different passwords: %d", res.StatusCode)
	}
	next := languageNextOf(t, body)
	if next != link {
		t.Fatalf("refused password: the switch returns to %q, want %q", next, link)
	}
	// An expired form (another token) comes back refused, with the link too.
	res, body = pc.Post("/password/reset", url.Values{"csrf_token": {"scaduto"}, "token": {tok}, "new_password": {"x"}, "repeat_password": {"x"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("expired form: %d", res.StatusCode)
	}
	if got := languageNextOf(t, body); got != link {
		t.Fatalf("expired form: the switch returns to %q, want %q", got, link)
	}

	res, _ = pc.Post("/language", url.Values{"csrf_token": {pc.CSRF(link)}, "lang": {"en"}, "next": {next}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != link {
		t.Fatalf("switch: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = pc.Get(res.Header.Get("Location"))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="new_password"`) || !strings.Contains(body, `<html lang="en"`) {
		t.Fatalf("the page in English: %d\n%s", res.StatusCode, body)
	}
	res, _ = postForm(pc, link, "/password/reset", url.Values{"token": {tok}, "new_password": {"la nuova password"}, "repeat_password": {"la nuova password"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?notice=password_reset" {
		t.Fatalf("reset after the switch: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}
