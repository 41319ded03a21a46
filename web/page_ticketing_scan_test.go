package web

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// testClock is a clock tests move by hand, safe to read from the
// server's goroutines.
type testClock struct{ us atomic.Int64 }

func (c *testClock) Set(t time.Time) { c.us.Store(t.UnixMicro()) }
func (c *testClock) Now() time.Time  { return time.UnixMicro(c.us.Load()).UTC() }

// The door's scanner page checks a ticket in through its page endpoint:
// cookie session, CSRF header, door staff of the ticket's venue only, for
// the performance chosen on the page (named at its top); a ticket for
// another evening is refused naming it, and a second scan says when the
// first one was, in the page's language.
// cityTime is an hour of 2026 in the city's zone.
func cityTime(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, testZone)
}

// doorFixture is a hub whose scanner page checks tickets in, its clock
// set by hand (first at 10:00 on 30 November 2026), with a venue of two
// seats and Anna, who has 50 € of credit to buy tickets with.
type doorFixture struct {
	env   *testEnv
	clock *testClock
	venue ticketing.Venue
}

func newDoorFixture(t *testing.T, targets ...map[identity.Role]ui.ScanTarget) *doorFixture {
	t.Helper()
	f := &doorFixture{clock: &testClock{}}
	f.clock.Set(cityTime(time.November, 30, 10))
	_, f.env = newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {
		d.ScanTargets = map[identity.Role]ui.ScanTarget{identity.RoleDoor: {Endpoint: ui.TicketScanEndpoint}}
		for _, more := range targets {
			maps.Copy(d.ScanTargets, more)
		}
		d.Ticketing.SetClock(f.clock.Now)
	})
	ctx := context.Background()
	svc := f.env.Deps.Ticketing
	v, err := svc.CreateVenue(ctx, doorAdmin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSeatMap(ctx, doorAdmin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 2, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Deps.Wallet.TestTopUp(ctx, doorAnna.AccountID, 5000, "anna-topup-1"); err != nil {
		t.Fatal(err)
	}
	f.venue = v
	return f
}

var (
	doorAdmin = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	doorAnna  = identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
)

// performance schedules title at the venue, its stalls at cents.
func (f *doorFixture) performance(t *testing.T, title string, at time.Time, cents int64) ticketing.Performance {
	t.Helper()
	p, err := f.env.Deps.Ticketing.CreatePerformance(context.Background(), doorAdmin, ticketing.Performance{VenueID: f.venue.ID, Title: title,
		StartsAt: at, Prices: map[string]int64{"stalls": cents}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// buy is Anna's ticket for seat of p, held and paid with her credit.
func (f *doorFixture) buy(t *testing.T, p ticketing.Performance, seat string) ticketing.TicketView {
	t.Helper()
	ctx, svc := context.Background(), f.env.Deps.Ticketing
	o, err := svc.Hold(ctx, doorAnna, p.ID, []string{seat})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PayWithWallet(ctx, doorAnna, o.ID); err != nil {
		t.Fatal(err)
	}
	ts, err := svc.MyTickets(ctx, doorAnna)
	if err != nil {
		t.Fatal(err)
	}
	for _, tv := range ts {
		if tv.PerformanceID == p.ID {
			return tv
		}
	}
	t.Fatalf("no ticket for %s in %+v", p.Title, ts)
	return ticketing.TicketView{}
}

func TestTicketScanPageChecksIn(t *testing.T) {
	t.Parallel()
	f := newDoorFixture(t)
	env, clock, v, rome := f.env, f.clock, f.venue, cityTime
	tonight := f.performance(t, "Sei personaggi", rome(time.November, 30, 21), 1800)
	dec7 := f.performance(t, "Le nozze di Figaro", rome(time.December, 7, 21), 3000)
	buy := func(p ticketing.Performance, seat string) ticketing.TicketView { return f.buy(t, p, seat) }
	ticket := buy(tonight, "Platea/A/2")
	other := buy(dec7, "Platea/A/1")
	clock.Set(rome(time.November, 30, 20))

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	session := func(scope string) (*webtest.PageClient, string) {
		staff, _ := env.account(t, identity.RoleDoor, scope)
		pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
		return pc, pc.CSRF("/staff/scan")
	}
	scan := func(pc *webtest.PageClient, csrf, body string) (*http.Response, map[string]any) {
		return pc.PostJSON(ui.TicketScanEndpoint, csrf, body)
	}
	body := func(tv ticketing.TicketView, p ticketing.Performance) string {
		return `{"code":"` + strings.ToLower(tv.TypedCode) + `","performance_id":"` + p.ID + `"}`
	}

	elsewhere, csrfB := session("ven_other")
	if res, out := scan(elsewhere, csrfB, body(ticket, tonight)); res.StatusCode != http.StatusForbidden || out["reason"] != "not_your_performance" {
		t.Fatalf("another venue's door: %d %v", res.StatusCode, out)
	}
	pc, csrf := session(v.ID)
	if res, _ := scan(pc, "", body(ticket, tonight)); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", res.StatusCode)
	}
	// The report's case: 7 December's ticket on 30 November.
	res, out := scan(pc, csrf, body(other, tonight))
	if res.StatusCode != http.StatusConflict || out["reason"] != "ticket_other_performance" ||
		out["detail"] != "Questo biglietto è per «Le nozze di Figaro» del 7 dicembre 2026, 21:00." {
		t.Fatalf("7 December's ticket tonight: %d %v", res.StatusCode, out)
	}
	if res, out := scan(pc, csrf, body(other, dec7)); res.StatusCode != http.StatusConflict ||
		out["detail"] != "Le porte non sono ancora aperte: aprono il 7 dicembre 2026, 19:00." {
		t.Fatalf("7 December's ticket at its own door a week early: %d %v", res.StatusCode, out)
	}
	res, out = scan(pc, csrf, body(ticket, tonight))
	if res.StatusCode != http.StatusOK || out["outcome"] != "ok" || !strings.Contains(out["message"].(string), "fila A, posto 2") {
		t.Fatalf("scan: %d %v", res.StatusCode, out)
	}
	res, out = scan(pc, csrf, body(ticket, tonight))
	if res.StatusCode != http.StatusConflict || out["detail"] != "Già entrato alle 20:00." {
		t.Fatalf("second scan: %d %v", res.StatusCode, out)
	}
	clock.Set(tonight.EndsAt)
	if res, out := scan(pc, csrf, body(ticket, tonight)); res.StatusCode != http.StatusConflict ||
		out["detail"] != "Lo spettacolo è finito il 1º dicembre 2026, 00:00." {
		t.Fatalf("after the end: %d %v", res.StatusCode, out)
	}
	clock.Set(rome(time.November, 30, 20))

	// Without a choice the page offers the performances (tonight's first,
	// its doors open) and scans nothing; once chosen it names it at the top
	// and carries its door list.
	res, html := pc.Get("/staff/scan")
	if res.StatusCode != http.StatusOK || strings.Contains(html, `id="scanner"`) ||
		!regexp.MustCompile(`<option value="`+tonight.ID+`" selected>Sei personaggi`).MatchString(html) {
		t.Fatalf("scanner page without a performance: %d\n%s", res.StatusCode, html)
	}
	res, html = pc.Get("/staff/scan?performance=" + tonight.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(html, ui.TicketScanEndpoint) ||
		!strings.Contains(html, `<span class="door-title" data-testid="door-performance">Sei personaggi</span>`) ||
		!strings.Contains(html, `data-performance="`+tonight.ID+`"`) {
		t.Fatalf("scanner page for tonight: %d\n%s", res.StatusCode, html)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" class="door-list">(.*?)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no door list on the page")
	}
	// The door list as the scanner script reads it.
	var list struct {
		Performance string            `json:"performance"`
		DoorsOpen   int64             `json:"doors_open"`
		EndsAt      int64             `json:"ends_at"`
		Now         int64             `json:"now"`
		Tickets     []string          `json:"tickets"`
		Keys        []json.RawMessage `json:"keys"`
		Others      []struct {
			Refusal string   `json:"refusal"`
			Tickets []string `json:"tickets"`
		} `json:"others"`
	}
	if err := json.Unmarshal([]byte(m[1]), &list); err != nil {
		t.Fatalf("door list %q: %v", m[1], err)
	}
	if list.Performance != tonight.ID || list.DoorsOpen != tonight.DoorsOpen.UnixMilli() || list.EndsAt != tonight.EndsAt.UnixMilli() ||
		list.Now != clock.Now().UnixMilli() || len(list.Tickets) != 1 || list.Tickets[0] != ticket.ID || len(list.Keys) == 0 ||
		len(list.Others) != 1 || list.Others[0].Tickets[0] != other.ID || !strings.Contains(list.Others[0].Refusal, "Le nozze di Figaro") {
		t.Fatalf("door list: %+v", list)
	}
	if res, _ := elsewhere.Get("/staff/scan?performance=" + tonight.ID); res.StatusCode != http.StatusForbidden {
		t.Fatalf("another venue's door choosing tonight: %d", res.StatusCode)
	}
}

// Staff of a shop's till who also check a theatre's door get the till's
// scanner, a link to the door's, and the door's when they follow it or
// name a performance; staff of one of them get no link.
func TestScannerOfTillAndDoorStaff(t *testing.T) {
	t.Parallel()
	f := newDoorFixture(t, map[identity.Role]ui.ScanTarget{identity.RoleMerchant: {Endpoint: ui.VoucherScanEndpoint, AskAmount: true}})
	tonight := f.performance(t, "Sei personaggi", cityTime(time.November, 30, 21), 1800)
	f.clock.Set(cityTime(time.November, 30, 20))
	srv := httptest.NewServer(f.env.Server)
	defer srv.Close()
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := f.env.Identity.CreateAccount(context.Background(), admin, identity.NewAccount{
		Email: "bottega-e-sala@example.org", Password: testPassword, Name: "Gina", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: "shp_gina"}, {Role: identity.RoleDoor, Scope: f.venue.ID}},
	}); err != nil {
		t.Fatal(err)
	}
	pc := webtest.SignedIn(t, srv.URL, "bottega-e-sala@example.org", testPassword)
	switchLink := regexp.MustCompile(`<a href="([^"]*)" data-testid="scan-switch">([^<]*)</a>`)

	res, html := pc.Get("/staff/scan")
	m := switchLink.FindStringSubmatch(html)
	if res.StatusCode != http.StatusOK || !strings.Contains(html, `data-endpoint="`+ui.VoucherScanEndpoint) || strings.Contains(html, "door-heading") ||
		m == nil || m[1] != "/staff/scan?for=door" || m[2] != "Controlla i biglietti alla porta" {
		t.Fatalf("the till's scanner: %d, link %q\n%s", res.StatusCode, m, html)
	}
	res, html = pc.Get(m[1])
	m = switchLink.FindStringSubmatch(html)
	if res.StatusCode != http.StatusOK || !strings.Contains(html, `id="door-heading"`) || !strings.Contains(html, `<option value="`+tonight.ID+`"`) ||
		m == nil || m[1] != "/staff/scan?for=till" || m[2] != "Riscatta i buoni alla cassa" {
		t.Fatalf("the door's chooser: %d, link %q\n%s", res.StatusCode, m, html)
	}
	res, html = pc.Get("/staff/scan?performance=" + tonight.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(html, `data-endpoint="`+ui.TicketScanEndpoint) || !strings.Contains(html, `data-performance="`+tonight.ID+`"`) {
		t.Fatalf("the door's scanner for tonight: %d\n%s", res.StatusCode, html)
	}
	res, html = pc.Get("/staff/scan?for=till")
	if res.StatusCode != http.StatusOK || !strings.Contains(html, `data-endpoint="`+ui.VoucherScanEndpoint) {
		t.Fatalf("back to the till: %d\n%s", res.StatusCode, html)
	}

	door, _ := f.env.account(t, identity.RoleDoor, f.venue.ID)
	if res, html := webtest.SignedIn(t, srv.URL, door.Email, testPassword).Get("/staff/scan"); res.StatusCode != http.StatusOK || strings.Contains(html, "scan-switch") {
		t.Fatalf("door staff alone: %d, with a link to a till", res.StatusCode)
	}
}
