package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// A seat's section reads in the page's language wherever a person reads
// it, as its category does: in English the stalls of the price list are
// the Stalls of the seat picker's heading, of the order page, of the
// tickets page and of the wallet's card, never "Platea"; in Italian they
// stay Platea.
func TestSeatSectionReadsInThePagesLanguage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := svc.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{
		{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 2, Category: "platea"}}},
		{Name: "Galleria", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 2, Category: "galleria"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Filumena Marturano",
		StartsAt: time.Now().Add(48 * time.Hour), Prices: map[string]int64{"platea": 2500, "galleria": 1500}})
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	if _, err := env.Deps.Wallet.TestTopUp(ctx, anna.ID, 5000, "anna-topup-1"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	chooseLanguage(t, pc, "en", "/theatre")

	res, body := pc.Get("/theatre/performances/" + p.ID)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("seat picker: %d", res.StatusCode)
	}
	for _, w := range []string{"<legend>Stalls</legend>", "<legend>Gallery</legend>", "Stalls: €25.00"} {
		if !strings.Contains(body, w) {
			t.Errorf("English seat picker lacks %q", w)
		}
	}
	res, _ = pc.Post("/theatre/performances/"+p.ID+"/buy", url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]},
		"key": {"hld_sections"}, "seat": {"Platea/A/1"}})
	order := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(order, "/theatre/orders/") {
		t.Fatalf("buy: %d to %q", res.StatusCode, order)
	}
	for _, page := range []struct{ path, want string }{
		{order, "Stalls, row A, seat 1"},
		{"/theatre", "Stalls, row A, seat 1"},
		{"/wallet", "Stalls A, 1"},
	} {
		res, body := pc.Get(page.path)
		text := readableText(body)
		if res.StatusCode != http.StatusOK || !strings.Contains(text, page.want) || strings.Contains(text, "Platea") {
			t.Errorf("English %s: %d, want %q and no Platea:\n%s", page.path, res.StatusCode, page.want, text)
		}
	}
	chooseLanguage(t, pc, "it", "/theatre")
	if _, body := pc.Get(order); !strings.Contains(readableText(body), "Platea, fila A, posto 1") {
		t.Errorf("Italian order page lacks Platea, fila A, posto 1:\n%s", readableText(body))
	}
}
