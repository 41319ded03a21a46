// TestAccountFlows drives the ways into the hub in a real headless
// Chromium on a real hub (SQLite, identity, the outbox delivering to
// Mailpit, a real OpenID provider in the test): sign-up, the e-mailed link,
// log in; a forgotten password, its e-mail, the new password; SPID/CIE to
// the provider's login page and back as a new citizen keyed by the fiscal
// code; and a SPID/CIE login whose e-mail names a password account, linked
// after the password. Every page of the hub it opens passes axe-core (WCAG
// 2.1 A/AA, no serious or critical violation).

package citizenflows

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mail"
	"cityhub/mail/mailtest"
	"cityhub/oidclogin"
	"cityhub/oidclogin/oidctest"
	"cityhub/outbox"
	"cityhub/smtpmail"
	"cityhub/store/storetest"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
)

// newPassword is what the citizen's forgotten password is changed to.
const newPassword = "un'altra password 2026"

type hub struct {
	url    string
	op     *oidctest.Provider
	sender *outbox.Sender
}

// deliver hands every e-mail the hub wrote so far to Mailpit.
func (h *hub) deliver(t *testing.T) {
	t.Helper()
	if _, err := h.sender.SendDue(context.Background()); err != nil {
		t.Fatalf("send the e-mails: %v", err)
	}
}

func startHub(t *testing.T, users ...oidctest.User) *hub {
	t.Helper()
	ctx := context.Background()
	log := storetest.Logger(t)
	db := storetest.Open(t, "sqlite")
	keys, err := keyring.Load(ctx, db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	composer, err := mail.NewComposer(base)
	if err != nil {
		t.Fatal(err)
	}
	ids := identity.NewService(db.Identity(), keys, identity.Options{Issuer: base, Argon2: identity.FastArgon2, Mail: composer, AnswerFloor: -1}, log)
	wal := wallet.NewService(db.Wallet(), log)
	if err := wal.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	tr, err := smtpmail.New(smtpmail.Config{URL: mailtest.SMTPURL(), From: mailtest.From, Timeout: 5 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	callback := base + "/login/oidc/callback"
	op := oidctest.Start(t, users, oidctest.Client{ID: "cityhub", Secret: "hub secret", Redirect: callback})
	rp, err := oidclogin.New(oidclogin.Config{Issuer: op.Issuer, ClientID: "cityhub", ClientSecret: "hub secret", RedirectURL: callback}, log)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = web.New(web.Deps{Log: log, PublicURL: base, Version: "test", Identity: ids, Keys: keys, Wallet: wal,
		OIDC: rp, OIDCLabel: "SPID / CIE"})
	srv.Start()
	t.Cleanup(srv.Close)
	return &hub{url: base, op: op, sender: outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{}, log)}
}

// linkIn waits for the e-mail to address whose text links to path and
// returns the link's path and query on the hub.
func (h *hub) linkIn(t *testing.T, address, path string, n int) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(h.url+path) + `\?token=[^\s"<>]+`)
	for _, s := range mailtest.WaitReceived(t, address, n, 20*time.Second) {
		if link := re.FindString(mailtest.Read(t, s.ID).Text); link != "" {
			return strings.TrimPrefix(link, h.url)
		}
	}
	t.Fatalf("no link to %s in the e-mails to %s", path, address)
	return ""
}

func signOut(f *pagetest.Flow) {
	f.T.Helper()
	if _, err := chromedp.Call(f.Ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		f.T.Fatalf("clear cookies: %v", err)
	}
}

func wantPath(f *pagetest.Flow, want string) {
	f.T.Helper()
	if got := f.Path(); got != want {
		f.T.Fatalf("at %s, want %s", got, want)
	}
}

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

func TestAccountFlows(t *testing.T) {
	t.Parallel()
	citizen := mailtest.Recipient(t)
	mario := oidctest.User{ID: "u-mario", Username: "mario", Password: "spid mario", GivenName: "Mario", FamilyName: "Rossi",
		Email: mailtest.Recipient(t), FiscalNumber: "TINIT-RSSMRA85T10A562S"}
	// Anna's SPID e-mail is the address that signs up below.
	anna := oidctest.User{ID: "u-anna", Username: "anna", Password: "spid anna", GivenName: "Anna", FamilyName: "Bianchi",
		Email: citizen, FiscalNumber: "TINIT-BNCNNA90A41A783F"}
	h := startHub(t, mario, anna)
	f := pagetest.New(t, h.url, "", password)

	// Sign up from the login page, confirm by the e-mailed link, log in.
	if st := f.Open("/login"); st != 200 {
		t.Fatalf("login page: %d", st)
	}
	f.Check("account_login")
	f.Submit(click(`a[href="/signup"]`))
	f.Check("account_signup")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-email"), citizen),
		chromedp.SetValue(chromedp.CSS("#f-name"), "Anna Bianchi"),
		chromedp.SetValue(chromedp.CSS("#f-password"), password),
		click("#f-privacy"),
		click(`form[action="/signup"] button[type=submit]`),
	); st != 200 {
		t.Fatalf("sign up: %d", st)
	}
	wantPath(f, "/signup/sent")
	f.Check("account_sent")
	h.deliver(t)
	if st := f.Open(h.linkIn(t, citizen, "/account/confirm", 1)); st != 200 {
		t.Fatalf("confirmation page: %d", st)
	}
	f.Check("account_confirm")
	f.Submit(click(`[data-testid="confirm"]`))
	wantPath(f, "/login?notice=verified")
	f.Login(citizen)
	wantPath(f, "/wallet")
	f.Open("/account")
	if got := f.Text(`[data-testid="email"]`); got != citizen {
		t.Fatalf("account page shows %q", got)
	}
	f.Check("account_page")

	// A link that does not work says so as soon as it is opened, and
	// offers a new one.
	if st := f.Open("/account/confirm?token=ev_forged"); st != 400 {
		t.Fatalf("forged link: %d", st)
	}
	if !strings.Contains(f.Text(`[data-testid="bad-token"]`), "Chiedine uno nuovo") {
		t.Fatal("no explanation of the bad link")
	}
	f.Check("account_token")

	// Forgotten password → e-mail → new password → log in with it.
	signOut(f)
	f.Open("/login")
	f.Submit(click(`a[href="/password/forgot"]`))
	f.Check("account_forgot")
	f.Submit(chromedp.SetValue(chromedp.CSS("#f-email"), citizen), click(`form[action="/password/forgot"] button[type=submit]`))
	wantPath(f, "/password/forgot/sent")
	h.deliver(t)
	if st := f.Open(h.linkIn(t, citizen, "/password/reset", 2)); st != 200 {
		t.Fatalf("reset page: %d", st)
	}
	f.Check("account_reset")
	f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-new_password"), newPassword),
		chromedp.SetValue(chromedp.CSS("#f-repeat_password"), newPassword),
		click(`form[action="/password/reset"] button[type=submit]`),
	)
	wantPath(f, "/login?notice=password_reset")
	f.Password = newPassword
	f.Login(citizen)
	wantPath(f, "/wallet")

	// SPID/CIE: the button, the provider's login page, back as a new
	// citizen with the fiscal code.
	signOut(f)
	f.Open("/login")
	f.Submit(click(`[data-testid="spid"]`))
	var origin string
	f.Eval(`location.origin`, &origin)
	if origin != h.op.Issuer || f.Attr(`form`, "action") != "/login/username" {
		t.Fatalf("the SPID/CIE button led to %s, not the provider's login page", origin)
	}
	f.Submit(
		chromedp.SetValue(chromedp.CSS("#username"), mario.Username),
		chromedp.SetValue(chromedp.CSS("#password"), mario.Password),
		click(`button[type=submit]`),
	)
	wantPath(f, "/wallet")
	f.Open("/account")
	if got := f.Text(`[data-testid="fiscal-code"]`); got != "RSSMRA85T10A562S" {
		t.Fatalf("fiscal code on the account page: %q", got)
	}
	if got := f.Text(`[data-testid="name"]`); got != "Mario Rossi" {
		t.Fatalf("name on the account page: %q", got)
	}
	if !strings.Contains(f.Text(`[data-testid="no-password"]`), "SPID/CIE") {
		t.Fatal("the account page of a SPID/CIE account does not say it has no password")
	}
	f.Check("account_page_spid")

	// Without a password, the account changes its address by signing in
	// with SPID/CIE again: the form, then a link to the provider (a
	// form's redirect there would break the pages' form-action 'self'),
	// back to the account page, and the link e-mailed to the new address.
	moved := mailtest.Recipient(t)
	f.Submit(chromedp.SetValue(chromedp.CSS("#f-new_email"), moved), click(`form[data-testid="email-spid"] button[type=submit]`))
	if !strings.Contains(f.Text(`[data-testid="email-spid-next"]`), moved) {
		t.Fatal("the account page does not say where the link will go")
	}
	f.Check("account_email_spid")
	f.Submit(click(`[data-testid="email-spid-continue"]`))
	f.Eval(`location.origin`, &origin)
	if origin != h.op.Issuer {
		t.Fatalf("the SPID/CIE link of the change of address led to %s, not the provider", origin)
	}
	f.Submit(
		chromedp.SetValue(chromedp.CSS("#username"), mario.Username),
		chromedp.SetValue(chromedp.CSS("#password"), mario.Password),
		click(`button[type=submit]`),
	)
	wantPath(f, "/account?done=email_sent")
	if !strings.Contains(f.Text(`[data-testid="done"]`), "link") {
		t.Fatalf("after the SPID/CIE login the page says %q", f.Text(`[data-testid="done"]`))
	}
	h.deliver(t)
	f.Open(h.linkIn(t, moved, "/account/confirm", 1))
	f.Submit(click(`[data-testid="confirm"]`))
	f.Open("/account")
	if got := f.Text(`[data-testid="email"]`); got != moved {
		t.Fatalf("the account's address after the change: %q, want %s", got, moved)
	}

	// SPID/CIE whose e-mail names the signed-up account: linked after its
	// password.
	signOut(f)
	f.Open("/login")
	f.Submit(click(`[data-testid="spid"]`))
	f.Submit(
		chromedp.SetValue(chromedp.CSS("#username"), anna.Username),
		chromedp.SetValue(chromedp.CSS("#password"), anna.Password),
		click(`button[type=submit]`),
	)
	wantPath(f, "/login/oidc/link")
	f.Check("account_oidc_link")
	f.Submit(chromedp.SetValue(chromedp.CSS("#f-password"), newPassword), click(`form[action="/login/oidc/link"] button[type=submit]`))
	wantPath(f, "/account?done=linked")
	if got := f.Text(`[data-testid="fiscal-code"]`); got != "BNCNNA90A41A783F" {
		t.Fatalf("fiscal code after linking: %q", got)
	}

	// A callback that belongs to no login is a clear page.
	signOut(f)
	if st := f.Open("/login/oidc/callback?state=forged&code=forged"); st != 400 {
		t.Fatalf("forged callback: %d", st)
	}
	f.Check("account_oidc_error")
}
