// Package browsertest drives the hub's pages in a real headless Chromium:
// sign-in, the wallet in Italian and English with its rotating QR codes,
// sign-out, role and ownership checks, CSRF refusal, the staff scanner with
// a camera, an axe-core accessibility check on every page and every state
// worth a picture, on a phone and on a desktop, with their screenshots when
// CITYHUB_TEST_SCREENSHOTS asks for them. It lives apart from package web
// so that web's unit tests stay fast.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityhub/web/browsertest/pagetest"
)

//go:embed testdata/axe/axe.min.js
var axeSource string

// browser is one Chromium with a fresh profile, emulating a phone.
type browser struct {
	t   *testing.T
	ctx context.Context
	hub *hub
}

// newBrowser starts Chromium as an Italian phone (pagetest.Launch). Its
// fake camera shows cameraFile (an MJPEG) when given.
func newBrowser(t *testing.T, h *hub, cameraFile string) *browser {
	t.Helper()
	return &browser{t: t, ctx: pagetest.Launch(t, cameraFile), hub: h}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open navigates to path and returns the document's HTTP status.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(b.hub.URL+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return res.Status
}

// submit runs steps that submit a form and waits for the next page.
func (b *browser) submit(steps ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, steps...)
	if err != nil {
		b.t.Fatalf("submit: %v", err)
	}
	return res.Status
}

// text is the rendered text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	var out *string
	b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel), &out)
	if out == nil {
		b.t.Fatalf("no element %s on %s", sel, b.path())
	}
	return strings.TrimSpace(*out)
}

func (b *browser) eval(js string, out any) {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("eval %s: decode %s: %v", js, raw, err)
		}
	}
}

func (b *browser) path() string {
	var loc string
	b.eval(`location.pathname + location.search`, &loc)
	return loc
}

func (b *browser) body() string {
	return b.text("body")
}

// check runs axe-core on the current page and fails on any serious or
// critical violation of WCAG 2.1 A/AA, fails a page wider than the screen
// on the phone and on a desktop, and keeps screenshots of both when asked
// (pagetest.CheckPage).
func (b *browser) check(name string) {
	b.t.Helper()
	pagetest.CheckPage(b.t, b.ctx, axeSource, name)
}

func (b *browser) login(email, password string) int64 {
	b.t.Helper()
	if st := b.open("/login"); st != 200 {
		b.t.Fatalf("login page: %d", st)
	}
	return b.submit(
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
}

func (b *browser) logout() {
	b.t.Helper()
	if st := b.submit(chromedp.Click(chromedp.CSS(`form.logout button`))); st != 200 {
		b.t.Fatalf("logout: %d", st)
	}
}

var typedCode = regexp.MustCompile(`^[A-Z0-9-]{6,}$`)

func TestCitizenWallet(t *testing.T) {
	h := startHub(t)
	b := newBrowser(t, h, "")

	if st := b.open("/"); st != 200 {
		t.Fatalf("home: %d", st)
	}
	if body := b.body(); !strings.Contains(body, "Comune di Benevento") || !strings.Contains(body, "I servizi della città") {
		t.Fatalf("home is not the Italian front page:\n%s", body)
	}
	b.check("home-it")

	b.open("/login")
	b.check("login-it")
	if st := b.submit(
		chromedp.SetValue(chromedp.CSS("#email"), h.Anna.Email),
		chromedp.SetValue(chromedp.CSS("#password"), "not the password"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	); st != 401 {
		t.Errorf("wrong password: status %d, want 401", st)
	}
	if msg := b.text("#login-error"); !strings.Contains(msg, "non corretti") {
		t.Errorf("wrong password message = %q", msg)
	}
	b.check("login-error-it")

	if st := b.login(h.Anna.Email, h.Anna.Password); st != 200 {
		t.Fatalf("login: %d", st)
	}
	if p := b.path(); p != "/wallet" {
		t.Fatalf("after login at %s, want /wallet", p)
	}
	if got := b.text("h1"); got != "Il tuo portafoglio" {
		t.Errorf("wallet heading = %q", got)
	}
	if got := b.text(`[data-testid=balance]`); got != "1.234,50\u00a0€" {
		t.Errorf("balance in Italian = %q, want 1.234,50 €", got)
	}
	if body := b.body(); !strings.Contains(body, "Ricarica") || !strings.Contains(body, h.AnnaItemTitle) || !strings.Contains(body, "Movimenti") {
		t.Errorf("wallet lacks its Italian history or cards:\n%s", body)
	}

	// The QR image is a real, decodable-size PNG, and the typed code is under it.
	var qr struct {
		Width    int    `json:"w"`
		Complete bool   `json:"complete"`
		Src      string `json:"src"`
		Alt      string `json:"alt"`
	}
	b.eval(`(() => { const i = document.querySelector(".qr-image"); return {w: i.naturalWidth, complete: i.complete, src: i.src.slice(0, 22), alt: i.alt}; })()`, &qr)
	if !qr.Complete || qr.Width < 300 || qr.Src != "data:image/png;base64," || qr.Alt == "" {
		t.Errorf("QR image = %+v", qr)
	}
	first := b.text(`[data-testid=typed-code]`)
	if !typedCode.MatchString(first) {
		t.Errorf("typed code = %q", first)
	}
	b.check("wallet-it")

	// The page's timer renews the code before the token expires.
	b.do(chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector("[data-testid=typed-code]").textContent !== %q`, first),
		chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(250*time.Millisecond)))
	first = b.text(`[data-testid=typed-code]`)

	// The script renews the code: the image becomes a fresh PNG from the hub
	// and the typed code changes with it.
	var refreshed struct {
		Src  string `json:"src"`
		W    int    `json:"w"`
		Code string `json:"code"`
	}
	b.eval(`window.cityhubRefreshQR().then(() => new Promise(r => { const i = document.querySelector(".qr-image"); if (i.complete) r(); else i.onload = r; }))
		.then(() => { const i = document.querySelector(".qr-image"); return {src: i.src.slice(0, 5), w: i.naturalWidth, code: document.querySelector("[data-testid=typed-code]").textContent}; })`, &refreshed)
	if refreshed.Src != "blob:" || refreshed.W < 300 || refreshed.Code == first || !typedCode.MatchString(refreshed.Code) {
		t.Errorf("after refresh: %+v (first code %s)", refreshed, first)
	}

	// Switch to English.
	if st := b.submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`))); st != 200 {
		t.Fatalf("language switch: %d", st)
	}
	if p := b.path(); p != "/wallet" {
		t.Errorf("language switch returned to %s", p)
	}
	if got := b.text("h1"); got != "Your wallet" {
		t.Errorf("English wallet heading = %q", got)
	}
	if got := b.text(`[data-testid=balance]`); got != "€1,234.50" {
		t.Errorf("balance in English = %q, want €1,234.50", got)
	}
	var lang string
	b.eval(`document.documentElement.lang`, &lang)
	if lang != "en" {
		t.Errorf("html lang = %q", lang)
	}
	if !typedCode.MatchString(b.text(`[data-testid=typed-code]`)) {
		t.Error("no typed code on the English wallet")
	}
	b.check("wallet-en")

	b.open("/privacy")
	b.check("privacy-en")
	b.submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`)))
	b.check("privacy-it")

	// The download holds the account and the wallet.
	var export struct {
		Status int `json:"status"`
		Body   struct {
			Account json.RawMessage `json:"account"`
			Wallet  struct {
				Balance int64             `json:"balance_cents"`
				History []json.RawMessage `json:"history"`
				Items   []json.RawMessage `json:"items"`
			} `json:"wallet"`
		} `json:"body"`
	}
	b.eval(`fetch("/privacy/my-data.json").then(r => r.json().then(body => ({status: r.status, body})))`, &export)
	if export.Status != 200 || !strings.Contains(string(export.Body.Account), h.Anna.Email) || export.Body.Wallet.Balance != 123450 ||
		len(export.Body.Wallet.History) == 0 || len(export.Body.Wallet.Items) == 0 {
		t.Errorf("my data export = %d %s %+v", export.Status, export.Body.Account, export.Body.Wallet)
	}

	// When the session ends under an open wallet (another tab signed out),
	// the card says its code is stale instead of showing a broken image.
	b.open("/wallet")
	b.eval(`fetch("/logout", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
		body: "csrf_token=" + encodeURIComponent(document.querySelector('form.logout [name=csrf_token]').value)}).then(() => true)`, nil)
	var stale bool
	b.eval(`window.cityhubRefreshQR().then(() => !document.querySelector(".qr-stale").hidden && document.querySelector("figure.qr").classList.contains("is-stale"))`, &stale)
	if !stale {
		t.Error("a card whose refresh failed does not say its code is stale")
	}
	b.check("wallet-stale-it")
	b.login(h.Anna.Email, h.Anna.Password)

	b.logout()
	if p := b.path(); p != "/" {
		t.Errorf("after logout at %s", p)
	}
	if body := b.body(); strings.Contains(body, "Esci") || !strings.Contains(body, "Accedi") {
		t.Errorf("still looks signed in after logout:\n%s", body)
	}
	if st := b.open("/wallet"); st != 200 || !strings.HasPrefix(b.path(), "/login") {
		t.Errorf("wallet after logout: %d at %s, want the login page", st, b.path())
	}
}

func TestCitizenCannotOpenOthersPages(t *testing.T) {
	h := startHub(t)
	b := newBrowser(t, h, "")
	if st := b.login(h.Bruno.Email, h.Bruno.Password); st != 200 {
		t.Fatalf("login: %d", st)
	}
	// Anna's voucher QR, by its exact URL: not found, exactly like a voucher
	// that does not exist, and no image.
	var res struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
	}
	b.eval(fmt.Sprintf(`fetch(%q).then(r => ({status: r.status, type: r.headers.get("Content-Type")}))`, h.AnnaQRPath), &res)
	if res.Status != 404 || strings.HasPrefix(res.Type, "image/") {
		t.Errorf("Bruno fetching Anna's QR: %+v", res)
	}
	if st := b.open(h.AnnaQRPath); st != 404 {
		t.Errorf("Bruno opening Anna's QR: %d", st)
	}
	// Bruno's own wallet shows only Bruno's things.
	b.open("/wallet")
	if body := b.body(); strings.Contains(body, h.AnnaItemTitle) || strings.Contains(body, "1.234,50") {
		t.Errorf("Bruno's wallet shows Anna's data:\n%s", body)
	}
	for _, p := range []string{"/staff/scan", "/admin", "/operator"} {
		if st := b.open(p); st != 403 {
			t.Errorf("citizen opening %s: %d, want 403", p, st)
		}
	}
	b.check("forbidden-it")
	if st := b.open("/no-such-page"); st != 404 {
		t.Errorf("unknown page: %d", st)
	}
	b.check("not-found-it")
}

func TestFormPostWithoutCSRFIsRefused(t *testing.T) {
	h := startHub(t)
	b := newBrowser(t, h, "")
	if st := b.login(h.Anna.Email, h.Anna.Password); st != 200 {
		t.Fatalf("login: %d", st)
	}
	b.open("/privacy")
	b.eval(fmt.Sprintf(`(() => { const f = document.querySelector('form[action="/privacy/delete"]');
		f.querySelector("[name=csrf_token]").remove(); f.querySelector("#confirm_email").value = %q;
		f.querySelector("#credit-city").checked = true; return true; })()`, h.Anna.Email), nil)
	if st := b.submit(chromedp.Click(chromedp.CSS(`form[action="/privacy/delete"] button[type=submit]`))); st != 403 {
		t.Errorf("delete without CSRF token: %d, want 403", st)
	}
	if body := b.body(); !strings.Contains(body, "Il modulo è scaduto") {
		t.Errorf("the refusal does not say why:\n%s", body)
	}
	b.check("csrf-refused-it")

	// A forged token fares no better, and the account is still there.
	b.open("/privacy")
	b.eval(fmt.Sprintf(`(() => { const f = document.querySelector('form[action="/privacy/delete"]');
		f.querySelector("[name=csrf_token]").value = "forged"; f.querySelector("#confirm_email").value = %q;
		f.querySelector("#credit-city").checked = true; return true; })()`, h.Anna.Email), nil)
	if st := b.submit(chromedp.Click(chromedp.CSS(`form[action="/privacy/delete"] button[type=submit]`))); st != 403 {
		t.Errorf("delete with a forged CSRF token: %d, want 403", st)
	}
	if st := b.open("/wallet"); st != 200 || b.path() != "/wallet" {
		t.Fatalf("Anna's wallet after refused posts: %d at %s", st, b.path())
	}
	h.assertAccountExists(t, h.Anna.AccountID)

	// The genuine form deletes the account and ends the session. Anna
	// has credit from no card, so she is asked to leave it to the city.
	b.open("/privacy")
	if got := b.text(`[data-testid="erasure-credit"] legend`); !strings.Contains(got, "1.234,50") {
		t.Errorf("the privacy page shows the credit as %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS("#credit-city")))
	b.do(chromedp.SetValue(chromedp.CSS("#confirm_email"), h.Anna.Email))
	if st := b.submit(chromedp.Click(chromedp.CSS(`form[action="/privacy/delete"] button[type=submit]`))); st != 200 {
		t.Fatalf("genuine delete: %d", st)
	}
	if got := b.text("h1"); got != "Il tuo account è stato cancellato" {
		t.Errorf("after delete: %q", got)
	}
	b.check("goodbye-it")
	if st := b.login(h.Anna.Email, h.Anna.Password); st != 401 {
		t.Errorf("login after deletion: %d, want 401", st)
	}
}
