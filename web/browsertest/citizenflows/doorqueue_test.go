// TestDoorQueueRecordsOfflineEntries drives the door scanner page's queue
// of entries let in offline in a real headless Chromium on a real hub:
// with the network down a genuine ticket is let in amber and waits in the
// device's storage, counted on the page, and the same ticket shown again
// at this door is refused; when the page opens again with the hub
// reachable the entry is sent and the hub has the ticket checked in, and
// a forged token naming the ticket is refused as forged, not as already
// in. Another door's device that let the same ticket in offline sends its
// entry as soon as the hub answers it again, and its staff are shown the
// double entry, which the page then lists. The page passes axe-core.

package citizenflows

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/ticketing"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

func TestDoorQueueRecordsOfflineEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	tix := ticketing.NewService(h.DB.Ticketing(), h.Keys, h.Log)
	h.Wallet.RegisterItems("ticket", tix)
	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := tix.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi, Benevento"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tix.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{
		{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 4, Category: "platea"}}}}}); err != nil {
		t.Fatal(err)
	}
	// Its doors are open: it starts in half an hour.
	p, err := tix.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Natale in casa Cupiello",
		StartsAt: time.Now().Add(30 * time.Minute), Prices: map[string]int64{"platea": 2500}})
	if err != nil {
		t.Fatal(err)
	}
	bruno := identity.Caller{AccountID: "acc_bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	if _, err := h.Wallet.TestTopUp(ctx, bruno.AccountID, 5000, "bruno-topup-1"); err != nil {
		t.Fatal(err)
	}
	o, err := tix.Hold(ctx, bruno, p.ID, []string{"Platea/A/3"})
	if err == nil {
		_, err = tix.PayWithWallet(ctx, bruno, o.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tix.MyTickets(ctx, bruno)
	if err != nil || len(ts) != 1 {
		t.Fatalf("bruno's tickets: %v %v", ts, err)
	}
	ticket := ts[0]
	if _, err := h.IDs.CreateAccount(ctx, admin, identity.NewAccount{Email: "sala@teatro.example", Password: password, Name: "Sala", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleDoor, Scope: v.ID}}}); err != nil {
		t.Fatal(err)
	}
	hub := web.New(web.Deps{
		Log: h.Log, PublicURL: "http://cityhub.test", Version: "test", Identity: h.IDs, Keys: h.Keys, Wallet: h.Wallet, Ticketing: tix,
		TimeZone:    tix.Zone(),
		ScanTargets: map[identity.Role]ui.ScanTarget{identity.RoleDoor: {Endpoint: ui.TicketScanEndpoint}},
	})
	// asked counts the codes the scanner page sent the hub to check in:
	// whether the hub was asked at all is what tells a door that refused a
	// ticket itself from one that asked first.
	var asked atomic.Int64
	// refreshed hears of the page's minute refresh asking for the door list
	// alone.
	refreshed := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == ui.TicketScanEndpoint {
			asked.Add(1)
		}
		if r.Method == http.MethodGet && r.URL.Path == "/staff/scan" && r.Header.Get(ui.DoorRefreshHeader) != "" {
			select {
			case refreshed <- struct{}{}:
			default:
			}
		}
		hub.ServeHTTP(w, r)
	}))
	defer srv.Close()
	f := newFlow(t, srv.URL, "")

	// token is the ticket's QR as the wallet shows it now, however the
	// ticket is (the wallet shows no QR once it is used: the one read
	// offline was shown before).
	token := func() string {
		tok, err := qrtoken.IssueRotating(h.Keys, qrtoken.KindTicket, ticket.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	scan := func(code, want string) string {
		f.Run(
			chromedp.Evaluate[chromedp.Void](`document.querySelector(".scan-result").className = "scan-result"`),
			chromedp.SetValue(chromedp.CSS("#scan-code"), code),
			chromedp.Click(chromedp.CSS(`.scan-form button[type=submit]`)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(".scan-result").classList.contains(%q)`, want), chromedp.WithPollingTimeout(15*time.Second)),
		)
		return f.Text(".scan-result")
	}
	goOffline := func() {
		f.Eval(`(() => { window.hubFetch = window.fetch; window.fetch = () => Promise.reject(new TypeError("offline")); return true; })()`, nil)
	}
	goOnline := func() { f.Eval(`(() => { window.fetch = window.hubFetch; return true; })()`, nil) }
	waitFor := func(js string) {
		f.Run(chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(15*time.Second)))
	}
	queued := func() int {
		var n int
		f.Eval(fmt.Sprintf(`JSON.parse(localStorage.getItem("cityhub.door.queue.%s") || "[]").length`, p.ID), &n)
		return n
	}
	checkedIn := func() int {
		st, err := tix.Stats(ctx, admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st.CheckedIn
	}

	// The page's minute timers are kept where the test can run them, rather
	// than waiting a minute.
	if _, err := chromedp.Call(f.Ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		(() => {
			window.minuteTimers = [];
			const setInterval = window.setInterval;
			window.setInterval = (fn, ms, ...args) => { if (ms === 60000) { window.minuteTimers.push(fn); } return setInterval(fn, ms, ...args); };
		})();`,
	}); err != nil {
		t.Fatal(err)
	}
	f.Login("sala@teatro.example")
	scanner := "/staff/scan?performance=" + p.ID
	if st := f.Open(scanner); st != 200 {
		t.Fatalf("scanner page: %d", st)
	}
	// The network goes down: the ticket is let in, amber, and waits.
	goOffline()
	if got := scan(token(), "is-warning"); !strings.Contains(got, "Valido (verifica senza rete)") || !strings.Contains(got, "lo registra appena torna la rete") {
		t.Fatalf("the ticket offline: %q", got)
	}
	if n := queued(); n != 1 {
		t.Fatalf("%d entries in the queue, want 1", n)
	}
	if got := f.Text(`[data-testid="door-queue"]`); got != "1 ingresso senza rete da registrare: parte appena torna la rete." {
		t.Fatalf("the queue says %q", got)
	}
	// The same ticket shown again at this door is not let in twice.
	if got := scan(token(), "is-error"); !strings.Contains(got, "Già entrato da questa porta alle") {
		t.Fatalf("the ticket again offline: %q", got)
	}
	if n, in := queued(), checkedIn(); n != 1 || in != 0 {
		t.Fatalf("after the refusal: %d queued, %d checked in at the hub", n, in)
	}
	f.Check("theatre_door_queue")
	// The hub answers again before the queue has reached it: the same
	// ticket is still refused by this door, before the hub is asked (the
	// hub, not knowing of the entry yet, would let it in a second time).
	goOnline()
	before := asked.Load()
	if got := scan(token(), "is-error"); !strings.Contains(got, "Già entrato da questa porta alle") {
		t.Fatalf("the ticket again with the hub back: %q", got)
	}
	if n := asked.Load() - before; n != 0 {
		t.Fatalf("the hub was asked %d times about the ticket this door let in offline", n)
	}

	// The page opens again with the hub reachable: the entry is sent, the
	// hub has the ticket checked in, and the queue is empty.
	if st := f.Open(scanner); st != 200 {
		t.Fatalf("scanner page again: %d", st)
	}
	waitFor(`document.querySelector('[data-testid="door-queue"]').textContent.includes("sono stati registrati")`)
	if n, in := queued(), checkedIn(); n != 0 || in != 1 {
		t.Fatalf("after the upload: %d queued, %d checked in at the hub", n, in)
	}
	// A token naming that ticket but signed by another key under the
	// hub's key id is not the entry this door let in: the page asks the
	// hub, which refuses it as forged, never as already in.
	kid, _ := h.Keys.Signer(qrtoken.Purpose)
	forger := qrtoken.NewMemKeys()
	forger.Generate(kid, qrtoken.Purpose)
	forged, err := qrtoken.IssueRotating(forger, qrtoken.KindTicket, ticket.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	before = asked.Load()
	if got := scan(forged.Token, "is-error"); !strings.Contains(got, "Codice non valido") || strings.Contains(got, "Già entrato") {
		t.Fatalf("a forged token of the ticket let in offline: %q", got)
	}
	if n := asked.Load() - before; n != 1 {
		t.Fatalf("the hub was asked %d times about a forged token of the ticket let in offline, want once", n)
	}

	// Another door's device, offline too, let the same ticket in.
	f.Eval(`(() => { localStorage.clear(); localStorage.setItem("cityhub.door.device", "porta-laterale-0001"); return true; })()`, nil)
	if st := f.Open(scanner); st != 200 {
		t.Fatalf("the other door's scanner page: %d", st)
	}
	goOffline()
	if got := scan(token(), "is-warning"); !strings.Contains(got, "Valido (verifica senza rete)") {
		t.Fatalf("the ticket at the other door offline: %q", got)
	}
	// The hub answers this door again (a typed code checked online): the
	// entry goes at once, and the staff are told it was a double entry.
	goOnline()
	if got := scan(ticket.TypedCode, "is-error"); !strings.Contains(got, "Già entrato alle") {
		t.Fatalf("the typed code online: %q", got)
	}
	waitFor(`document.querySelector('[data-testid="door-alerts"]').textContent.includes("Ingresso doppio")`)
	if got := f.Text(`[data-testid="door-alerts"]`); !strings.Contains(got, "Natale in casa Cupiello · Platea, fila A, posto 3 era già entrato alle") {
		t.Fatalf("the double entry shown: %q", got)
	}
	if n, in := queued(), checkedIn(); n != 0 || in != 1 {
		t.Fatalf("after the double entry: %d queued, %d checked in at the hub", n, in)
	}
	if st := f.Open(scanner); st != 200 {
		t.Fatalf("scanner page after the double entry: %d", st)
	}
	if got := f.Text(`[data-testid="door-doubles"]`); !strings.Contains(got, "Platea, fila A, posto 3") || !strings.Contains(got, "porta-la") {
		t.Fatalf("the page's double entries: %q", got)
	}
	f.Check("theatre_door_doubles")
	// The minute refresh asks the hub for the door list alone, and the
	// page keeps the double entries it opened with.
	f.Eval(`(() => { window.minuteTimers.forEach(fn => fn()); return window.minuteTimers.length; })()`, nil)
	select {
	case <-refreshed:
	case <-time.After(15 * time.Second):
		t.Fatal("the page's minute refresh did not ask for the door list alone")
	}
	if got := f.Text(`[data-testid="door-doubles"]`); !strings.Contains(got, "Platea, fila A, posto 3") {
		t.Fatalf("the page's double entries after the refresh: %q", got)
	}

	// The staff's session ends under the open page (signed out in another
	// tab): a code shown now is not refused, it was not checked, and the
	// page says to sign in again. It said "Ingresso negato" with no
	// detail, and the door turned a valid ticket holder away.
	f.Eval(`fetch("/logout", {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/x-www-form-urlencoded"},
		body: "csrf_token=" + encodeURIComponent(document.getElementById("scanner").dataset.csrf)}).then(() => true)`, nil)
	if got := scan(ticket.TypedCode, "is-error"); !strings.Contains(got, "Sessione terminata") || strings.Contains(got, "Ingresso negato") {
		t.Fatalf("a code shown after the session ended: %q", got)
	}
	// Nor is a refusal of the pace (too many wrong codes) a refused ticket.
	f.Eval(`(() => { window.fetch = () => Promise.resolve(new Response(JSON.stringify({status: 429, code: "rate_limited", reason: "too_many_failed_codes",
		detail: "Troppi codici sbagliati: riprova tra 10 minuti."}), {status: 429, headers: {"Content-Type": "application/problem+json"}})); return true; })()`, nil)
	if got := scan(ticket.TypedCode, "is-error"); !strings.Contains(got, "Codice non controllato") || !strings.Contains(got, "Troppi codici") || strings.Contains(got, "Ingresso negato") {
		t.Fatalf("a code shown while the door is held back: %q", got)
	}
	// A ticket for another venue is judged, though 403: refused, as one for
	// another performance. It was shown as "Codice non controllato".
	f.Eval(`(() => { window.fetch = () => Promise.resolve(new Response(JSON.stringify({status: 403, code: "forbidden", reason: "not_your_venue",
		detail: "Questo biglietto è per un altro teatro."}), {status: 403, headers: {"Content-Type": "application/problem+json"}})); return true; })()`, nil)
	if got := scan(ticket.TypedCode, "is-error"); !strings.Contains(got, "Ingresso negato") || !strings.Contains(got, "altro teatro") || strings.Contains(got, "non controllato") {
		t.Fatalf("another venue's ticket: %q", got)
	}
}
