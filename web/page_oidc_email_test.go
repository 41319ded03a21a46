package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/web/webtest"
)

// An account made with SPID/CIE has no password: it changes or adds its
// address by signing in with SPID/CIE again from the account page. The
// link then goes to the new address; another person's SPID/CIE login, or
// a form with a bad address, sends nothing.
func TestOIDCAccountChangesItsAddressWithSPID(t *testing.T) {
	t.Parallel()
	o := oidcServer(t)
	pc := webtest.NewPageClient(t, o.url)
	back := o.loginAt(t, o.start(t, pc, "/login/oidc"), spidMario)
	if res, _ := pc.Get("/login/oidc/callback?" + back.Encode()); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("SPID/CIE login: %d", res.StatusCode)
	}
	if _, body := pc.Get("/account"); !strings.Contains(body, `data-testid="email-spid"`) || !strings.Contains(body, "confermi la modifica con SPID / CIE") {
		t.Fatalf("the account page of a SPID/CIE account offers no way to change its address:\n%s", body)
	}

	res, body := postForm(pc, "/account", "/account/email/spid", url.Values{"new_email": {"not an address"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a bad address: %d", res.StatusCode)
	}
	wantFieldError(t, body, "new_email", "not an address")

	// The form keeps the address and offers the SPID/CIE login as a link:
	// the pages' CSP (form-action 'self') stops a form's redirect to the
	// provider in a browser.
	start := func(addr string) string {
		t.Helper()
		res, body := postForm(pc, "/account", "/account/email/spid", url.Values{"new_email": {addr}})
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `href="/login/oidc/email"`) || !strings.Contains(body, addr) {
			t.Fatalf("the form's answer: %d, no link to continue with SPID/CIE for %s:\n%s", res.StatusCode, addr, body)
		}
		return o.start(t, pc, "/login/oidc/email")
	}
	// Somebody else signs in at the provider on this browser: refused.
	stranger := "stranger@example.org"
	back = o.loginAt(t, start(stranger), spidAnna)
	if res, body := pc.Get("/login/oidc/callback?" + back.Encode()); res.StatusCode != http.StatusForbidden || !strings.Contains(body, `data-testid="oidc-error"`) {
		t.Fatalf("another person's SPID/CIE login: %d\n%s", res.StatusCode, body)
	}
	if got := o.env.mailTo(t, stranger, mail.KindEmailChange); len(got) != 0 {
		t.Fatalf("a link went out on another person's login: %d", len(got))
	}

	next := "mario.nuovo@example.org"
	back = o.loginAt(t, start(next), spidMario)
	res, _ = pc.Get("/login/oidc/callback?" + back.Encode())
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account?done=email_sent" {
		t.Fatalf("callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if links := o.env.mailTo(t, next, mail.KindEmailChange); len(links) != 1 {
		t.Fatalf("%d links to the new address, want 1", len(links))
	}
	_, tok := o.env.mailLink(t, next, mail.KindEmailChange)
	if _, err := o.env.Identity.ConfirmEmail(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if a, err := o.env.Identity.AccountByEmail(context.Background(), next); err != nil || a.FiscalCode != "RSSMRA85T10A562S" || !a.Verified() {
		t.Fatalf("the account at the new address: %+v, %v", a, err)
	}
	// A password account is not offered the SPID/CIE form.
	bruno, _ := o.env.account(t, identity.RoleCitizen)
	pb := webtest.SignedIn(t, o.url, bruno.Email, testPassword)
	if _, body := pb.Get("/account"); strings.Contains(body, `data-testid="email-spid"`) {
		t.Fatal("a password account is offered the SPID/CIE address form")
	}
}
