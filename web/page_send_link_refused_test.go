package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/mail"
)

// A "send me a link" form refused says so and nothing about a link sent:
// the words of a sent link ("Controlla la tua email", "ti abbiamo mandato")
// are for a form taken only.
func TestRefusedSendLinkFormsSayNothingSent(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	sentWords := []string{`data-testid="sent"`, "Controlla la tua email", "ti abbiamo mandato", "Check your email", "we sent it"}
	noneSent := func(what string, body string) {
		t.Helper()
		for _, w := range sentWords {
			if strings.Contains(body, w) {
				t.Errorf("%s refused says %q:\n%s", what, w, body)
			}
		}
	}
	// The sign-up's sent page's form, the page it answers, and a bad
	// link's page's form, all posting a new confirmation link.
	for _, from := range []string{"/signup/sent", "/account/confirm?token=nope"} {
		res, body := postForm(pc, from, "/account/verify/resend", url.Values{"email": {"not-an-email"}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("resend from %s with a bad address: %d", from, res.StatusCode)
		}
		wantFieldError(t, body, "email", "not-an-email")
		noneSent("a new confirmation link from "+from, body)
		if !strings.Contains(body, `action="/account/verify/resend"`) || !strings.Contains(body, "<h1>Chiedi un nuovo link di conferma</h1>") {
			t.Fatalf("the refused resend does not offer its form under its heading:\n%s", body)
		}
	}
	// The forgotten password's form, and a bad reset link's.
	for _, from := range []string{"/password/forgot", "/password/reset?token=nope"} {
		res, body := postForm(pc, from, "/password/forgot", url.Values{"email": {"not-an-email"}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("forgot from %s with a bad address: %d", from, res.StatusCode)
		}
		wantFieldError(t, body, "email", "not-an-email")
		noneSent("a reset link from "+from, body)
	}
	// A form taken still says a link may be on its way.
	res, body := postForm(pc, "/signup/sent", "/account/verify/resend", url.Values{"email": {"nessuno@example.org"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="sent"`) || !strings.Contains(body, "ti abbiamo mandato un nuovo link") {
		t.Fatalf("a resend taken: %d\n%s", res.StatusCode, body)
	}
	if n := len(env.mailTo(t, "not-an-email", mail.KindVerifyEmail)); n != 0 {
		t.Fatalf("%d e-mails to a refused address", n)
	}
}
