// Package theatreflow drives the theatre journey end to end in a real
// headless Chromium on a real hub (SQLite, identity, wallet, ticketing): a
// citizen picks a seat on the seat picker and pays with credit, sees the
// ticket's QR code in the wallet; door staff type its code on the scanner
// page and check it in, and a second scan says when the first was. Every
// page passes axe-core (WCAG 2.1 A/AA, no serious or critical violation).
package theatreflow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web"
)

const password = "una password lunga 2026"

const phoneWidth, phoneHeight = 390, 844

type flow struct {
	t   *testing.T
	ctx context.Context
	url string
	axe string
}

func (f *flow) run(steps ...chromedp.Action[chromedp.Void]) {
	f.t.Helper()
	if err := chromedp.Do(f.ctx, steps...); err != nil {
		f.t.Fatalf("browser: %v", err)
	}
}

func (f *flow) open(path string) int64 {
	f.t.Helper()
	res, err := chromedp.RunResponse(f.ctx, chromedp.Navigate(f.url+path))
	if err != nil {
		f.t.Fatalf("open %s: %v", path, err)
	}
	return res.Status
}

func (f *flow) submit(steps ...chromedp.Action[chromedp.Void]) int64 {
	f.t.Helper()
	res, err := chromedp.RunResponse(f.ctx, steps...)
	if err != nil {
		f.t.Fatalf("submit: %v", err)
	}
	return res.Status
}

func (f *flow) eval(js string, out any) {
	f.t.Helper()
	raw, err := chromedp.Run(f.ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		f.t.Fatalf("eval %s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			f.t.Fatalf("eval %s: decode %s: %v", js, raw, err)
		}
	}
}

func (f *flow) text(sel string) string {
	f.t.Helper()
	var out *string
	f.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel), &out)
	if out == nil {
		f.t.Fatalf("no element %s", sel)
	}
	return strings.TrimSpace(*out)
}

func (f *flow) login(email string) {
	f.t.Helper()
	if _, err := chromedp.Call(f.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		f.t.Fatalf("clear cookies: %v", err)
	}
	if st := f.open("/login"); st != 200 {
		f.t.Fatalf("login page: %d", st)
	}
	if st := f.submit(
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	); st != 200 {
		f.t.Fatalf("log in %s: %d", email, st)
	}
}

// check runs axe-core (WCAG 2.1 A/AA and best practices; any serious or
// critical violation fails) and saves a phone-size screenshot.
func (f *flow) check(name string) {
	f.t.Helper()
	var loaded bool
	f.eval(`typeof window.axe === "object"`, &loaded)
	if !loaded {
		if _, err := chromedp.Run(f.ctx, chromedp.Evaluate[chromedp.Void](f.axe)); err != nil {
			f.t.Fatalf("%s: inject axe-core: %v", name, err)
		}
	}
	var res struct {
		Violations []struct {
			ID     string `json:"id"`
			Impact string `json:"impact"`
			Help   string `json:"help"`
			Nodes  []struct {
				Target  []any  `json:"target"`
				Summary string `json:"failureSummary"`
			} `json:"nodes"`
		} `json:"violations"`
		Passes int `json:"passes"`
	}
	f.eval(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
		.then(r => ({violations: r.violations, passes: r.passes.length}))`, &res)
	if res.Passes == 0 {
		f.t.Errorf("%s: axe-core passed no rule at all; did it run?", name)
	}
	for _, v := range res.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			f.t.Logf("%s: axe %s (%s): %s", name, v.ID, v.Impact, v.Help)
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+": "+n.Summary)
		}
		f.t.Errorf("%s: axe %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
	png, err := chromedp.Run(f.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		f.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("CITYHUB_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "testdata", "out")
	}
	dir = filepath.Join(dir, "pages")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.t.Fatalf("create artifacts dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		f.t.Fatalf("write screenshot: %v", err)
	}
}

func newFlow(t *testing.T, url string) *flow {
	t.Helper()
	exe := os.Getenv("CITYHUB_TEST_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("chromium not found at %s (install it, or set CITYHUB_TEST_CHROMIUM): %v", exe, err)
	}
	axe, err := os.ReadFile(filepath.Join("..", "testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "it-IT"),
		chromedp.WindowSize(phoneWidth, phoneHeight))
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	f := &flow{t: t, ctx: ctx, url: url, axe: string(axe)}
	f.run(chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait))
	return f
}

func TestPickSeatPayShowCheckIn(t *testing.T) {
	ctx := context.Background()
	log := storetest.Logger(t)
	db := storetest.Open(t, "sqlite")
	keys, err := keyring.Load(ctx, db.Keyring(), "")
	if err != nil {
		t.Fatal(err)
	}
	ids := identity.NewService(db.Identity(), keys, identity.Options{Issuer: "http://cityhub.test", Argon2: identity.FastArgon2}, log)
	wal := wallet.NewService(db.Wallet(), log)
	if err := wal.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	tix := ticketing.NewService(db.Ticketing(), keys, log)
	wal.RegisterItems("ticket", tix)

	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := tix.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale Vittorio Emanuele", Address: "Corso Garibaldi, Benevento"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tix.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{
		{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 8, Category: "platea"}, {Name: "B", From: 1, To: 8, Category: "platea"}}},
		{Name: "Galleria", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 6, Category: "galleria"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	p, err := tix.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Natale in casa Cupiello",
		StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"platea": 2500, "galleria": 1200}})
	if err != nil {
		t.Fatal(err)
	}
	anna, err := ids.Register(ctx, identity.NewAccount{Email: "anna@example.org", Password: password, Name: "Anna Esposito", Locale: "it"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wal.TestTopUp(ctx, anna.ID, 5000, "anna-topup-1"); err != nil {
		t.Fatal(err)
	}
	// Someone else bought B/4.
	bruno := identity.Caller{AccountID: "acc_bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	if _, err := wal.TestTopUp(ctx, bruno.AccountID, 5000, "bruno-topup-1"); err != nil {
		t.Fatal(err)
	}
	if o, err := tix.Hold(ctx, bruno, p.ID, []string{"Platea/B/4"}); err != nil {
		t.Fatal(err)
	} else if _, err := tix.PayWithWallet(ctx, bruno, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.CreateAccount(ctx, admin, identity.NewAccount{Email: "sala@teatro.example", Password: password, Name: "Sala", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleDoor, Scope: v.ID}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.CreateAccount(ctx, admin, identity.NewAccount{Email: "comune@example.org", Password: password, Name: "Comune", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleAdmin}}}); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.New(web.Deps{
		Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys,
		PageAccounts: ids, PageWallet: wal, Wallet: wal, Ticketing: tix,
		QR:          map[string]web.QRSource{"ticket": tix},
		ScanTargets: map[identity.Role]web.ScanTarget{identity.RoleDoor: {Endpoint: web.TicketScanEndpoint}},
	}))
	defer srv.Close()
	f := newFlow(t, srv.URL)

	// The citizen picks a seat and pays with credit.
	f.login("anna@example.org")
	if st := f.open("/theatre"); st != 200 {
		t.Fatalf("theatre page: %d", st)
	}
	f.check("theatre")
	if st := f.submit(chromedp.Click(chromedp.CSS(`[data-performance="` + p.ID + `"] a.btn`))); st != 200 {
		t.Fatalf("seat picker: %d", st)
	}
	f.check("theatre_seats")
	var taken bool
	f.eval(`document.querySelector('input[value="Platea/B/4"]').disabled`, &taken)
	if !taken {
		t.Fatal("a sold seat can be chosen")
	}
	f.run(chromedp.Click(chromedp.CSS(`label.seat:has(input[value="Platea/A/5"])`)))
	var checked bool
	f.eval(`document.querySelector('input[value="Platea/A/5"]').checked`, &checked)
	if !checked {
		t.Fatal("clicking the seat did not choose it")
	}
	if st := f.submit(chromedp.Click(chromedp.CSS(`form.seat-picker button[type=submit]`))); st != 200 {
		t.Fatalf("buy: %d", st)
	}
	var path string
	f.eval(`location.pathname`, &path)
	if path != "/wallet" {
		t.Fatalf("after buying the browser is at %s", path)
	}
	f.run(chromedp.WaitVisible(chromedp.CSS(`.item-ticket figure.qr img.qr-image`)))
	code := f.text(`.item-ticket [data-testid="typed-code"]`)
	if len(strings.ReplaceAll(code, "-", "")) != 17 {
		t.Fatalf("typed code %q", code)
	}
	f.check("theatre_wallet")

	// The door types the code: the first check-in wins, the second says when.
	f.login("sala@teatro.example")
	if st := f.open("/staff/scan"); st != 200 {
		t.Fatalf("scanner page: %d", st)
	}
	scan := func(want string) string {
		f.run(
			chromedp.SetValue(chromedp.CSS("#scan-code"), code),
			chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(".scan-result").classList.contains(%q)`, want), chromedp.WithPollingTimeout(15*time.Second)),
		)
		return f.text(".scan-result")
	}
	if got := scan("is-ok"); !strings.Contains(got, "Benvenuti") || !strings.Contains(got, "fila A, posto 5") {
		t.Fatalf("first scan: %q", got)
	}
	if got := scan("is-error"); !strings.Contains(got, "Già entrato alle") {
		t.Fatalf("second scan: %q", got)
	}
	f.check("theatre_door")

	// The administrator sees the sale.
	f.login("comune@example.org")
	if st := f.open("/admin/theatre"); st != 200 {
		t.Fatalf("admin theatre page: %d", st)
	}
	if got := f.text(`[data-performance="` + p.ID + `"]`); !strings.Contains(got, "2 / 22") {
		t.Fatalf("admin row: %q", got)
	}
	f.check("theatre_admin")
}
