package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// A held order whose performance's sales have closed cannot be paid: its
// page says so and offers only to give the seats up, where it kept
// offering a payment every press of which was refused (409 not_on_sale).
func TestOrderPageAfterSalesClosed(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withTicketing)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v := stallsVenue(t, svc)
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Natale in casa Cupiello",
		StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}, SalesOpen: time.Now().Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	annaC := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	cardTopUp(t, env, anna.ID, 5000, "pi_seed_sales_closed")
	o, err := svc.Hold(ctx, annaC, p.ID, []string{"Platea/A/1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	if _, body := pc.Get("/theatre/orders/" + o.ID); !strings.Contains(body, `data-testid="order-credit"`) {
		t.Fatalf("the order page while on sale:\n%s", body)
	}
	// The city closes the sales early.
	p.SalesClose = time.Now().Add(-time.Minute)
	if _, err := svc.UpdatePerformance(ctx, admin, p); err != nil {
		t.Fatal(err)
	}
	res, body := pc.Get("/theatre/orders/" + o.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="sales-closed"`) || strings.Contains(body, `data-testid="order-credit"`) ||
		strings.Contains(body, `data-testid="hold-until"`) || !strings.Contains(body, `/theatre/orders/`+o.ID+`/release`) {
		t.Fatalf("the order page after the sales closed: %d\n%s", res.StatusCode, body)
	}
}

// stallsVenue is a venue of one row of three seats, Platea A 1-3, of the
// category "stalls", made by an administrator.
func stallsVenue(t *testing.T, svc *ticketing.Service) ticketing.Venue {
	t.Helper()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := svc.CreateVenue(t.Context(), admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSeatMap(t.Context(), admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{
		{Name: "A", From: 1, To: 3, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	return v
}
