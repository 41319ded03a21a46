package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// A paid order's page has one "Mostra il codice QR" link a ticket: three
// tickets, three links, each to its own ticket; one ticket, one button. It
// had a fourth, the first ticket's again.
func TestPaidOrderPageOneQRLinkATicket(t *testing.T) {
	t.Parallel()
	env, srv, p := cardOffTheatre(t)
	ctx := context.Background()
	anna, _ := env.account(t, identity.RoleCitizen)
	buyer := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	if _, err := env.Deps.Wallet.TestTopUp(ctx, anna.ID, 10000, "anna-topup-qr"); err != nil {
		t.Fatal(err)
	}
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	chooseLanguage(t, pc, "it", "/theatre")
	for _, seats := range [][]string{{"Platea/A/1", "Platea/A/2", "Platea/A/3"}, nil} {
		if seats == nil {
			// A second performance, one ticket.
			admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
			var err error
			if p, err = env.Deps.Ticketing.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: p.VenueID, Title: "Il ventaglio",
				StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2000}}); err != nil {
				t.Fatal(err)
			}
			seats = []string{"Platea/A/1"}
		}
		o, err := env.Deps.Ticketing.Hold(ctx, buyer, p.ID, seats)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.Deps.Ticketing.PayWithWallet(ctx, buyer, o.ID); err != nil {
			t.Fatal(err)
		}
		res, body := pc.Get("/theatre/orders/" + o.ID)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("order page: %d", res.StatusCode)
		}
		if n := strings.Count(body, "Mostra il codice QR"); n != len(seats) {
			t.Errorf("%d tickets, %d links to their QR codes:\n%s", len(seats), n, body)
		}
		ts, err := env.Deps.Ticketing.MyTickets(ctx, buyer)
		if err != nil {
			t.Fatal(err)
		}
		for _, tv := range ts {
			if tv.OrderID == o.ID && !regexp.MustCompile(`href="/wallet#[^"]*`+tv.ID+`"`).MatchString(body) {
				t.Errorf("no link to ticket %s's QR code", tv.ID)
			}
		}
	}
}
