package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
)

// The door's scanner page checks a ticket in through its page endpoint:
// cookie session, CSRF header, door staff of the ticket's venue only; a
// second scan says when the first one was, in the page's language.
func TestTicketScanPageChecksIn(t *testing.T) {
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {
		d.PageAccounts = env.Identity
		d.ScanTargets = map[identity.Role]ScanTarget{identity.RoleDoor: {Endpoint: TicketScanEndpoint}}
	})
	ctx := context.Background()
	svc := env.Server.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := svc.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 2, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Sei personaggi", StartsAt: time.Now().Add(48 * time.Hour), Prices: map[string]int64{"stalls": 1800}})
	if err != nil {
		t.Fatal(err)
	}
	anna := identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	if _, err := env.Server.Wallet.TestTopUp(ctx, anna.AccountID, 5000, "anna-topup-1"); err != nil {
		t.Fatal(err)
	}
	o, err := svc.Hold(ctx, anna, p.ID, []string{"Platea/A/2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PayWithWallet(ctx, anna, o.ID); err != nil {
		t.Fatal(err)
	}
	ts, err := svc.MyTickets(ctx, anna)
	if err != nil || len(ts) != 1 {
		t.Fatalf("tickets %v %v", ts, err)
	}

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	session := func(scope string) (*pageClient, string) {
		staff, _ := env.account(t, identity.RoleDoor, scope)
		pc := &pageClient{t: t, srv: srv, client: newBrowserlikeClient(t)}
		if res := pc.login(staff.Email, testPassword); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		return pc, pc.csrf("/staff/scan")
	}
	scan := func(pc *pageClient, csrf, body string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+TicketScanEndpoint, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := pc.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res, out
	}
	body := `{"code":"` + strings.ToLower(ts[0].TypedCode) + `"}`

	elsewhere, csrfB := session("ven_other")
	if res, out := scan(elsewhere, csrfB, body); res.StatusCode != http.StatusForbidden || out["detail"] != "Questo biglietto è per un altro teatro." {
		t.Fatalf("another venue's door: %d %v", res.StatusCode, out)
	}
	pc, csrf := session(v.ID)
	if res, _ := scan(pc, "", body); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", res.StatusCode)
	}
	res, out := scan(pc, csrf, body)
	if res.StatusCode != http.StatusOK || out["outcome"] != "ok" || !strings.Contains(out["message"].(string), "fila A, posto 2") {
		t.Fatalf("scan: %d %v", res.StatusCode, out)
	}
	res, out = scan(pc, csrf, body)
	// The first scan was a moment ago (a minute may have turned since).
	detail, _ := out["detail"].(string)
	if res.StatusCode != http.StatusConflict || !regexp.MustCompile(`^Già entrato alle [0-2][0-9]:[0-5][0-9]\.$`).MatchString(detail) {
		t.Fatalf("second scan: %d %v", res.StatusCode, out)
	}
	// The page itself points the door's scanner at the endpoint.
	page, err := pc.client.Get(srv.URL + "/staff/scan")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Body.Close()
	html, err := io.ReadAll(page.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), TicketScanEndpoint) {
		t.Fatal("the door's scanner page does not post to the ticket endpoint")
	}
}
