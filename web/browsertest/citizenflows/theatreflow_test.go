// TestPickSeatPayShowCheckIn drives the theatre journey end to end in a real
// headless Chromium on a real hub (SQLite, identity, wallet, ticketing): a
// visitor sees the programme and a performance's hall with its prices and
// signs in from there, back on the performance; a citizen picks a seat on the seat picker and pays with credit, lands on
// the paid order's page with its number, sees the ticket's QR code in the
// wallet, and cancels another order under its performance's rule after a
// confirmation, the credit coming back; on the evening door staff choose the
// performance (named at the top of the scanner page), type the ticket's
// code and check it in, a second scan says when the first was, and a ticket
// for another evening is refused naming it, online and, with the network
// down, by the page's own check of the QR token, which also refuses a
// ticket before its doors open. Every page passes axe-core
// (WCAG 2.1 A/AA, no serious or critical violation).

package citizenflows

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

// clock is the hub's clock in this test, moved by hand to the evening of
// the performance; the server's goroutines read it.
type clock struct{ us atomic.Int64 }

func (c *clock) Set(t time.Time) { c.us.Store(t.UnixMicro()) }
func (c *clock) Now() time.Time  { return time.UnixMicro(c.us.Load()).UTC() }

func TestPickSeatPayShowCheckIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
	tix := ticketing.NewService(db.Ticketing(), keys, log)
	hubClock := &clock{}
	hubClock.Set(time.Now())
	tix.SetClock(hubClock.Now)
	wal.RegisterItems("ticket", tix)

	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := tix.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale Vittorio Emanuele", Address: "Corso Garibaldi, Benevento"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tix.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{
		{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 10, Category: "platea"}, {Name: "B", From: 1, To: 10, Category: "platea"}}},
		{Name: "Galleria", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 6, Category: "galleria"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	p, err := tix.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Natale in casa Cupiello",
		StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"platea": 2500, "galleria": 1200}})
	if err != nil {
		t.Fatal(err)
	}
	// Next week's buyers may cancel their own orders until a day before.
	selfCancel := 24
	later, err := tix.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Filumena Marturano",
		StartsAt: p.StartsAt.AddDate(0, 0, 7), Prices: map[string]int64{"platea": 2500, "galleria": 1200}, SelfCancelHours: &selfCancel})
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
	for _, perf := range []ticketing.Performance{p, later} {
		if o, err := tix.Hold(ctx, bruno, perf.ID, []string{"Platea/B/4"}); err != nil {
			t.Fatal(err)
		} else if _, err := tix.PayWithWallet(ctx, bruno, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	brunos, err := tix.MyTickets(ctx, bruno)
	if err != nil || len(brunos) != 2 {
		t.Fatalf("bruno's tickets: %v %v", brunos, err)
	}
	tonights, laters := brunos[0], brunos[1]
	if tonights.PerformanceID != p.ID {
		tonights, laters = laters, tonights
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
		Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal, Ticketing: tix,
		TimeZone:    tix.Zone(),
		QR:          map[string]ui.QRSource{"ticket": tix},
		ScanTargets: map[identity.Role]ui.ScanTarget{identity.RoleDoor: {Endpoint: ui.TicketScanEndpoint}},
	}))
	defer srv.Close()
	f := newFlow(t, srv.URL, "")

	// A visitor sees the programme and the hall with its prices, without
	// choosing seats, and signs in from there, back on the performance.
	if st := f.Open("/theatre"); st != 200 || f.Path() != "/theatre" {
		t.Fatalf("theatre page for a visitor: %d at %s", st, f.Path())
	}
	f.Check("theatre_visitor")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-performance="` + p.ID + `"] a.btn`))); st != 200 {
		t.Fatalf("hall for a visitor: %d", st)
	}
	f.Check("theatre_seats_visitor")
	var offered int
	f.Eval(`document.querySelectorAll('form.seat-picker, input[name="seat"]:not([disabled])').length`, &offered)
	if offered != 0 || !strings.Contains(f.Text(".seat-prices"), "25,00") {
		t.Fatalf("a visitor's hall: %d seats to choose, prices %q", offered, f.Text(".seat-prices"))
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="sign-in-to-buy"] a`))); st != 200 {
		t.Fatalf("sign-in page: %d", st)
	}
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#email"), "anna@example.org"),
		chromedp.SetValue(chromedp.CSS("#password"), f.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	); st != 200 || f.Path() != "/theatre/performances/"+p.ID {
		t.Fatalf("signed in from the hall: %d at %s", st, f.Path())
	}

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
	// A seat another buyer holds differs from a free one by more than its
	// colour (dashed, as its swatch in the legend), for those who do not
	// tell the colours apart; a sold one is struck through.
	var borders []string
	f.Eval(`(() => { const look = c => { const e = document.createElement("label"); e.className = c; document.querySelector(".seat-picker").appendChild(e);
		const b = getComputedStyle(e).borderTopStyle; e.remove(); return b; };
		return [look("seat seat-free"), look("seat seat-held"), look("seat-swatch seat-held")]; })()`, &borders)
	if strings.Join(borders, " ") != "solid dashed dashed" {
		t.Errorf("the borders of a free seat, a held one and the held one's swatch: %q", borders)
	}
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
	var total string
	f.Eval(`document.querySelector('[data-seat-total]').textContent`, &total)
	if total != "1 posto scelto: 25,00\u00a0€" {
		t.Fatalf("running total: %q", total)
	}
	// On the phone a row of ten seats is one line.
	var lines int
	f.Eval(`new Set([...document.querySelectorAll('input[value^="Platea/A/"]')].map(i => i.closest('label').getBoundingClientRect().top)).size`, &lines)
	if lines != 1 {
		t.Fatalf("a row of ten seats takes %d lines on the phone", lines)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`form.seat-picker button[type=submit]`))); st != 200 {
		t.Fatalf("buy: %d", st)
	}
	// The order page confirms the purchase with its number; its button
	// leads to the wallet, where the ticket's QR code is.
	orderPage(f, tix, anna.ID, p.ID)
	f.Check("theatre_order_paid")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="order-wallet"]`))); st != 200 || f.Path() != "/wallet" {
		t.Fatalf("the order's way to the wallet: %d, at %s", st, f.Path())
	}
	f.Run(chromedp.WaitVisible(chromedp.CSS(`.item-ticket figure.qr img.qr-image`)))
	// The QR code's text names the seat, as the card's heading does.
	if alt, heading := f.Attr(`.item-ticket figure.qr img.qr-image`, "alt"), f.Text(`.item-ticket .item-title .visually-hidden`); !strings.Contains(alt, ", Platea, ") && !strings.Contains(alt, "Platea A") || heading == "" {
		t.Fatalf("the ticket's QR code reads %q, its heading's seat %q: want the seat named", alt, heading)
	}
	code := f.Text(`.item-ticket [data-testid="typed-code"]`)
	if len(strings.ReplaceAll(code, "-", "")) != 17 {
		t.Fatalf("typed code %q", code)
	}
	f.Check("theatre_wallet")
	selfCancelOrder(f, tix, wal, anna.ID, later.ID)

	scan := func(code, want string) string {
		f.Run(
			chromedp.Evaluate[chromedp.Void](`document.querySelector(".scan-result").className = "scan-result"`),
			chromedp.SetValue(chromedp.CSS("#scan-code"), code),
			chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(".scan-result").classList.contains(%q)`, want), chromedp.WithPollingTimeout(15*time.Second)),
		)
		return f.Text(".scan-result")
	}
	token := func(tv ticketing.TicketView) string {
		tok, err := tix.FreshToken(ctx, bruno, tv.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	goOffline := func() {
		f.Eval(`(() => { window.fetch = () => Promise.reject(new TypeError("offline")); return true; })()`, nil)
	}

	// The evening of the performance, three hours before it starts: its
	// doors (two hours before, by default) are still shut. With the network
	// down the page refuses tonight's own ticket by the hub's rule, saying
	// when they open.
	hubClock.Set(p.StartsAt.Add(-3 * time.Hour))
	f.Login("sala@teatro.example")
	if st := f.Open("/staff/scan?performance=" + p.ID); st != 200 {
		t.Fatalf("scanner page before the doors open: %d", st)
	}
	goOffline()
	if got, want := scan(token(tonights), "is-error"), "Le porte non sono ancora aperte: aprono il "+italianDay(p.DoorsOpen); !strings.Contains(got, "senza rete") || !strings.Contains(got, want) {
		t.Fatalf("tonight's token offline before the doors open: %q, want %q", got, want)
	}

	// Half an hour before it starts the doors are open: the door chooses
	// the performance and the page names it at the top.
	hubClock.Set(p.StartsAt.Add(-30 * time.Minute))
	if st := f.Open("/staff/scan"); st != 200 {
		t.Fatalf("scanner page: %d", st)
	}
	f.Check("theatre_door_choose")
	if got := f.Attr("#door-choice", "name"); got != "performance" {
		t.Fatalf("performance chooser: %q", got)
	}
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#door-choice"), p.ID),
		chromedp.Click(chromedp.CSS(`form.door-chooser button[type=submit]`)),
	); st != 200 {
		t.Fatalf("choose the performance: %d", st)
	}
	if got := f.Text(`[data-testid="door-performance"]`); got != "Natale in casa Cupiello" {
		t.Fatalf("the page checks %q", got)
	}
	var topmost bool
	f.Eval(`document.querySelector("main h1") === document.querySelector("#door-heading")`, &topmost)
	if !topmost {
		t.Fatal("the chosen performance is not the page's heading")
	}
	// The first check-in wins, the second says when.
	if got := scan(code, "is-ok"); !strings.Contains(got, "Benvenuti") || !strings.Contains(got, "fila A, posto 5") {
		t.Fatalf("first scan: %q", got)
	}
	if got := scan(code, "is-error"); !strings.Contains(got, "Già entrato alle") {
		t.Fatalf("second scan: %q", got)
	}
	// A ticket for next week's performance is refused, naming it.
	want := "Questo biglietto è per «Filumena Marturano» del " + italianDay(later.StartsAt)
	if got := scan(laters.TypedCode, "is-error"); !strings.Contains(got, want) {
		t.Fatalf("next week's ticket: %q, want %q", got, want)
	}
	f.Check("theatre_door")

	// The network goes down: the page checks QR tokens itself, by the same
	// rule, and says that it could not record the entry.
	goOffline()
	if got := scan(token(laters), "is-error"); !strings.Contains(got, "senza rete") || !strings.Contains(got, want) {
		t.Fatalf("next week's token offline: %q", got)
	}
	if got := scan(token(tonights), "is-warning"); !strings.Contains(got, "Valido (verifica senza rete)") || !strings.Contains(got, "Natale in casa Cupiello") {
		t.Fatalf("tonight's token offline: %q", got)
	}
	forged := []byte(token(tonights))
	forged[len(forged)-3] ^= 'A' ^ 'B'
	if got := scan(string(forged), "is-error"); !strings.Contains(got, "Codice non valido") {
		t.Fatalf("a forged token offline: %q", got)
	}
	// A genuine token that expired while the door was offline says so,
	// rather than calling the code invalid.
	scanNow := hubClock.Now()
	hubClock.Set(scanNow.Add(-time.Hour))
	stale := token(tonights)
	hubClock.Set(scanNow)
	if got := scan(stale, "is-error"); !strings.Contains(got, "senza rete") || !strings.Contains(got, "Il codice è scaduto") || strings.Contains(got, "Codice non valido") {
		t.Fatalf("an expired token offline: %q", got)
	}
	if got := scan(laters.TypedCode, "is-error"); !strings.Contains(got, "Rete non disponibile") {
		t.Fatalf("a typed code offline: %q", got)
	}
	// A hub that answers with a server error cannot decide either: the
	// page checks the token itself, and never shows the failure as a
	// refusal of the ticket. The ticket it let in offline above waits in
	// its queue, so this door knows it is in and refuses it without asking;
	// a door that has not let it in (its memory of the entry cleared here)
	// asks the hub, gets the 503 and lets it in amber. Both show the same
	// offline answer, so the codes the page sent to be checked in are
	// counted: none for the first, one for the second.
	f.Eval(`(() => { window.checkInsAsked = 0; window.fetch = (url) => {
		if (String(url).endsWith(`+strconv.Quote(ui.TicketScanEndpoint)+`)) { window.checkInsAsked++; }
		return Promise.resolve(new Response(
			JSON.stringify({title: "Service Unavailable", status: 503, detail: "The service is temporarily unavailable."}),
			{status: 503, headers: {"Content-Type": "application/problem+json"}})); }; return true; })()`, nil)
	checkInsAsked := func() int {
		var n int
		f.Eval(`window.checkInsAsked`, &n)
		return n
	}
	if got := scan(token(tonights), "is-error"); !strings.Contains(got, "senza rete") || !strings.Contains(got, "Già entrato da questa porta alle") ||
		strings.Contains(got, "temporarily unavailable") {
		t.Fatalf("tonight's token while the hub answers 503, let in before: %q", got)
	}
	if n := checkInsAsked(); n != 0 {
		t.Fatalf("the hub was asked %d times about the ticket this door let in offline", n)
	}
	f.Eval(`(() => { localStorage.removeItem("cityhub.door.admitted.`+p.ID+`"); return true; })()`, nil)
	if got := scan(token(tonights), "is-warning"); !strings.Contains(got, "Valido (verifica senza rete)") || strings.Contains(got, "temporarily unavailable") {
		t.Fatalf("tonight's token while the hub answers 503: %q", got)
	}
	if n := checkInsAsked(); n != 1 {
		t.Fatalf("the hub was asked %d times about the ticket this door forgot, want once", n)
	}

	// The administrator sees the sale.
	f.Login("comune@example.org")
	if st := f.Open("/admin/theatre"); st != 200 {
		t.Fatalf("admin theatre page: %d", st)
	}
	if got := f.Text(`[data-performance="` + p.ID + `"]`); !strings.Contains(got, "2 / 26") {
		t.Fatalf("admin row: %q", got)
	}
	f.Check("theatre_admin")
}

// orderPage checks that the browser is on the paid order page of the
// citizen's order for the performance, showing its number, and returns it.
func orderPage(f *flow, tix *ticketing.Service, accountID, performanceID string) ticketing.Order {
	t := f.T
	orders, err := tix.MyOrders(context.Background(), identity.Caller{AccountID: accountID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, "", ticketing.MaxOrderPage)
	if err != nil {
		t.Fatal(err)
	}
	var o ticketing.Order
	for _, x := range orders.Orders {
		if x.PerformanceID == performanceID && x.Status == ticketing.OrderPaid {
			o = x
		}
	}
	if p := f.Path(); o.ID == "" || p != "/theatre/orders/"+o.ID {
		t.Fatalf("after buying the browser is at %s; the paid order is %q", p, o.ID)
	}
	if got := f.Text(`[data-testid="order-paid"]`); !strings.Contains(got, "Ordine pagato") {
		t.Fatalf("the order page says %q", got)
	}
	if got := f.Text(`[data-testid="order-number"]`); got != o.ID {
		t.Fatalf("order number %q, want %s", got, o.ID)
	}
	return o
}

// selfCancelOrder buys a seat for a performance whose buyers may cancel,
// and cancels it from the order page: the page says until when, the
// confirmation page says what comes back, nothing changes until it is
// confirmed, and then the order is refunded to the credit.
func selfCancelOrder(f *flow, tix *ticketing.Service, wal *wallet.Service, accountID, performanceID string) {
	t, ctx := f.T, context.Background()
	credit := func() int64 {
		a, err := wal.Account(ctx, wallet.CitizenAccount(accountID))
		if err != nil {
			t.Fatal(err)
		}
		return a.Balance
	}
	before := credit()
	if st := f.Open("/theatre/performances/" + performanceID); st != 200 {
		t.Fatalf("seat picker: %d", st)
	}
	f.Run(chromedp.Click(chromedp.CSS(`label.seat:has(input[value="Galleria/A/1"])`)))
	if st := f.Submit(chromedp.Click(chromedp.CSS(`form.seat-picker button[type=submit]`))); st != 200 {
		t.Fatalf("buy: %d", st)
	}
	o := orderPage(f, tix, accountID, performanceID)
	if credit() != before-1200 {
		t.Fatalf("credit after buying %d, want %d", credit(), before-1200)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="order-cancel"]`))); st != 200 {
		t.Fatalf("cancel: %d", st)
	}
	if got := f.Text(`[data-testid="cancel-what"]`); !strings.Contains(got, "12,00\u00a0€ tornano subito sul credito") {
		t.Fatalf("the confirmation says %q", got)
	}
	f.Check("theatre_order_cancel")
	if got, _ := tix.Order(ctx, identity.Caller{AccountID: accountID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, o.ID); got.Status != ticketing.OrderPaid {
		t.Fatalf("the order is %s before the confirmation", got.Status)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="cancel-confirm"]`))); st != 200 {
		t.Fatalf("confirm cancel: %d", st)
	}
	if got := f.Text(`[data-testid="order-other"]`); !strings.Contains(got, "Ordine rimborsato") {
		t.Fatalf("after cancelling the order page says %q", got)
	}
	if credit() != before {
		t.Fatalf("credit after cancelling %d, want %d back", credit(), before)
	}
	f.Check("theatre_order_cancelled")
}

// cityZone is the pages' and the ticketing service's zone: the service's
// default, which the test keeps.
var cityZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

// italianDay is how the pages write a performance's day and time, e.g.
// "7 dicembre 2026, 21:00".
func italianDay(t time.Time) string {
	months := []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
	t = t.In(cityZone)
	return fmt.Sprintf("%d %s %d, %s", t.Day(), months[t.Month()-1], t.Year(), t.Format("15:04"))
}
