// TestStaffTools walks the staff tools in a real headless Chromium on a
// real hub (SQLite, identity, wallet, vouchers, ticketing), as an Italian
// phone 390 px wide: the administrator's dashboard, a voucher form that
// comes back with the mistake next to its field and then takes "1.000,00",
// the ledger and reports page, a cancellation that asks first; the
// shopkeeper's "Verifica" that previews and "Riscatta" that redeems, and a
// reversal that asks first; the administrator's settling of the shop's
// period, which names the amount first; the administrator's account pages (a search, an
// account's roles, a disabling that asks first, a new staff account whose
// mistake comes back next to its field); the shop, venue, seat map and
// performance forms with a mistake each, kept next to its field as typed,
// a performance priced "1.000,00", and a campaign's close that asks first
// (stafftools_forms_test.go). Every page passes axe-core (no serious or
// critical finding) and none is wider than the phone or the desktop.

package staffpages

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

// page checks the page in view: axe-core, a screenshot, and no horizontal
// scrolling on the phone (tables scroll inside their table-responsive box).
func (f *flow) page(name string) {
	f.T.Helper()
	var widths struct{ Doc, View int }
	f.Eval(`({Doc: document.documentElement.scrollWidth, View: window.innerWidth})`, &widths)
	if widths.View != pagetest.PhoneWidth || widths.Doc > widths.View {
		// Name the widest elements outside the boxes that scroll, so the
		// cause is in the log.
		var wide []string
		f.Eval(`[...document.querySelectorAll("body *")].filter(e => !(e.parentElement && e.parentElement.closest(".table-responsive")))
			.map(e => [e, e.getBoundingClientRect().right]).filter(x => x[1] > 391).sort((a, b) => b[1] - a[1])
			.slice(0, 8).map(x => x[0].tagName + "." + x[0].getAttribute("class") + "#" + x[0].id + " " + Math.round(x[1]))`, &wide)
		f.T.Errorf("%s: the page is %d px wide on a %d px phone: %q", name, widths.Doc, widths.View, wide)
	}
	f.Check(name)
}

func TestStaffTools(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
	vs := vouchers.NewService(db.Vouchers(), keys, log)
	// Settling leaves out redemptions that can still be reversed, so the
	// walk moves the vouchers' clock past the reversal window before it.
	var offset atomic.Int64
	vs.SetClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	wal.RegisterItems("voucher", vs)
	tix := ticketing.NewService(db.Ticketing(), keys, log)
	wal.RegisterItems("ticket", tix)

	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	shop, err := vs.CreateShop(ctx, admin, vouchers.Shop{Name: "Libreria Masone", Address: "Corso Garibaldi 1, Benevento", District: "centro", Category: "books", IBAN: "IT60X0542811101000000123456"})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := vs.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Libri d'estate", BudgetCents: 100000, FaceValueCents: 1000, MinSpendCents: 1500,
		PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vs.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
		t.Fatal(err)
	}
	anna := identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	v, err := vs.Claim(ctx, anna, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	venue, err := tix.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Romano", Address: "Piazza Caio Ponzio Telesino, Benevento"})
	if err == nil {
		_, err = tix.SetSeatMap(ctx, admin, venue.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 10, Category: "platea"}}}}})
	}
	var perf ticketing.Performance
	if err == nil {
		perf, err = tix.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: venue.ID, Title: "Filumena Marturano", StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"platea": 2000}})
	}
	if err != nil {
		t.Fatal(err)
	}
	// Bruno bought a seat with credit; the administrator will refund it.
	bruno := identity.Caller{AccountID: "acc_bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	if _, err := wal.TestTopUp(ctx, bruno.AccountID, 5000, "bruno-topup-1"); err != nil {
		t.Fatal(err)
	}
	order, err := tix.Hold(ctx, bruno, perf.ID, []string{"Platea/A/4"})
	if err == nil {
		_, err = tix.PayWithWallet(ctx, bruno, order.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []identity.NewAccount{
		{Email: "comune@example.org", Password: password, Name: "Comune", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleAdmin}}},
		{Email: "cassa@libreria.example", Password: password, Name: "Cassa", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}},
	} {
		if _, err := ids.CreateAccount(ctx, admin, a); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(web.New(web.Deps{
		Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal, Vouchers: vs, Ticketing: tix,
		TimeZone:    vs.Zone(),
		QR:          map[string]ui.QRSource{"voucher": vs, "ticket": tix},
		ScanTargets: map[identity.Role]ui.ScanTarget{identity.RoleMerchant: {Endpoint: ui.VoucherScanEndpoint, AskAmount: true}},
	}))
	defer srv.Close()
	f := newFlow(t, srv.URL)

	// The administrator's dashboard reaches every area that is on.
	f.Login("comune@example.org")
	if p := f.Path(); p != "/admin" {
		t.Fatalf("admin landed on %s", p)
	}
	for _, href := range []string{"/admin/vouchers#campaigns", "/admin/theatre", "/admin/refunds", "/admin/reports"} {
		f.Attr(fmt.Sprintf(`[data-panel=%q] a`, href), "href")
	}
	f.page("staff-dashboard")

	// A campaign with a wrong budget comes back with the message next to
	// the budget and the rest as typed; "1.000,00" is then accepted.
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-panel="/admin/vouchers#campaigns"] a`))); st != 200 {
		t.Fatalf("vouchers page: %d", st)
	}
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#c-name"), "Natale in contrada"),
		chromedp.SetValue(chromedp.CSS("#c-budget"), "mille euro"),
		chromedp.SetValue(chromedp.CSS("#c-face_value"), "10,00"),
		chromedp.SetValue(chromedp.CSS("#c-valid_from"), "2026-12-01"),
		chromedp.SetValue(chromedp.CSS("#c-valid_until"), "2099-12-31"),
		chromedp.Click(chromedp.CSS(`#new-campaign button[type=submit]`)),
	); st != 400 {
		t.Fatalf("wrong budget: %d", st)
	}
	if msg := f.Text(`[data-field-error="budget"]`); msg == "" || f.Attr("#c-budget", "aria-invalid") != "true" {
		t.Fatalf("no message next to the budget")
	}
	var typed []string
	f.Eval(`[document.querySelector("#c-name").value, document.querySelector("#c-budget").value]`, &typed)
	if typed[0] != "Natale in contrada" || typed[1] != "mille euro" {
		t.Fatalf("the form lost what was typed: %q", typed)
	}
	f.page("staff-voucher-form-error")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#c-budget"), "1.000,00"),
		chromedp.Click(chromedp.CSS(`#new-campaign button[type=submit]`)),
	); st != 200 {
		t.Fatalf("campaign with 1.000,00: %d", st)
	}
	if camps, _ := vs.Campaigns(ctx); len(camps) != 2 || camps[1].BudgetCents != 100000 {
		t.Fatalf("campaigns after the form: %+v", camps)
	}
	f.page("staff-vouchers")

	// The ledger check in words, and the charts.
	f.Open("/admin/reports")
	if got := f.Attr(`[data-testid="ledger-verdict"]`, "data-ok"); got != "true" {
		t.Fatalf("ledger verdict %q", got)
	}
	f.Attr(`svg[data-testid="chart-sales"]`, "aria-labelledby")
	// No voucher is used yet: the uptake chart's place says so, without
	// empty axes.
	var uptakeSVG bool
	f.Eval(`!!document.querySelector("#uptake svg")`, &uptakeSVG)
	if got := f.Text(`[data-testid="uptake-nothing"]`); got != "Nessun dato nel periodo." || uptakeSVG {
		t.Fatalf("the uptake with nothing to draw: %q, chart drawn %v", got, uptakeSVG)
	}
	f.page("staff-reports")
	// One ledger account, found by its id: the city's funding, which paid
	// the campaigns' budgets.
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#ledger-account-id"), "city:funding"),
		chromedp.Click(chromedp.CSS(`[data-testid="ledger-account-find"] button[type=submit]`)),
	); st != 200 {
		t.Fatalf("the city's funding account: %d", st)
	}
	if got := f.Text(`[data-testid="ledger-account-id"]`); got != "city:funding" || !strings.Contains(f.Text(`[data-testid="ledger-account-entries"]`), "voucher.fund") {
		t.Fatalf("the account page shows %q and its entries %q", got, f.Text(`[data-testid="ledger-account-entries"]`))
	}
	f.page("staff-ledger-account")

	// Refunding an order shows the order first: an unknown code comes back
	// next to the field, the right one shows its seats and total.
	f.Open("/admin/theatre")
	f.page("staff-theatre")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#r-order_id"), "tord_sbagliato"),
		chromedp.Click(chromedp.CSS(`#refunds button[type=submit]`)),
	); st != 404 {
		t.Fatalf("unknown order: %d", st)
	}
	if f.Text(`[data-field-error="order_id"]`) == "" || f.Attr("#r-order_id", "value") != "tord_sbagliato" {
		t.Fatal("the unknown order is not named next to the field")
	}
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#r-order_id"), order.ID),
		chromedp.Click(chromedp.CSS(`#refunds button[type=submit]`)),
	); st != 200 {
		t.Fatalf("order to refund: %d", st)
	}
	if got := f.Text(`[data-testid="confirm-facts"]`); !strings.Contains(got, "Platea, fila A, posto 4") || !strings.Contains(got, "20,00") {
		t.Fatalf("refund confirmation shows %q", got)
	}
	f.page("staff-refund-confirm")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="confirm-button"]`))); st != 200 {
		t.Fatalf("confirm refund: %d", st)
	}
	if a, _ := wal.Account(ctx, wallet.CitizenAccount(bruno.AccountID)); a.Balance != 5000 {
		t.Fatalf("Bruno's credit after the refund: %d", a.Balance)
	}
	f.Open("/admin/refunds")
	f.page("staff-card-refunds")

	// Cancelling a performance says what it does first.
	f.Open("/admin/theatre")
	if st := f.Submit(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-performance=%q] a[data-action=cancel]`, perf.ID)))); st != 200 {
		t.Fatalf("cancel: %d", st)
	}
	if got := f.Text(`[data-testid="confirm-lead"]`); !strings.Contains(got, "rimborsato") {
		t.Fatalf("cancel confirmation says %q", got)
	}
	f.page("staff-cancel-confirm")
	if p, _ := tix.Performance(ctx, perf.ID); p.Status != ticketing.PerformanceScheduled {
		t.Fatal("the performance was cancelled before the confirmation")
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="confirm-button"]`))); st != 200 {
		t.Fatalf("confirm cancel: %d", st)
	}
	if p, _ := tix.Performance(ctx, perf.ID); p.Status != ticketing.PerformanceCancelled {
		t.Fatal("the confirmed cancellation did not happen")
	}

	// The till: "Verifica" previews, "Riscatta" redeems.
	f.Login("cassa@libreria.example")
	if p := f.Path(); p != "/staff/scan" {
		t.Fatalf("shop landed on %s", p)
	}
	f.page("staff-scan")
	f.Run(
		chromedp.SetValue(chromedp.CSS("#scan-code"), v.TypedCode),
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "12,00"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-error")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	if got := f.Text(".scan-result"); !strings.Contains(got, "Buono non accettato") || !strings.Contains(got, "15,00") {
		t.Fatalf("below the minimum: %q", got)
	}
	f.Run(
		chromedp.SetValue(chromedp.CSS("#scan-amount"), "23,50"),
		chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-preview")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	if got := f.Text(".scan-result"); !strings.Contains(got, "Libri d'estate") || !strings.Contains(got, "10,00") || !strings.Contains(got, "13,50") {
		t.Fatalf("preview: %q", got)
	}
	if mine, _ := vs.MyVoucher(ctx, anna, v.ID); mine.Status != vouchers.VoucherActive {
		t.Fatal("the preview redeemed the voucher")
	}
	f.page("staff-scan-preview")
	f.Run(
		chromedp.Click(chromedp.CSS(`[data-testid="scan-redeem"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector(".scan-result").classList.contains("is-ok")`, chromedp.WithPollingTimeout(15*time.Second)),
	)
	if mine, _ := vs.MyVoucher(ctx, anna, v.ID); mine.Status != vouchers.VoucherUsed {
		t.Fatalf("after Riscatta the voucher is %s", mine.Status)
	}

	// Reversing it asks first.
	f.Open("/staff/vouchers")
	f.page("staff-shop")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`a[data-action=reverse]`))); st != 200 {
		t.Fatalf("reverse: %d", st)
	}
	f.page("staff-reverse-confirm")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="confirm-button"]`))); st != 200 {
		t.Fatalf("confirm reverse: %d", st)
	}
	f.Text(`[data-testid="reversed"]`)
	if mine, _ := vs.MyVoucher(ctx, anna, v.ID); mine.Status != vouchers.VoucherActive {
		t.Fatalf("after the reversal the voucher is %s", mine.Status)
	}

	settle(f, vs, shop.ID, v.TypedCode, &offset)
	accounts(f, ids, venue.ID)
	staffForms(f, vs, tix)
}

// settle closes the shop's settlement period as the administrator: the
// shop's row leads to a confirmation that names the amount the city will
// owe, nothing is settled until it is confirmed, and then the statement is
// listed. The till's redemption was reversed, so the shop redeems the
// voucher again and the clock moves past the reversal window.
func settle(f *flow, vs *vouchers.Service, shopID, code string, offset *atomic.Int64) {
	t, ctx := f.T, context.Background()
	till := identity.Caller{AccountID: "acc_till", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shopID}}}
	if _, _, err := vs.Redeem(ctx, till, shopID, "settle-redeem-1", vouchers.RedeemRequest{Code: code, PurchaseCents: 2350}); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(vouchers.ReversalWindow + time.Minute))
	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

	f.Login("comune@example.org")
	if st := f.Open("/admin/vouchers"); st != 200 {
		t.Fatalf("vouchers page: %d", st)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-shop=%q] a[data-action=settle]`, shopID)))); st != 200 {
		t.Fatalf("settle: %d", st)
	}
	if got := f.Text(`[data-testid="confirm-lead"]`); !strings.Contains(got, "10,00") {
		t.Fatalf("settle confirmation says %q", got)
	}
	if got := f.Text(`[data-testid="confirm-facts"]`); !strings.Contains(got, "Libreria Masone") || !strings.Contains(got, "IT60X0542811101000000123456") || !strings.Contains(got, "10,00") {
		t.Fatalf("settle confirmation shows %q", got)
	}
	f.page("staff-settle-confirm")
	if sts, _ := vs.StatementPage(ctx, admin, shopID, vouchers.PageQuery{Limit: vouchers.MaxPage}); len(sts.Items) != 0 {
		t.Fatalf("settled before the confirmation: %+v", sts)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="confirm-button"]`))); st != 200 {
		t.Fatalf("confirm settle: %d", st)
	}
	page, err := vs.StatementPage(ctx, admin, shopID, vouchers.PageQuery{Limit: vouchers.MaxPage})
	sts := page.Items
	if err != nil || len(sts) != 1 || sts[0].Count != 1 || sts[0].TotalCents != 1000 {
		t.Fatalf("statements after the confirmation: %+v, %v", sts, err)
	}
	if p := f.Path(); p != "/admin/vouchers" {
		t.Fatalf("after settling the administrator is on %s", p)
	}
	if got := f.Text(fmt.Sprintf(`tr[data-settlement=%q]`, sts[0].ID)); !strings.Contains(got, "Libreria Masone") || !strings.Contains(got, "10,00") {
		t.Fatalf("the statement's row reads %q", got)
	}
}

// accounts walks the administrator's account pages: the search finds the
// till's account, its page gives it the theatre's door by ticking the
// venue, disabling asks first; a new staff account with a bad address
// comes back with the message next to it, the rest as typed and the
// password empty.
func accounts(f *flow, ids *identity.Service, venueID string) {
	t, ctx := f.T, context.Background()
	f.Login("comune@example.org")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-panel="/admin/accounts"] a`))); st != 200 {
		t.Fatalf("accounts page: %d", st)
	}
	f.page("staff-accounts")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#s-q"), "LIBRERIA"),
		chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)),
	); st != 200 {
		t.Fatalf("search: %d", st)
	}
	var found []string
	f.Eval(`[...document.querySelectorAll("tr[data-account]")].map(e => e.dataset.account)`, &found)
	till, err := ids.AccountByEmail(ctx, "cassa@libreria.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0] != till.ID {
		t.Fatalf("search for the till found %v", found)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`tr[data-account] th a`))); st != 200 {
		t.Fatalf("the till's page: %d", st)
	}
	f.page("staff-account")
	if st := f.Submit(
		chromedp.Click(chromedp.CSS(`details[data-role="door_staff"] summary`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="scope-door_staff-%s"]`, venueID))),
		chromedp.Click(chromedp.CSS(`[data-testid="save-roles"]`)),
	); st != 200 {
		t.Fatalf("save roles: %d", st)
	}
	f.Text(`[data-testid="done"]`)
	if a, _ := ids.Account(ctx, till.ID); !a.Caller().HasIn(identity.RoleDoor, venueID) || len(a.Grants) != 2 {
		t.Fatalf("the till's grants after the form: %+v", a.Grants)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="disable"]`))); st != 200 {
		t.Fatalf("disable: %d", st)
	}
	f.page("staff-account-disable-confirm")
	if a, _ := ids.Account(ctx, till.ID); a.Disabled {
		t.Fatal("disabled before the confirmation")
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="confirm-button"]`))); st != 200 {
		t.Fatalf("confirm disable: %d", st)
	}
	if a, _ := ids.Account(ctx, till.ID); !a.Disabled {
		t.Fatal("the confirmed disabling did not happen")
	}

	f.Open("/admin/accounts/new")
	f.page("staff-account-new")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#n-name"), "Portiere del Teatro"),
		chromedp.SetValue(chromedp.CSS("#n-email"), "portiere at teatro"),
		chromedp.SetValue(chromedp.CSS("#n-password"), password),
		chromedp.Click(chromedp.CSS(`details[data-role="door_staff"] summary`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="scope-door_staff-%s"]`, venueID))),
		chromedp.Click(chromedp.CSS(`[data-testid="create-account"]`)),
	); st != 400 {
		t.Fatalf("new account with a bad address: %d", st)
	}
	if f.Text(`[data-field-error="email"]`) == "" || f.Attr("#n-email", "aria-invalid") != "true" {
		t.Fatal("no message next to the address")
	}
	var typed []any
	f.Eval(fmt.Sprintf(`[document.querySelector("#n-name").value, document.querySelector("#n-password").value,
		document.querySelector('[id="scope-door_staff-%s"]').checked]`, venueID), &typed)
	if typed[0] != "Portiere del Teatro" || typed[1] != "" || typed[2] != true {
		t.Fatalf("the form as it came back: %v", typed)
	}
	f.page("staff-account-new-error")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#n-email"), "portiere@teatro.example"),
		chromedp.SetValue(chromedp.CSS("#n-password"), password),
		chromedp.Click(chromedp.CSS(`[data-testid="create-account"]`)),
	); st != 200 {
		t.Fatalf("new account: %d", st)
	}
	a, err := ids.AccountByEmail(ctx, "portiere@teatro.example")
	if err != nil || !a.Caller().HasIn(identity.RoleDoor, venueID) {
		t.Fatalf("the new account: %+v, %v", a, err)
	}
}
