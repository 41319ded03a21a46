package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
)

// An e-mailed link that no longer works says so when it is opened, with
// the form to ask for a new one, instead of showing a form (a new
// password typed twice) whose button then says the link is dead. A link
// that works still only shows its button: opening it spends nothing.
func TestADeadLinkSaysSoWhenOpened(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	known, _ := env.account(t, identity.RoleCitizen)
	dead := func(name, link, askAgain string) {
		t.Helper()
		res, body := pc.Get(link)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, badTokenPage) || !strings.Contains(body, askAgain) ||
			strings.Contains(body, `name="new_password"`) || strings.Contains(body, `data-testid="confirm"`) {
			t.Errorf("%s opened: %d\n%s", name, res.StatusCode, body)
		}
	}

	// Two resets asked: the first link used ends the second.
	postForm(pc, "/password/forgot", "/password/forgot", url.Values{"email": {known.Email}})
	path, first := env.mailLink(t, known.Email, mail.KindPasswordReset)
	postForm(pc, "/password/forgot", "/password/forgot", url.Values{"email": {known.Email}})
	_, second := env.mailLink(t, known.Email, mail.KindPasswordReset)
	if first == second {
		t.Fatal("the second reset e-mail carries the first one's link")
	}
	firstLink, secondLink := path+"?token="+url.QueryEscape(first), path+"?token="+url.QueryEscape(second)
	for range 2 { // opened twice, as a scanner and then the person do
		if res, body := pc.Get(firstLink); res.StatusCode != http.StatusOK || !strings.Contains(body, `name="new_password"`) {
			t.Fatalf("a working reset link opened: %d\n%s", res.StatusCode, body)
		}
	}
	res, _ := postForm(pc, firstLink, "/password/reset", url.Values{"token": {first}, "new_password": {"la nuova password"}, "repeat_password": {"la nuova password"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	dead("the used reset link", firstLink, `action="/password/forgot"`)
	dead("the reset link the other one ended", secondLink, `action="/password/forgot"`)

	// A sign-up's link, used.
	email := "carla.blu@example.org"
	postForm(pc, "/signup", "/signup", url.Values{"email": {email}, "password": {"una password lunga"}, "name": {"Carla Blu"}, "privacy": {"1"}})
	path, tok := env.mailLink(t, email, mail.KindVerifyEmail)
	link := path + "?token=" + url.QueryEscape(tok)
	if res, body := pc.Get(link); res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="confirm"`) {
		t.Fatalf("a working confirmation link opened: %d\n%s", res.StatusCode, body)
	}
	if res, _ := postForm(pc, link, "/account/confirm", url.Values{"token": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	dead("the used confirmation link", link, `action="/account/verify/resend"`)
	dead("a forged confirmation link", "/account/confirm?token=ev_"+strings.Repeat("A", 43), `action="/account/verify/resend"`)
}
