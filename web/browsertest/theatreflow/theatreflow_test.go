// Package theatreflow drives the theatre journey end to end in a real
// headless Chromium on a real hub (SQLite, identity, wallet, ticketing): a
// citizen picks a seat on the seat picker and pays with credit, sees the
// ticket's QR code in the wallet; door staff type its code on the scanner
// page and check it in, and a second scan says when the first was. Every
// page passes axe-core (WCAG 2.1 A/AA, no serious or critical violation).
package theatreflow

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
)

const password = "una password lunga 2026"

type flow struct{ *pagetest.Flow }

// newFlow starts Chromium as an Italian phone.
func newFlow(t *testing.T, url string) *flow {
	return &flow{pagetest.New(t, url, "", password)}
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
	f.Login("anna@example.org")
	if st := f.Open("/theatre"); st != 200 {
		t.Fatalf("theatre page: %d", st)
	}
	f.Check("theatre")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-performance="` + p.ID + `"] a.btn`))); st != 200 {
		t.Fatalf("seat picker: %d", st)
	}
	f.Check("theatre_seats")
	var taken bool
	f.Eval(`document.querySelector('input[value="Platea/B/4"]').disabled`, &taken)
	if !taken {
		t.Fatal("a sold seat can be chosen")
	}
	f.Run(chromedp.Click(chromedp.CSS(`label.seat:has(input[value="Platea/A/5"])`)))
	var checked bool
	f.Eval(`document.querySelector('input[value="Platea/A/5"]').checked`, &checked)
	if !checked {
		t.Fatal("clicking the seat did not choose it")
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`form.seat-picker button[type=submit]`))); st != 200 {
		t.Fatalf("buy: %d", st)
	}
	var path string
	f.Eval(`location.pathname`, &path)
	if path != "/wallet" {
		t.Fatalf("after buying the browser is at %s", path)
	}
	f.Run(chromedp.WaitVisible(chromedp.CSS(`.item-ticket figure.qr img.qr-image`)))
	code := f.Text(`.item-ticket [data-testid="typed-code"]`)
	if len(strings.ReplaceAll(code, "-", "")) != 17 {
		t.Fatalf("typed code %q", code)
	}
	f.Check("theatre_wallet")

	// The door types the code: the first check-in wins, the second says when.
	f.Login("sala@teatro.example")
	if st := f.Open("/staff/scan"); st != 200 {
		t.Fatalf("scanner page: %d", st)
	}
	scan := func(want string) string {
		f.Run(
			chromedp.SetValue(chromedp.CSS("#scan-code"), code),
			chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(".scan-result").classList.contains(%q)`, want), chromedp.WithPollingTimeout(15*time.Second)),
		)
		return f.Text(".scan-result")
	}
	if got := scan("is-ok"); !strings.Contains(got, "Benvenuti") || !strings.Contains(got, "fila A, posto 5") {
		t.Fatalf("first scan: %q", got)
	}
	if got := scan("is-error"); !strings.Contains(got, "Già entrato alle") {
		t.Fatalf("second scan: %q", got)
	}
	f.Check("theatre_door")

	// The administrator sees the sale.
	f.Login("comune@example.org")
	if st := f.Open("/admin/theatre"); st != 200 {
		t.Fatalf("admin theatre page: %d", st)
	}
	if got := f.Text(`[data-performance="` + p.ID + `"]`); !strings.Contains(got, "2 / 22") {
		t.Fatalf("admin row: %q", got)
	}
	f.Check("theatre_admin")
}
