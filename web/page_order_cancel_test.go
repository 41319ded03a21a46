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
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

// A buyer cancels a paid order from its page under the performance's rule:
// the order page shows its number and until when it can be cancelled, a
// confirmation page says what comes back, and only the confirmed post
// cancels; another citizen cannot, and a performance without the rule
// offers nothing.
func TestOrderPageSelfCancel(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withTicketing)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v := stallsVenue(t, svc)
	hours := 24
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Natale in casa Cupiello",
		StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}, SelfCancelHours: &hours})
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Senza rimborso",
		StartsAt: time.Now().Add(96 * time.Hour), Prices: map[string]int64{"stalls": 2500}})
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	bruno, _ := env.account(t, identity.RoleCitizen)
	annaC := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	cardTopUp(t, env, anna.ID, 5000, "pi_seed_cancel")
	buy := func(perf string) ticketing.Order {
		o, err := svc.Hold(ctx, annaC, perf, []string{"Platea/A/1"})
		if err == nil {
			o, err = svc.PayWithWallet(ctx, annaC, o.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o, kept := buy(p.ID), buy(fixed.ID)

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	loc := "/theatre/orders/" + o.ID
	if _, body := pc.Get(loc); !strings.Contains(body, `data-testid="order-number">`+o.ID) || !strings.Contains(body, `data-testid="order-cancel"`) {
		t.Fatalf("paid order page without number or cancel link:\n%s", body)
	}
	if _, body := pc.Get("/theatre/orders/" + kept.ID); strings.Contains(body, `data-testid="order-cancel"`) {
		t.Fatal("a performance without the rule offers cancelling")
	}
	// Under an open or lost dispute the page offers no cancelling (the
	// service refuses it); after a won one it does, as the service allows.
	for _, c := range []struct {
		dispute string
		offered bool
	}{{"open", false}, {"lost", false}, {"won", true}, {"", true}} {
		storetest.Behind(t, env.DB, `UPDATE ticket_orders SET dispute = '`+c.dispute+`' WHERE id = '`+o.ID+`'`)
		if _, body := pc.Get(loc); strings.Contains(body, `data-testid="order-cancel"`) != c.offered {
			t.Fatalf("dispute %q: cancel offered %v, want %v", c.dispute, !c.offered, c.offered)
		}
	}
	res, body := pc.Get(loc + "/cancel")
	if res.StatusCode != http.StatusOK || !strings.Contains(nbsp(body), "25,00 € tornano subito sul credito") {
		t.Fatalf("confirmation page: %d\n%s", res.StatusCode, body)
	}
	csrf := webtest.CSRFInForm.FindStringSubmatch(body)[1]

	other := webtest.SignedIn(t, srv.URL, bruno.Email, testPassword)
	if res, _ := other.Post(loc+"/cancel", url.Values{"csrf_token": {other.CSRF("/wallet")}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another citizen cancels: %d", res.StatusCode)
	}
	if res, _ := pc.Post(loc+"/cancel", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a post without the form's token: %d", res.StatusCode)
	}
	if got, _ := svc.Order(ctx, admin, o.ID); got.Status != ticketing.OrderPaid {
		t.Fatalf("refused cancellations changed the order: %+v", got)
	}
	for range 2 {
		if res, _ := pc.Post(loc+"/cancel", url.Values{"csrf_token": {csrf}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != loc {
			t.Fatalf("confirmed cancellation: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	}
	if got, _ := svc.Order(ctx, admin, o.ID); got.Status != ticketing.OrderRefunded {
		t.Fatalf("order after cancelling: %+v", got)
	}
	if a, _ := env.Deps.Wallet.Account(ctx, wallet.CitizenAccount(anna.ID)); a.Balance != 2500 {
		t.Fatalf("credit after cancelling one of two 25 € orders from 50 €: %d", a.Balance)
	}
	if _, body := pc.Get(loc); !strings.Contains(body, "Ordine rimborsato") {
		t.Fatal("the order page does not say it was refunded")
	}
}

// A cancellation refused because the deadline passed (pressed on a page
// older than it) names the deadline, as the API's message does, in the
// page's language and the city's zone (Rome: 14:33 of a deadline at 13:33
// UTC), where it said only that the time had passed.
func TestOrderPageSelfCancelClosedNamesDeadline(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withTicketing)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	// The service's clock is the days before the performance, then the
	// hour after the deadline, before the server serves.
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	svc.SetClock(func() time.Time { return now })
	v := stallsVenue(t, svc)
	hours := 24
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Natale in casa Cupiello",
		StartsAt: time.Date(2026, 12, 7, 13, 33, 0, 0, time.UTC), Prices: map[string]int64{"stalls": 2500}, SelfCancelHours: &hours})
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	annaC := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	cardTopUp(t, env, anna.ID, 2500, "pi_seed_cancel_closed")
	o, err := svc.Hold(ctx, annaC, p.ID, []string{"Platea/A/1"})
	if err == nil {
		o, err = svc.PayWithWallet(ctx, annaC, o.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 12, 6, 14, 33, 0, 0, time.UTC)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()

	loc := "/theatre/orders/" + o.ID
	for lang, want := range map[string]string{
		"it": "Il termine per annullare i biglietti di questo spettacolo è passato: si potevano annullare fino al 6 dicembre 2026, 14:33.",
		"en": "The time to cancel tickets for this performance has passed: they could be cancelled until 6 December 2026, 14:33.",
	} {
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		chooseLanguage(t, pc, lang, "/wallet")
		res, body := pc.Post(loc+"/cancel", url.Values{"csrf_token": {pc.CSRF("/wallet")}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, `data-testid="order-error">`+want) {
			t.Fatalf("cancelling after the deadline, in %s: %d, want %q:\n%s", lang, res.StatusCode, want, body)
		}
	}
	if got, _ := svc.Order(ctx, admin, o.ID); got.Status != ticketing.OrderPaid {
		t.Fatalf("a refused cancellation changed the order: %+v", got)
	}
}
