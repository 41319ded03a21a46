package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/vouchers"
)

func TestStaffPages(t *testing.T) {
	h := startHub(t)
	b := newBrowser(t, h, h.CameraFile)
	if st := b.login(h.Shop.Email, h.Shop.Password); st != 200 {
		t.Fatalf("shop login: %d", st)
	}
	if p := b.path(); p != "/staff/scan" {
		t.Fatalf("shop lands on %s", p)
	}
	b.check("scanner-it")

	// A typed code (with the purchase amount) goes to the endpoint and the
	// answer is announced.
	b.do(
		chromedp.SetValue(chromedp.CSS("#scan-code"), "ABCD-EFGH-JK"),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "12,50"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-ok")`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if got := b.text(".scan-result"); !strings.Contains(got, "ABCD-EFGH-JK") || !strings.Contains(got, "1250") {
		t.Errorf("typed code result = %q", got)
	}
	var live string
	b.eval(`document.querySelector(".scan-result").getAttribute("aria-live")`, &live)
	if live != "assertive" {
		t.Errorf("result region aria-live = %q", live)
	}
	b.check("scanner-typed-ok-it")

	// A success empties the fields for the next customer.
	var left string
	b.eval(`document.querySelector("#scan-code").value + document.querySelector("#scan-amount").value`, &left)
	if left != "" {
		t.Errorf("fields after a success = %q, want empty", left)
	}
	// An amount written the English way, thousands and all, reads as the
	// form without the script reads it.
	b.do(
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".scan-result").className = "scan-result"`),
		chromedp.SetValue(chromedp.CSS("#scan-code"), "ABCD-EFGH-JK"),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "1,234.56"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-ok")`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if got := b.text(".scan-result"); !strings.Contains(got, "123456") {
		t.Errorf("an English amount's result = %q", got)
	}
	for typed, cents := range map[string]string{"1.000.000,00": "100000000", "1,000,000": "100000000"} {
		b.do(
			chromedp.Evaluate[chromedp.Void](`document.querySelector(".scan-result").className = "scan-result"`),
			chromedp.SetValue(chromedp.CSS("#scan-code"), "ABCD-EFGH-JK"),
			chromedp.SetValue(chromedp.CSS("#scan-amount"), typed),
			chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
			chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-ok")`, chromedp.WithPollingTimeout(10*time.Second)),
		)
		if got := b.text(".scan-result"); !strings.Contains(got, cents) {
			t.Errorf("the amount %s's result = %q, want %s cents", typed, got, cents)
		}
	}

	// An amount the server would refuse is refused on the page, before
	// anything is sent, in the words the form without the script uses: a
	// space inside the number is no thousands separator.
	b.do(
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".scan-result").className = "scan-result"`),
		chromedp.SetValue(chromedp.CSS("#scan-code"), "ABCD-EFGH-JK"),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "12 50"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-error")`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if got := b.text(".scan-result"); !strings.Contains(got, "Importo non valido") || !strings.Contains(got, "Scrivi l'importo in euro, per esempio 12,50.") {
		t.Errorf("the amount 12 50's result = %q", got)
	}
	// An amount too large to hold is out of the purchase's range: the
	// words the hub gives an amount over the most, whatever its size.
	b.do(
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".scan-result").className = "scan-result"`),
		chromedp.SetValue(chromedp.CSS("#scan-code"), "ABCD-EFGH-JK"),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "1234567890123456789012345"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-error")`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if got := b.text(".scan-result"); !strings.Contains(got, "Importo non valido") || !strings.Contains(got, "al massimo 1.000.000") {
		t.Errorf("a 25-digit amount's result = %q", got)
	}

	// The camera (Chromium's fake device, showing a QR code) reads the code.
	b.do(
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "12,50"),
		chromedp.Click(chromedp.CSS(`.scan-start`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").textContent.includes(`+fmt.Sprintf("%q", h.CameraCode)+`)`, chromedp.WithPollingTimeout(30*time.Second)),
	)
	b.check("scanner-camera-ok-it")
	b.do(chromedp.Click(chromedp.CSS(`.scan-stop`)))

	// A refused code is shown as an error.
	b.do(
		chromedp.SetValue(chromedp.CSS("#scan-code"), "USED-CODE"),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "8"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-error")`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if got := b.text(".scan-result"); !strings.Contains(got, "Codice non valido") || !strings.Contains(got, "già usato") {
		t.Errorf("refused code result = %q", got)
	}
	b.check("scanner-refused-it")
	b.logout()

	if st := b.login(h.Admin.Email, h.Admin.Password); st != 200 || b.path() != "/admin" {
		t.Fatalf("admin login: %d at %s", st, b.path())
	}
	b.check("dashboard-admin-it")
	if st := b.open("/wallet"); st != 403 {
		t.Errorf("admin opening a wallet: %d", st)
	}
	b.logout()

	if st := b.login(h.Operator.Email, h.Operator.Password); st != 200 || b.path() != "/operator" {
		t.Fatalf("operator login: %d at %s", st, b.path())
	}
	b.check("dashboard-operator-it")
	b.open("/")
	b.check("home-operator-it")
}

// TestVoucherQRIsReadable reads the wallet's QR image back in the browser
// with the scanner's own decoder, and the real vouchers service accepts what
// was read, and the typed code under it, at the shop's till.
func TestVoucherQRIsReadable(t *testing.T) {
	h := startHubWithVouchers(t)
	b := newBrowser(t, h, "")
	if st := b.login(h.Anna.Email, h.Anna.Password); st != 200 {
		t.Fatalf("login: %d", st)
	}
	if body := b.body(); !strings.Contains(body, h.AnnaItemTitle) {
		t.Fatalf("the claimed voucher is not in the wallet:\n%s", body)
	}
	// The same decoder the scanner page uses where the browser has no
	// BarcodeDetector.
	jsQRSource, err := os.ReadFile(filepath.Join("..", "ui", "static", "vendor", "jsQR.js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](string(jsQRSource))); err != nil {
		t.Fatalf("load jsQR: %v", err)
	}
	decode := `new Promise((resolve, reject) => {
		const img = document.querySelector(".qr-image");
		const go = () => {
			const c = document.createElement("canvas");
			c.width = img.naturalWidth; c.height = img.naturalHeight;
			const ctx = c.getContext("2d");
			ctx.drawImage(img, 0, 0);
			const d = ctx.getImageData(0, 0, c.width, c.height);
			const hit = jsQR(d.data, d.width, d.height);
			hit ? resolve({token: hit.data, version: hit.version}) : reject(new Error("no QR code found in the image"));
		};
		img.complete ? go() : (img.onload = go);
	})`
	var read struct {
		Token   string `json:"token"`
		Version int    `json:"version"`
	}
	b.eval(decode, &read)
	if read.Version > 10 {
		t.Errorf("QR version %d, DESIGN.md wants 10 or lower", read.Version)
	}
	staff := identity.Caller{AccountID: h.Shop.AccountID, Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: h.ShopID}}}
	p, err := h.Vouchers.PreviewCode(context.Background(), staff, h.ShopID, read.Token)
	if err != nil || !p.Eligible {
		t.Fatalf("the till refuses the token read from the page: %+v, %v", p, err)
	}
	typed := b.text("[data-testid=typed-code]")
	if p2, err := h.Vouchers.PreviewCode(context.Background(), staff, h.ShopID, typed); err != nil || p2.VoucherID != p.VoucherID {
		t.Errorf("the till refuses the typed code %q: %+v, %v", typed, p2, err)
	}

	// After the refresh the image carries a new token for the same voucher.
	b.eval(`window.cityhubRefreshQR().then(() => true)`, nil)
	var again struct {
		Token string `json:"token"`
	}
	b.eval(decode, &again)
	if again.Token == read.Token {
		t.Log("the refreshed token equals the first (same second); not a failure")
	}
	if p3, err := h.Vouchers.PreviewCode(context.Background(), staff, h.ShopID, again.Token); err != nil || p3.VoucherID != p.VoucherID {
		t.Errorf("the till refuses the refreshed token: %+v, %v", p3, err)
	}
	b.check("wallet-real-voucher-it")
}

// TestShopRedeemsVoucherWithTheCamera: the shop's scanner page reads Anna's
// voucher QR through the camera (Chromium's fake device playing the code her
// wallet shows), redeems it for the amount typed at the till through the
// vouchers' scanner endpoint, and shows the answer in green.
func TestShopRedeemsVoucherWithTheCamera(t *testing.T) {
	h := startHubWithVouchers(t)
	b := newBrowser(t, h, h.CameraFile)
	if st := b.login(h.Shop.Email, h.Shop.Password); st != 200 || b.path() != "/staff/scan" {
		t.Fatalf("shop login: %d at %s", st, b.path())
	}
	b.do(
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "25,00"),
		chromedp.Click(chromedp.CSS(".scan-start")),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-preview") || document.querySelector(".scan-result").classList.contains("is-error")`,
			chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Click(chromedp.CSS(".scan-stop")),
	)
	// The till first shows what the voucher gives on this amount; only
	// "Riscatta" redeems it.
	if got := b.text(".scan-result"); !strings.Contains(got, "10,00") || !strings.Contains(got, "15,00") || !strings.Contains(got, "Riscatta") {
		t.Fatalf("camera preview = %q", got)
	}
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid="scan-redeem"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-ok") || document.querySelector(".scan-result").classList.contains("is-error")`,
			chromedp.WithPollingTimeout(15*time.Second)),
	)
	got := b.text(".scan-result")
	var ok bool
	b.eval(`document.querySelector(".scan-result").classList.contains("is-ok")`, &ok)
	if !ok || !strings.Contains(got, "10,00") {
		t.Fatalf("camera redemption answer = %q (ok %v)", got, ok)
	}
	b.check("scanner-redeemed-it")
	anna := identity.Caller{AccountID: h.Anna.AccountID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	v, err := h.Vouchers.MyVoucher(context.Background(), anna, h.AnnaVoucherID)
	if err != nil || v.Status != "used" {
		t.Errorf("Anna's voucher after the scan: %+v, %v", v, err)
	}

	// Anna's wallet now shows it used, without a QR code.
	b.logout()
	b.login(h.Anna.Email, h.Anna.Password)
	if body := b.body(); !strings.Contains(body, "Usato") {
		t.Errorf("the wallet does not show the voucher used:\n%s", body)
	}
	var imgs int
	b.eval(`document.querySelectorAll(".qr-image").length`, &imgs)
	if imgs != 0 {
		t.Errorf("a used voucher still shows %d QR codes", imgs)
	}
	b.check("wallet-voucher-used-it")
}

// TestVoucherPagesAreAccessible runs the accessibility check (and takes the
// screenshots) of the voucher pages, which are built on this layer.
func TestVoucherPagesAreAccessible(t *testing.T) {
	h := startHubWithVouchers(t)
	b := newBrowser(t, h, "")
	if st := b.login(h.Anna.Email, h.Anna.Password); st != 200 {
		t.Fatalf("login: %d", st)
	}
	for _, p := range []struct{ path, name string }{{"/vouchers", "vouchers-it"}} {
		if st := b.open(p.path); st != 200 {
			t.Fatalf("%s: %d", p.path, st)
		}
		b.check(p.name)
	}
	var shops string
	b.eval(`(document.querySelector('a[href^="/vouchers/campaigns/"]') || {}).getAttribute ? document.querySelector('a[href^="/vouchers/campaigns/"]').getAttribute("href") : ""`, &shops)
	if shops != "" {
		if st := b.open(shops); st != 200 {
			t.Errorf("%s: %d", shops, st)
		}
		b.check("voucher-shops-it")
	}
	b.logout()
	if st := b.login(h.Shop.Email, h.Shop.Password); st != 200 {
		t.Fatalf("shop login: %d", st)
	}
	if st := b.open("/staff/vouchers"); st != 200 {
		t.Fatalf("/staff/vouchers: %d", st)
	}
	b.check("staff-vouchers-it")
}

// TestScannerWithoutScript: with the page's scripts off (a till whose
// browser blocks them, or a script that did not load), the typed code
// still redeems: the form posts, the scanner page comes back with the
// preview and its "Riscatta" form, and pressing it redeems once. Both
// pages pass the accessibility check.
func TestScannerWithoutScript(t *testing.T) {
	h := startHubWithVouchers(t)
	b := newBrowser(t, h, "")
	anna := identity.Caller{AccountID: h.Anna.AccountID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	v, err := h.Vouchers.MyVoucher(context.Background(), anna, h.AnnaVoucherID)
	if err != nil || v.TypedCode == "" {
		t.Fatalf("Anna's voucher: %+v, %v", v, err)
	}
	if st := b.login(h.Shop.Email, h.Shop.Password); st != 200 || b.path() != "/staff/scan" {
		t.Fatalf("shop login: %d at %s", st, b.path())
	}
	scripts := func(off bool) {
		t.Helper()
		if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off}); err != nil {
			t.Fatal(err)
		}
	}
	// The accessibility check is a script itself: it runs on the page as
	// the browser loaded it without scripts, with them allowed again.
	check := func(name string) {
		t.Helper()
		scripts(false)
		b.check(name)
		scripts(true)
	}
	scripts(true)
	if st := b.open("/staff/scan"); st != 200 {
		t.Fatalf("scanner page: %d", st)
	}
	if st := b.submit(
		chromedp.SetValue(chromedp.CSS("#scan-code"), v.TypedCode),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "25,00"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
	); st != 200 {
		t.Fatalf("the typed code's form: %d", st)
	}
	if got := b.text(".scan-result"); !strings.Contains(got, "10,00") || !strings.Contains(got, "15,00") {
		t.Fatalf("preview without script = %q", got)
	}
	check("scanner-noscript-preview-it")
	if st := b.submit(chromedp.Click(chromedp.CSS(`[data-testid="scan-redeem"]`))); st != 200 {
		t.Fatalf("Riscatta: %d", st)
	}
	var ok bool
	b.eval(`document.querySelector(".scan-result").classList.contains("is-ok")`, &ok)
	if got := b.text(".scan-result"); !ok || !strings.Contains(got, "10,00") {
		t.Fatalf("redemption without script = %q (ok %v)", got, ok)
	}
	check("scanner-noscript-redeemed-it")
	if v, err := h.Vouchers.MyVoucher(context.Background(), anna, h.AnnaVoucherID); err != nil || v.Status != "used" || len(v.Redemptions) != 1 {
		t.Errorf("Anna's voucher after the scan: %+v, %v", v, err)
	}
}

// TestShopChooser: staff of two shops land on a scanner that asks which
// shop first, by name, choose one with the page's own form, and scan for
// it, its name at the top; the shop's voucher page asks the same. Each
// state passes the accessibility check.
func TestShopChooser(t *testing.T) {
	h := startHubWithVouchers(t)
	ctx := context.Background()
	admin := identity.Caller{AccountID: h.Admin.AccountID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	second, err := h.Vouchers.CreateShop(ctx, admin, vouchers.Shop{Name: "Cartoleria Traiano", Address: "Via Traiano 3, Benevento",
		District: "centro", Category: "books", IBAN: "IT60 X054 2811 1010 0000 0123 456"})
	if err != nil {
		t.Fatalf("a second shop: %v", err)
	}
	const email = "turni@negozi.example"
	if _, err := h.Identity.CreateAccount(ctx, admin, identity.NewAccount{Email: email, Password: testPassword, Name: "Giulia Turni", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: h.ShopID}, {Role: identity.RoleMerchant, Scope: second.ID}}}); err != nil {
		t.Fatalf("staff of both shops: %v", err)
	}
	b := newBrowser(t, h, "")
	if st := b.login(email, testPassword); st != 200 || b.path() != "/staff/scan" {
		t.Fatalf("login: %d at %s", st, b.path())
	}
	if got := b.text(".shop-chooser"); !strings.Contains(got, "Libreria Masone") || !strings.Contains(got, "Cartoleria Traiano") {
		t.Fatalf("the chooser = %q", got)
	}
	var scanners int
	b.eval(`document.querySelectorAll("#scanner").length`, &scanners)
	if scanners != 0 {
		t.Fatal("the scanner scans before a shop is chosen")
	}
	b.check("scanner-choose-shop-it")
	if st := b.submit(
		chromedp.SetValue(chromedp.CSS("#shop-choice"), second.ID),
		chromedp.Click(chromedp.CSS(`.shop-chooser button[type=submit]`)),
	); st != 200 || b.path() != "/staff/scan?shop="+second.ID {
		t.Fatalf("choosing the shop: %d at %s", st, b.path())
	}
	if got := b.text(`[data-testid="scan-shop"]`); got != "Cartoleria Traiano" {
		t.Fatalf("the shop scanned for = %q", got)
	}
	var endpoint string
	b.eval(`document.querySelector("#scanner").dataset.endpoint`, &endpoint)
	if !strings.HasSuffix(endpoint, "?shop="+second.ID) {
		t.Fatalf("the scanner sends to %q", endpoint)
	}
	b.check("scanner-shop-chosen-it")
	if st := b.open("/staff/vouchers"); st != 200 || !strings.Contains(b.text("h1"), "In quale negozio") {
		t.Fatalf("/staff/vouchers: %d, %q", st, b.text("h1"))
	}
	b.check("staff-vouchers-choose-shop-it")
}
