// Package voucherflow drives the voucher journey end to end in a real
// headless Chromium on a real hub (SQLite, identity, wallet, vouchers): a
// citizen claims a voucher on the vouchers page and sees its QR code in the
// wallet; a shopkeeper's scanner page redeems it by its typed code; the
// citizen's wallet then shows it used. The wallet confirms the claim, and
// the pages along the way pass pagetest's checks (axe-core, no page wider
// than the screen, on the phone and on a desktop).
package voucherflow

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
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

const password = "una password lunga 2026"

type flow struct {
	t   *testing.T
	ctx context.Context
	url string
	axe string
}

// check runs pagetest's checks on the page in view: axe-core, its width,
// on the phone and on a desktop, with screenshots when asked for.
func (f *flow) check(name string) {
	f.t.Helper()
	pagetest.CheckPage(f.t, f.ctx, f.axe, name)
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

func (f *flow) text(sel string) string {
	f.t.Helper()
	raw, err := chromedp.Run(f.ctx, chromedp.Evaluate[[]byte](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel)))
	if err != nil {
		f.t.Fatalf("read %s: %v", sel, err)
	}
	var out *string
	if err := json.Unmarshal(raw, &out); err != nil || out == nil {
		f.t.Fatalf("no element %s (%s)", sel, raw)
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

func TestClaimShowRedeemByTypedCodeSeeUsed(t *testing.T) {
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
	vs := vouchers.NewService(db.Vouchers(), keys, log)
	wal.RegisterItems("voucher", vs)

	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	shop, err := vs.CreateShop(ctx, admin, vouchers.Shop{Name: "Libreria Masone", Address: "Corso Garibaldi 1, Benevento", District: "centro", Category: "books", IBAN: "IT60X0542811101000000123456"})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := vs.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Natale in contrada", BudgetCents: 100000, FaceValueCents: 1000, MinSpendCents: 1500,
		PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vs.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.Register(ctx, identity.NewAccount{Email: "anna@example.org", Password: password, Name: "Anna Esposito", Locale: "it"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.CreateAccount(ctx, admin, identity.NewAccount{Email: "cassa@libreria.example", Password: password, Name: "Cassa", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}}); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.New(web.Deps{
		Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal, Vouchers: vs,
		TimeZone:    vs.Zone(),
		QR:          map[string]ui.QRSource{"voucher": vs},
		ScanTargets: map[identity.Role]ui.ScanTarget{identity.RoleMerchant: {Endpoint: ui.VoucherScanEndpoint, AskAmount: true}},
	}))
	t.Cleanup(srv.Close)

	axe, err := os.ReadFile(filepath.Join("..", "testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	f := &flow{t: t, ctx: pagetest.Launch(t, ""), url: srv.URL, axe: string(axe)}

	// The citizen claims a voucher and sees its QR code in the wallet.
	f.login("anna@example.org")
	if st := f.open("/vouchers"); st != 200 {
		t.Fatalf("vouchers page: %d", st)
	}
	if got := f.text(`[data-campaign="` + camp.ID + `"] .item-title`); got != "Natale in contrada" {
		t.Fatalf("campaign card: %q", got)
	}
	if st := f.submit(chromedp.Click(chromedp.CSS(`[data-campaign="` + camp.ID + `"] button[type=submit]`))); st != 200 {
		t.Fatalf("claim: %d", st)
	}
	var path string
	if raw, err := chromedp.Run(f.ctx, chromedp.Evaluate[[]byte](`location.pathname`)); err != nil || json.Unmarshal(raw, &path) != nil || path != "/wallet" {
		t.Fatalf("after the claim the browser is at %q (%v), want /wallet", path, err)
	}
	// The wallet confirms the claim above the voucher.
	if got := f.text(`[data-testid="done"]`); !strings.HasPrefix(got, "Buono ottenuto") {
		t.Fatalf("the wallet after the claim says %q", got)
	}
	f.run(chromedp.WaitVisible(chromedp.CSS(`.item-voucher figure.qr img.qr-image`)))
	f.check("voucherflow-claimed")
	var loaded bool
	raw, err := chromedp.Run(f.ctx, chromedp.Evaluate[[]byte](`(() => { const i = document.querySelector(".item-voucher figure.qr img.qr-image"); return !!i && i.complete && i.naturalWidth > 0; })()`))
	if err != nil || json.Unmarshal(raw, &loaded) != nil || !loaded {
		t.Fatalf("the voucher's QR image did not load (%s, %v)", raw, err)
	}
	code := f.text(`.item-voucher [data-testid="typed-code"]`)
	if len(strings.ReplaceAll(code, "-", "")) != 17 {
		t.Fatalf("typed code %q", code)
	}

	// The shopkeeper types the code on the scanner page and redeems it.
	f.login("cassa@libreria.example")
	if st := f.open("/staff/scan"); st != 200 {
		t.Fatalf("scanner page: %d", st)
	}
	f.run(
		chromedp.SetValue(chromedp.CSS("#scan-code"), code),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "23,50"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-preview")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	// "Verifica" shows what the voucher gives; "Riscatta" redeems it.
	if got := f.text(".scan-result"); !strings.Contains(got, "Natale in contrada") || !strings.Contains(got, "13,50") {
		t.Fatalf("preview: %q", got)
	}
	f.check("voucherflow-preview")
	f.run(
		chromedp.Click(chromedp.CSS(`[data-testid="scan-redeem"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-ok")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	if got := f.text(".scan-result"); !strings.Contains(got, "Buono riscattato") || !strings.Contains(got, "13,50") {
		t.Fatalf("scan result: %q", got)
	}

	// The citizen's wallet shows it used, and the vouchers page says where.
	f.login("anna@example.org")
	if st := f.open("/wallet"); st != 200 {
		t.Fatalf("wallet: %d", st)
	}
	if got := f.text(`.item-voucher .status`); got != "Usato" {
		t.Fatalf("wallet status %q, want Usato", got)
	}
	f.open("/vouchers")
	if got := f.text(`[data-voucher] .uses`); !strings.Contains(got, "Libreria Masone") || !strings.Contains(got, "10,00") {
		t.Fatalf("where it was used: %q", got)
	}
	f.check("voucherflow-used")
}
