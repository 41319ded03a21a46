package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
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
	path, tok := o.env.mailLink(t, next, mail.KindEmailChange)
	link := path + "?token=" + url.QueryEscape(tok)
	// Confirmed by the account, signed in with SPID/CIE: the link's page
	// sends a browser with nobody signed in to sign in first.
	signedOut := webtest.NewPageClient(t, o.url)
	if res, _ := signedOut.Get(link); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?") {
		t.Fatalf("the link with nobody signed in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := postForm(pc, link, "/account/confirm", url.Values{"token": {tok}}); res.Header.Get("Location") != "/account?done=email_changed" {
		t.Fatalf("confirm the new address: %d to %q", res.StatusCode, res.Header.Get("Location"))
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

// spidHref is the login page's SPID/CIE button's address.
var spidHref = regexp.MustCompile(`href="(/login/oidc[^"]*)" data-testid="spid"`)

// The address a SPID/CIE login proposed without its provider vouching for
// it is confirmed by that account, signed in: whoever else reads the
// mailbox, signed in nowhere or to an account of their own, cannot give it
// to the account (and so gets no reset link to it); the owner, sent to sign
// in with SPID/CIE, comes back to the link and confirms it.
func TestOIDCProposedAddressConfirmedSignedIn(t *testing.T) {
	t.Parallel()
	o := oidcServer(t)
	first := webtest.NewPageClient(t, o.url)
	back := o.loginAt(t, o.start(t, first, "/login/oidc"), spidLuca)
	if res, _ := first.Get("/login/oidc/callback?" + back.Encode()); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("SPID/CIE login: %d", res.StatusCode)
	}
	luca, created, err := o.env.Identity.ExternalAccount(context.Background(), identity.ExternalIdentity{FiscalCode: spidLuca.FiscalNumber})
	if err != nil || created || !strings.HasSuffix(luca.Email, identity.PlaceholderEmailDomain) {
		t.Fatalf("the SPID/CIE account: %+v, %v", luca, err)
	}
	path, tok := o.env.mailLink(t, spidLuca.Email, mail.KindEmailChange)
	link := path + "?token=" + url.QueryEscape(tok)

	// The mailbox's reader, signed in nowhere: sent to sign in, a post too.
	reader := webtest.NewPageClient(t, o.url)
	res, _ := reader.Get(link)
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc.Path != "/login" || loc.Query().Get("next") != link || loc.Query().Get("notice") != "confirm_email" {
		t.Fatalf("the link with nobody signed in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := postForm(reader, "/login", "/account/confirm", url.Values{"token": {tok}}); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/login?") {
		t.Fatalf("a confirmation posted with nobody signed in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Signed in to an account of their own: refused, saying why.
	stranger, _ := o.env.account(t, identity.RoleCitizen)
	ps := webtest.SignedIn(t, o.url, stranger.Email, testPassword)
	if res, body := postForm(ps, link, "/account/confirm", url.Values{"token": {tok}}); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "per un altro account") {
		t.Fatalf("a confirmation by another account: %d\n%s", res.StatusCode, body)
	}
	if err := o.env.Identity.RequestPasswordReset(context.Background(), spidLuca.Email); err != nil {
		t.Fatal(err)
	}
	if got := o.env.mailTo(t, spidLuca.Email, mail.KindPasswordReset); len(got) != 0 {
		t.Fatalf("the proposed address got %d reset links", len(got))
	}
	if a, err := o.env.Identity.Account(context.Background(), luca.ID); err != nil || a.Email != luca.Email || a.Verified() {
		t.Fatalf("the SPID/CIE account after the refusals: %+v, %v", a, err)
	}

	// Luca, in another browser: the link sends him to sign in, SPID/CIE
	// brings him back to it, and he confirms.
	pl := webtest.NewPageClient(t, o.url)
	res, _ = pl.Get(link)
	_, body := pl.Get(res.Header.Get("Location"))
	m := spidHref.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no SPID/CIE button on the login page:\n%s", body)
	}
	back = o.loginAt(t, o.start(t, pl, html.UnescapeString(m[1])), spidLuca)
	if res, _ := pl.Get("/login/oidc/callback?" + back.Encode()); res.Header.Get("Location") != link {
		t.Fatalf("after SPID/CIE: %d to %q, want back to the link", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := postForm(pl, link, "/account/confirm", url.Values{"token": {tok}}); res.Header.Get("Location") != "/account?done=email_changed" {
		t.Fatalf("the owner confirming: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if a, err := o.env.Identity.Account(context.Background(), luca.ID); err != nil || a.Email != spidLuca.Email || !a.Verified() {
		t.Fatalf("the SPID/CIE account after its confirmation: %+v, %v", a, err)
	}
}
