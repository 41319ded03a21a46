package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// The seat picker: every seat is a labelled checkbox (taken ones disabled),
// the form posts with its CSRF token, credit pays, the ticket shows on the
// theatre page and in the wallet; a seat taken meanwhile is refused in the
// page's language, in the hall again with the buyer's other chosen seat
// still ticked (not held).
func TestSeatPickerBuysWithCredit(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {
		d.QR = map[string]ui.QRSource{"ticket": d.Ticketing}
	})
	ctx := context.Background()
	svc := env.Deps.Ticketing
	p := smallTheatre(t, svc, "Sei personaggi in cerca d'autore", 1800)
	anna, _ := env.account(t, identity.RoleCitizen)
	if _, err := env.Deps.Wallet.TestTopUp(ctx, anna.ID, 5000, "anna-topup-1"); err != nil {
		t.Fatal(err)
	}
	// Someone else holds seat 3.
	bruno := identity.Caller{AccountID: "acc_bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	if _, err := svc.Hold(ctx, bruno, p.ID, []string{"Platea/A/3"}); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	res, body := pc.Get("/theatre")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "/theatre/performances/"+p.ID) {
		t.Fatalf("programme: %d", res.StatusCode)
	}
	res, body = pc.Get("/theatre/performances/" + p.ID)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("seat picker: %d", res.StatusCode)
	}
	boxes := regexp.MustCompile(`<input type="checkbox" name="seat" value="([^"]+)"( disabled)?`).FindAllStringSubmatch(body, -1)
	if len(boxes) != 3 || boxes[0][2] != "" || boxes[2][2] != " disabled" {
		t.Fatalf("seat checkboxes %v", boxes)
	}
	if !strings.Contains(body, "Fila A, posto 1, Platea, 18,00") || !strings.Contains(body, "Fila A, posto 3, In acquisto") {
		t.Fatal("seats lack their spoken labels")
	}
	csrf := webtest.CSRFInForm.FindStringSubmatch(body)[1]

	// Without the CSRF token nothing is bought.
	if res, _ := pc.Post("/theatre/performances/"+p.ID+"/buy", url.Values{"seat": {"Platea/A/1"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", res.StatusCode)
	}
	// Seat 3 was taken: refused, and seat 1 is not kept either.
	res, body = pc.Post("/theatre/performances/"+p.ID+"/buy", url.Values{"csrf_token": {csrf}, "seat": {"Platea/A/1", "Platea/A/3"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Uno dei posti è appena stato preso") {
		t.Fatalf("taken seat: %d", res.StatusCode)
	}
	// The hall comes back as it is now, with the reason above it and the
	// other seat chosen still ticked, to pick again from there.
	if !strings.Contains(body, `data-testid="hold-problem"`) ||
		!regexp.MustCompile(`value="Platea/A/1" checked`).MatchString(body) ||
		!regexp.MustCompile(`value="Platea/A/3" disabled`).MatchString(body) ||
		regexp.MustCompile(`value="Platea/A/2"[^>]* checked`).MatchString(body) {
		t.Fatalf("the hall after a taken seat:\n%s", body)
	}
	res, _ = pc.Post("/theatre/performances/"+p.ID+"/buy", url.Values{"csrf_token": {csrf}, "seat": {"Platea/A/1", "Platea/A/2"}})
	page, err := svc.MyOrders(ctx, identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, "", ticketing.MaxOrderPage)
	orders := page.Orders
	if err != nil || len(orders) != 1 {
		t.Fatalf("Anna's orders: %+v, %v", orders, err)
	}
	if loc := "/theatre/orders/" + orders[0].ID; res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != loc {
		t.Fatalf("buy: %d to %s, want the order page %s", res.StatusCode, res.Header.Get("Location"), loc)
	}
	// The order page confirms the purchase with its number.
	if _, body = pc.Get("/theatre/orders/" + orders[0].ID); !strings.Contains(body, `data-testid="order-paid"`) ||
		!strings.Contains(body, `data-testid="order-number">`+orders[0].ID) {
		t.Fatalf("the order page after buying does not confirm it:\n%s", body)
	}
	// A "give up the seats" from a page older than the payment gives
	// nothing up, and says so on the order's page.
	res, body = pc.Post("/theatre/orders/"+orders[0].ID+"/release", url.Values{"csrf_token": {csrf}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `data-testid="order-error">Questo ordine è già pagato`) ||
		!strings.Contains(body, `data-testid="order-paid"`) {
		t.Fatalf("a stale release of the paid order: %d\n%s", res.StatusCode, body)
	}
	if o, err := svc.Order(ctx, identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, orders[0].ID); err != nil || o.Status != ticketing.OrderPaid {
		t.Fatalf("the order after a stale release: %+v, %v", o, err)
	}
	if _, body = pc.Get("/wallet"); !strings.Contains(body, "Sei personaggi") {
		t.Fatal("the wallet does not show the tickets")
	}
	_, body = pc.Get("/theatre")
	if strings.Count(body, `data-testid="ticket-status"`) != 2 {
		t.Fatal("the theatre page does not list the two tickets")
	}
	// Each ticket's card in the wallet shows a rotating QR code.
	tid := regexp.MustCompile(`data-ticket="(tkt_[a-z0-9]+)"`).FindStringSubmatch(body)
	// "Show the QR code", on the theatre page and the paid order's,
	// leads to the ticket's own card in the wallet.
	if !strings.Contains(body, `href="/wallet#ticket-`+tid[1]+`"`) {
		t.Fatalf("the theatre page does not link to the ticket's card:\n%s", body)
	}
	if _, order := pc.Get("/theatre/orders/" + orders[0].ID); !strings.Contains(order, `href="/wallet#ticket-`+tid[1]+`"`) {
		t.Fatalf("the paid order's page does not link to the ticket's card:\n%s", order)
	}
	if _, wallet := pc.Get("/wallet"); !strings.Contains(wallet, `id="ticket-`+tid[1]+`"`) {
		t.Fatalf("the wallet has no card with the ticket's anchor:\n%s", wallet)
	}
	res, _ = pc.Get("/wallet/items/ticket/" + tid[1] + "/qr.png")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || len(res.Header.Get("X-Typed-Code")) != 21 {
		t.Fatalf("ticket QR: %d %v", res.StatusCode, res.Header)
	}
	if a, _ := env.Deps.Wallet.Account(ctx, wallet.CitizenAccount(anna.ID)); a.Balance != 5000-3600 {
		t.Fatalf("credit after buying %d", a.Balance)
	}
}
