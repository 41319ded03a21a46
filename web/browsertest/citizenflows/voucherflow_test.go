// TestClaimShowRedeemByTypedCodeSeeUsed drives the voucher journey end to end in a real
// headless Chromium on a real hub (SQLite, identity, wallet, vouchers): a
// citizen claims a voucher on the vouchers page and sees its QR code in the
// wallet; a shopkeeper's scanner page redeems it by its typed code; the
// citizen's wallet then shows it used. The wallet confirms the claim, and
// the pages along the way pass pagetest's checks (axe-core, no page wider
// than the screen, on the phone and on a desktop).

package citizenflows

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

func TestClaimShowRedeemByTypedCodeSeeUsed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
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

	f := pagetest.New(t, srv.URL, "", password)

	// The citizen claims a voucher and sees its QR code in the wallet.
	f.Login("anna@example.org")
	if st := f.Open("/vouchers"); st != 200 {
		t.Fatalf("vouchers page: %d", st)
	}
	if got := f.Text(`[data-campaign="` + camp.ID + `"] .item-title`); got != "Natale in contrada" {
		t.Fatalf("campaign card: %q", got)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-campaign="` + camp.ID + `"] button[type=submit]`))); st != 200 {
		t.Fatalf("claim: %d", st)
	}
	var path string
	f.Eval(`location.pathname`, &path)
	if path != "/wallet" {
		t.Fatalf("after the claim the browser is at %q, want /wallet", path)
	}
	// The wallet confirms the claim above the voucher.
	if got := f.Text(`[data-testid="done"]`); !strings.HasPrefix(got, "Buono ottenuto") {
		t.Fatalf("the wallet after the claim says %q", got)
	}
	f.Run(chromedp.WaitVisible(chromedp.CSS(`.item-voucher figure.qr img.qr-image`)))
	f.Check("voucherflow-claimed")
	var loaded bool
	f.Eval(`(() => { const i = document.querySelector(".item-voucher figure.qr img.qr-image"); return !!i && i.complete && i.naturalWidth > 0; })()`, &loaded)
	if !loaded {
		t.Fatal("the voucher's QR image did not load")
	}
	code := f.Text(`.item-voucher [data-testid="typed-code"]`)
	if len(strings.ReplaceAll(code, "-", "")) != 17 {
		t.Fatalf("typed code %q", code)
	}

	// The shopkeeper types the code on the scanner page and redeems it.
	f.Login("cassa@libreria.example")
	if st := f.Open("/staff/scan"); st != 200 {
		t.Fatalf("scanner page: %d", st)
	}
	// An amount the till cannot read is refused on its field: the focus
	// goes there, and the field is marked wrong and described by the
	// answer, so that a screen reader reads why with it.
	f.Run(
		chromedp.SetValue(chromedp.CSS("#scan-code"), code),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "23,555"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-error")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	var amountField struct {
		Focused   bool   `json:"focused"`
		Invalid   string `json:"invalid"`
		Described string `json:"described"`
	}
	f.Eval(`(() => { const a = document.getElementById("scan-amount");
		const said = (a.getAttribute("aria-describedby") || "").split(" ").map(id => { const e = document.getElementById(id); return e ? e.textContent : ""; }).join(" ");
		return {focused: document.activeElement === a, invalid: a.getAttribute("aria-invalid") || "", described: said}; })()`, &amountField)
	if !amountField.Focused || amountField.Invalid != "true" || !strings.Contains(amountField.Described, "due cifre") {
		t.Errorf("the refused amount's field: %+v", amountField)
	}
	f.Run(
		chromedp.SetValue(chromedp.CSS("#scan-code"), code),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "23,50"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-preview")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	f.Eval(`document.getElementById("scan-amount").getAttribute("aria-invalid") || ""`, &amountField.Invalid)
	if amountField.Invalid != "" {
		t.Errorf("the amount read at the second try is still marked wrong: %q", amountField.Invalid)
	}
	// "Verifica" shows what the voucher gives; "Riscatta" redeems it.
	if got := f.Text(".scan-result"); !strings.Contains(got, "Natale in contrada") || !strings.Contains(got, "13,50") {
		t.Fatalf("preview: %q", got)
	}
	f.Check("voucherflow-preview")
	f.Run(
		chromedp.Click(chromedp.CSS(`[data-testid="scan-redeem"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-ok")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	if got := f.Text(".scan-result"); !strings.Contains(got, "Buono riscattato") || !strings.Contains(got, "13,50") {
		t.Fatalf("scan result: %q", got)
	}
	// "Riscatta" is gone with the preview: the focus moves to the answer
	// (read out at once), not to the top of the page, where a shopkeeper
	// on the keyboard would start again from the header.
	var focus string
	f.Eval(`document.activeElement === document.querySelector(".scan-result") ? "answer" : document.activeElement.tagName + "." + document.activeElement.className`, &focus)
	if focus != "answer" {
		t.Errorf("after the redeem the focus is on %s, want the answer", focus)
	}

	// The citizen's wallet shows it used, and the vouchers page says where.
	f.Login("anna@example.org")
	if st := f.Open("/wallet"); st != 200 {
		t.Fatalf("wallet: %d", st)
	}
	if got := f.Text(`.item-voucher .status`); got != "Usato" {
		t.Fatalf("wallet status %q, want Usato", got)
	}
	f.Open("/vouchers")
	if got := f.Text(`[data-voucher] .uses`); !strings.Contains(got, "Libreria Masone") || !strings.Contains(got, "10,00") {
		t.Fatalf("where it was used: %q", got)
	}
	f.Check("voucherflow-used")
}
