package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

var (
	topUpKeyRE  = regexp.MustCompile(`name="key" value="([^"]+)"`)
	cardIntent  = regexp.MustCompile(`data-intent="(pi_[A-Za-z0-9_]+)"`)
	amountError = regexp.MustCompile(`(?s)<input class="form-control is-invalid" type="text" id="topup-amount" name="amount" value="([^"]*)".*?aria-invalid="true">.*?<p class="invalid-feedback field-error" id="topup-amount-error" data-field-error="amount">([^<]+)</p>`)
)

// withPublishableKey lets the pages offer the card (Stripe.js needs it).
func withPublishableKey(env *testEnv, d *Deps) { d.StripePublishableKey = "pk_test_cityhub" }

// nbsp reads a page's non-breaking spaces (between amount and €) as spaces.
func nbsp(s string) string { return strings.ReplaceAll(s, "\u00a0", " ") }

func myTopUps(t *testing.T, env *testEnv, accountID string) []cardpay.TopUp {
	t.Helper()
	ps, err := env.Deps.CardPayments.MyTopUps(context.Background(), identity.Caller{AccountID: accountID,
		Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// The top-up form refuses amounts outside the wallet's bounds and what is
// not an amount, next to the field with the typed value kept, and creates
// nothing; a post without the CSRF token is refused too. A form sent twice
// (a double press) starts one payment; Stripe's webhook, delivered twice
// and out of order, credits it once, and the wallet shows it credited.
func TestTopUpPageBoundsOnePaymentCreditedOnce(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { testTopUpPage(t, engine) })
	}
}

func testTopUpPage(t *testing.T, engine string) {
	_, env := newTestServer(t, engine, withWallet(false), withStripe, withPublishableKey)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	if _, body := pc.Get("/wallet"); !strings.Contains(body, `href="/wallet/topup"`) {
		t.Fatal("the wallet has no top-up button")
	}
	res, body := pc.Get("/wallet/topup")
	body = nbsp(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `value="2000" checked`) || !strings.Contains(body, "Da 1,00 € a 500,00 €") {
		t.Fatalf("top-up page: %d\n%s", res.StatusCode, body)
	}
	csrf := webtest.CSRFInForm.FindStringSubmatch(body)[1]
	key := topUpKeyRE.FindStringSubmatch(body)[1]

	for _, c := range []struct{ typed, says string }{
		{"0,50", "Scegli un importo tra 1,00 € e 500,00 €."},
		{"500,01", "Scegli un importo tra 1,00 € e 500,00 €."},
		{"dieci", "Scrivi un importo in euro"},
		{"12,5055", "al massimo due decimali"},
		{"-5", "non può essere negativo"},
		{"1.000", "scrivi le migliaia senza separatore (1000)"},
		{"12,505", "I centesimi hanno al massimo due cifre"},
		{"", "Scegli un importo o scrivine uno."},
	} {
		res, body := pc.Post("/wallet/topup", url.Values{"csrf_token": {csrf}, "key": {key}, "preset": {"other"}, "amount": {c.typed}})
		m := amountError.FindStringSubmatch(nbsp(body))
		if res.StatusCode != http.StatusBadRequest || m == nil || m[1] != strings.ReplaceAll(c.typed, "&", "&amp;") || !strings.Contains(m[2], c.says) {
			t.Errorf("amount %q: %d, field %q", c.typed, res.StatusCode, m)
		}
	}
	if res, _ := pc.Post("/wallet/topup", url.Values{"key": {key}, "preset": {"2000"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF: %d", res.StatusCode)
	}
	if ps := myTopUps(t, env, anna.ID); len(ps) != 0 {
		t.Fatalf("refused forms created payments: %+v", ps)
	}

	// A double press: the same form twice, one PaymentIntent, one payment.
	form := url.Values{"csrf_token": {csrf}, "key": {key}, "preset": {"other"}, "amount": {"12,50"}, "return": {"/wallet"}}
	res, first := pc.Post("/wallet/topup", form)
	if res.StatusCode != http.StatusOK || cardIntent.FindStringSubmatch(first) == nil {
		t.Fatalf("card page: %d\n%s", res.StatusCode, first)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "https://js.stripe.com") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("card page CSP %q", csp)
	}
	intent := cardIntent.FindStringSubmatch(first)[1]
	_, second := pc.Post("/wallet/topup", form)
	if m := cardIntent.FindStringSubmatch(second); m == nil || m[1] != intent {
		t.Fatalf("the second press started another payment: %v", m)
	}
	ps := myTopUps(t, env, anna.ID)
	if len(ps) != 1 || ps[0].ID != intent || ps[0].AmountCents != 1250 || ps[0].State != cardpay.TopUpPending {
		t.Fatalf("payments after a double press: %+v", ps)
	}
	// The same form with another amount (the person went back and changed
	// it) is shown again with a fresh key, nothing started.
	changed := url.Values{"csrf_token": {csrf}, "key": {key}, "preset": {"5000"}}
	if res, body := pc.Post("/wallet/topup", changed); res.StatusCode != http.StatusConflict || !strings.Contains(body, "già stato inviato con un altro importo") ||
		strings.Contains(body, `name="key" value="`+key+`"`) {
		t.Errorf("same key, other amount: %d", res.StatusCode)
	}
	if _, body := pc.Get("/wallet"); !strings.Contains(body, `data-state="pending"`) || !strings.Contains(body, "data-payment-watch") {
		t.Fatal("the wallet does not show the top-up pending")
	}

	// A declined attempt shows as such, and the page keeps watching: the
	// next attempt may go through.
	meta := map[string]string{"cityhub_purpose": "wallet_topup", "account_id": anna.ID}
	if st, b := deliverStripe(t, srv, paymentEvent("evt_page_0", "payment_intent.payment_failed", intent, 1250, "eur", meta), testWebhookSecret); st != http.StatusOK {
		t.Fatalf("payment_failed webhook: %d %s", st, b)
	}
	if _, body := pc.Get("/wallet"); !strings.Contains(body, `data-state="failed"`) || !strings.Contains(body, "Pagamento rifiutato") ||
		!strings.Contains(body, "data-payment-watch") {
		t.Fatal("the wallet does not show the declined attempt")
	}
	// Then Stripe delivers two success events for it, the second first and again.
	for _, ev := range []string{"evt_page_2", "evt_page_1", "evt_page_2"} {
		if st, b := deliverStripe(t, srv, paymentEvent(ev, "payment_intent.succeeded", intent, 1250, "eur", meta), testWebhookSecret); st != http.StatusOK {
			t.Fatalf("webhook %s: %d %s", ev, st, b)
		}
	}
	if a, err := env.Deps.Wallet.Account(context.Background(), wallet.CitizenAccount(anna.ID)); err != nil || a.Balance != 1250 {
		t.Fatalf("balance after the webhooks: %+v %v", a, err)
	}
	_, body = pc.Get("/wallet")
	if !strings.Contains(body, `data-state="credited"`) || !strings.Contains(body, "Accreditata") || strings.Contains(body, "data-payment-watch") ||
		!strings.Contains(body, "12,50") {
		t.Fatal("the wallet does not show the top-up credited")
	}
}

// With test payments on (demo only) the same page credits without a card
// and says so; sent twice, it credits once.
func TestTopUpPageTestPayments(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true))
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	_, body := pc.Get("/wallet/topup?return=/privacy")
	if !strings.Contains(body, "MODALITÀ DIMOSTRATIVA") || !strings.Contains(body, "Ricarica di prova (senza carta)") {
		t.Fatalf("the page does not say it is a demo:\n%s", body)
	}
	form := url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]}, "key": {topUpKeyRE.FindStringSubmatch(body)[1]},
		"preset": {"1000"}, "return": {"/privacy"}}
	for range 2 {
		res, body := pc.Post("/wallet/topup", form)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Nessuna carta è stata addebitata") || !strings.Contains(body, `href="/privacy"`) {
			t.Fatalf("demo top-up: %d\n%s", res.StatusCode, body)
		}
	}
	if a, _ := env.Deps.Wallet.Account(context.Background(), wallet.CitizenAccount(anna.ID)); a.Balance != 1000 {
		t.Fatalf("balance %d after a demo top-up sent twice", a.Balance)
	}
	// A return path to another site is not followed.
	if _, body := pc.Get("/wallet/topup?return=//evil.example/x"); !strings.Contains(body, `name="return" value="/wallet"`) ||
		strings.Contains(body, `href="//evil.example`) {
		t.Fatal("the page would return to another site")
	}
	// Nor to an address that answers no GET, such as signing out's.
	if _, body := pc.Get("/wallet/topup?return=/logout"); !strings.Contains(body, `name="return" value="/wallet"`) {
		t.Fatal("the page would return to /logout, which answers POST only")
	}
}

// Seats that cost more than the credit: the hold is kept and the order page
// says until when, offers a top-up that comes back to it and the card;
// another citizen can neither see nor pay the order; the card payment,
// confirmed by the webhook, issues the ticket.
func TestOrderPageShortCreditPaysByCard(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withTicketing, withStripe, withPublishableKey)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	p := smallTheatre(t, svc, "Il berretto a sonagli", 2500)
	anna, _ := env.account(t, identity.RoleCitizen)
	bruno, _ := env.account(t, identity.RoleCitizen)
	cardTopUp(t, env, anna.ID, 2000, "pi_seed_anna")
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	_, body := pc.Get("/theatre/performances/" + p.ID)
	form := url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]}, "key": {topUpKeyRE.FindStringSubmatch(body)[1]},
		"seat": {"Platea/A/2"}}
	res, _ := pc.Post("/theatre/performances/"+p.ID+"/buy", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/theatre/orders/tord_") {
		t.Fatalf("buy with short credit: %d to %q", res.StatusCode, loc)
	}
	// A double press holds nothing more.
	if res, _ := pc.Post("/theatre/performances/"+p.ID+"/buy", form); res.Header.Get("Location") != loc {
		t.Fatalf("second press: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	orderID := strings.TrimPrefix(loc, "/theatre/orders/")
	res, body = pc.Get(loc)
	body = nbsp(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "I posti sono tenuti per te fino alle") ||
		!strings.Contains(body, "hai 20,00 €, l&#39;ordine costa 25,00 €") ||
		!strings.Contains(body, `href="/wallet/topup?need=500&amp;return=%2Ftheatre%2Forders%2F`+orderID+`"`) ||
		!strings.Contains(body, `data-testid="order-card"`) || strings.Contains(body, "Richiesta non valida") {
		t.Fatalf("order page: %d\n%s", res.StatusCode, body)
	}
	// The top-up page it leads to suggests the 5 € missing and returns here.
	if _, body := pc.Get("/wallet/topup?need=500&return=%2Ftheatre%2Forders%2F" + orderID); !strings.Contains(body, `value="5,00"`) ||
		!strings.Contains(body, `name="return" value="/theatre/orders/`+orderID+`"`) {
		t.Fatal("the top-up page does not suggest what is missing or forgets the order")
	}

	// Bruno can neither see Anna's order nor pay it.
	other := webtest.SignedIn(t, srv.URL, bruno.Email, testPassword)
	if res, _ := other.Get(loc); res.StatusCode != http.StatusNotFound {
		t.Errorf("another citizen's order page: %d", res.StatusCode)
	}
	otherCSRF := other.CSRF("/wallet")
	for _, method := range []string{"card", "wallet"} {
		if res, _ := other.Post(loc+"/pay", url.Values{"csrf_token": {otherCSRF}, "method": {method}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("another citizen pays by %s: %d", method, res.StatusCode)
		}
	}
	if res, _ := other.Post(loc+"/release", url.Values{"csrf_token": {otherCSRF}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("another citizen releases the hold: %d", res.StatusCode)
	}
	if o, _ := svc.Order(ctx, admin, orderID); o.Status != ticketing.OrderHeld || o.PaymentIntentID != "" {
		t.Fatalf("the order after another citizen's tries: %+v", o)
	}

	// Anna follows the top-up link and pays the 5 € missing by card; back
	// on the order page, it waits for Stripe, then offers the credit.
	_, body = pc.Get("/wallet/topup?need=500&return=" + url.QueryEscape(loc))
	res, body = pc.Post("/wallet/topup", url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]},
		"key": {topUpKeyRE.FindStringSubmatch(body)[1]}, "return": {loc}, "preset": {"other"}, "amount": {"5,00"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-return-url="`+testIssuer+loc+`"`) {
		t.Fatalf("top-up from the order: %d\n%s", res.StatusCode, body)
	}
	topUpIntent := cardIntent.FindStringSubmatch(body)[1]
	if _, body := pc.Get(loc); !strings.Contains(body, `data-testid="topup-pending"`) || !strings.Contains(body, "data-payment-watch") {
		t.Fatal("back from the top-up, the order page does not wait for it")
	}
	if st, b := deliverStripe(t, srv, paymentEvent("evt_order_topup", "payment_intent.succeeded", topUpIntent, 500, "eur", nil), testWebhookSecret); st != http.StatusOK {
		t.Fatalf("top-up webhook: %d %s", st, b)
	}
	if _, body := pc.Get(loc); strings.Contains(body, `data-testid="credit-short"`) || !strings.Contains(body, `data-testid="order-credit"`) ||
		strings.Contains(body, "data-payment-watch") {
		t.Fatal("with the top-up credited the order page does not offer the credit")
	}

	// Anna pays by card all the same, pressing twice: one PaymentIntent.
	csrf := pc.CSRF(loc)
	res, first := pc.Post(loc+"/pay", url.Values{"csrf_token": {csrf}, "method": {"card"}})
	m := cardIntent.FindStringSubmatch(first)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("card page: %d\n%s", res.StatusCode, first)
	}
	intent := m[1]
	if _, second := pc.Post(loc+"/pay", url.Values{"csrf_token": {csrf}, "method": {"card"}}); cardIntent.FindStringSubmatch(second)[1] != intent {
		t.Fatal("the second press started another card payment")
	}
	if _, body := pc.Get(loc); !strings.Contains(body, `data-testid="order-pending"`) || !strings.Contains(body, "data-payment-watch") {
		t.Fatal("the order page does not show the payment pending")
	}
	meta := map[string]string{"cityhub_purpose": "ticket_order", "order_id": orderID}
	for _, ev := range []string{"evt_order_1", "evt_order_1"} {
		if st, b := deliverStripe(t, srv, paymentEvent(ev, "payment_intent.succeeded", intent, 2500, "eur", meta), testWebhookSecret); st != http.StatusOK {
			t.Fatalf("webhook: %d %s", st, b)
		}
	}
	_, body = pc.Get(loc)
	if !strings.Contains(body, `data-testid="order-paid"`) || strings.Count(body, "data-ticket=") != 1 {
		t.Fatalf("order page after the webhook:\n%s", body)
	}
	if a, _ := env.Deps.Wallet.Account(ctx, wallet.CitizenAccount(anna.ID)); a.Balance != 2500 {
		t.Fatalf("the card payment touched the credit: %d", a.Balance)
	}
}

// A rider without credit for any bike at a station, and a refused unlock,
// are offered the top-up page, which suggests what is missing and comes
// back to the station; a hub with no way to pay says top-ups are off.
func TestBikeStationOffersTopUp(t *testing.T) {
	t.Parallel()
	var m *mobilitytest.Env
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		m = mobilitytest.New(t, env.DB, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 1, Docks: 4})
		d.Mobility, d.Wallet, d.TestPayments = m.Svc, m.Wallet, true
	})
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	st := m.Stations[0]
	rider, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, rider.Email, testPassword)
	link := regexp.MustCompile(`href="(/wallet/topup\?need=(\d+)&amp;return=%2Fbikes%2Fstations%2F` + regexp.QuoteMeta(st.ID) + `)"`)
	_, body := pc.Get("/bikes/stations/" + st.ID)
	l := link.FindStringSubmatch(body)
	if l == nil || l[2] == "0" {
		t.Fatalf("the station page does not lead to the top-up page:\n%s", body)
	}
	res, body := pc.Post("/bikes/unlock", url.Values{"csrf_token": {pc.CSRF("/bikes")}, "request_id": {"unl_test_topup"}, "station_id": {st.ID},
		"dock": {"1"}, "bike_id": {st.Bikes[0].ID}})
	if res.StatusCode != http.StatusPaymentRequired || !strings.Contains(body, `data-reason="insufficient_credit"`) || link.FindStringSubmatch(body) == nil {
		t.Fatalf("refused unlock: %d\n%s", res.StatusCode, body)
	}
	res, body = pc.Get(strings.ReplaceAll(l[1], "&amp;", "&"))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="return" value="/bikes/stations/`+st.ID+`"`) || !strings.Contains(body, `value="other" checked`) {
		t.Fatalf("top-up page from the station: %d\n%s", res.StatusCode, body)
	}

	_, off := newTestServer(t, "sqlite", withWallet(false))
	offSrv := httptest.NewServer(off.Server)
	defer offSrv.Close()
	a, _ := off.account(t, identity.RoleCitizen)
	opc := webtest.SignedIn(t, offSrv.URL, a.Email, testPassword)
	if res, body := opc.Get("/wallet/topup"); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "non si può ricaricare") {
		t.Errorf("top-up page with payments off: %d", res.StatusCode)
	}
	if _, body := opc.Get("/wallet"); strings.Contains(body, `href="/wallet/topup"`) {
		t.Error("the wallet offers a top-up the hub cannot take")
	}
}
