// TestCardThenChangeOfMind is a theatre-goer changing their mind after
// starting to pay by card, in a real headless Chromium on a real hub
// (SQLite, stripe-mock): back on the order page, which says the card
// payment is pending, they pay with credit instead and land on the paid
// order; on a second order they give the seats up and find the seat free
// again. Both times the PaymentIntent is canceled at Stripe first, and
// the pending page passes axe-core.

package citizenflows

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

func TestCardThenChangeOfMind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
	tix := ticketing.NewService(db.Ticketing(), keys, log)
	wal.RegisterItems("ticket", tix)
	// The hub's requests to Stripe pass through canceled, which notes the
	// PaymentIntents the hub cancels (stripe-mock keeps no state to ask).
	target, err := url.Parse(stripeMockURL())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var canceledIntents []string
	proxy := httputil.NewSingleHostReverseProxy(target)
	stripe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1/payment_intents/"), "/cancel"); ok && r.Method == "POST" {
			mu.Lock()
			canceledIntents = append(canceledIntents, id)
			mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	defer stripe.Close()
	canceled := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(canceledIntents)
	}
	pay, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_ordermind", WebhookSecret: webhookSecret, APIURL: stripe.URL}, log)
	if err != nil {
		t.Fatal(err)
	}
	tix.SetCardCanceler(pay.CancelIntent)
	cards := cardpay.NewService(db.CardPayments(), tix, log)

	p := smallTheatre(t, tix, "Sabato, domenica e lunedì")
	anna, err := ids.Register(ctx, identity.NewAccount{Email: "anna@example.org", Password: password, Name: "Anna Esposito", Locale: "it"})
	if err != nil {
		t.Fatal(err)
	}
	// 20 € of credit: short for a 25 € seat, so the order page offers the card.
	if _, err := wal.TestTopUp(ctx, anna.ID, 2000, "anna-ordermind-1"); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.New(web.Deps{
		Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal, Ticketing: tix,
		Payments: pay, CardPayments: cards, StripePublishableKey: "pk_test_ordermind", Answers: db.Answers(),
		TimeZone: tix.Zone(), QR: map[string]ui.QRSource{"ticket": tix},
	}))
	defer srv.Close()
	f := newFlow(t, srv.URL, "")
	// The hub talks to stripe-mock; the browser gets no Stripe.js.
	f.blockStripeJS()
	f.Login("anna@example.org")
	buyer := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}

	// startCard picks seat, lands on the order page (the credit is short),
	// starts the card payment and comes back to the order page: the order
	// and its PaymentIntent.
	startCard := func(seat string) (string, string) {
		t.Helper()
		if st := f.Open("/theatre/performances/" + p.ID); st != 200 {
			t.Fatalf("seat picker: %d", st)
		}
		f.Run(chromedp.Click(chromedp.CSS(`label.seat:has(input[value="` + seat + `"])`)))
		if st := f.Submit(chromedp.Click(chromedp.CSS(`form.seat-picker button[type=submit]`))); st != 200 {
			t.Fatalf("buy %s: %d", seat, st)
		}
		order := f.Path()
		if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="order-card"]`))); st != 200 {
			t.Fatalf("card page for %s: %d", seat, st)
		}
		intent := f.Attr(`[data-testid="card-pay"]`, "data-intent")
		if intent == "" {
			t.Fatalf("the card page for %s names no payment", seat)
		}
		if st := f.Open(order); st != 200 {
			t.Fatalf("order page: %d", st)
		}
		if f.Text(`[data-testid="order-pending"]`) == "" {
			t.Fatal("the order page does not say the card payment is pending")
		}
		return order, intent
	}
	orderOf := func(path string) ticketing.Order {
		t.Helper()
		o, err := tix.Order(ctx, buyer, path[len("/theatre/orders/"):])
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	credit := func() int64 {
		t.Helper()
		a, err := wal.Account(ctx, wallet.CitizenAccount(anna.ID))
		if err != nil {
			t.Fatal(err)
		}
		return a.Balance
	}

	// Card started, then a top-up elsewhere (another tab, say), then the
	// credit instead: the card payment is canceled and the seat paid once.
	first, firstIntent := startCard("Platea/A/2")
	if f.Text(`[data-testid="order-card-cancel-note"]`) == "" {
		t.Fatal("the pending order page does not say what a change of mind does to the card payment")
	}
	f.Check("order_card_pending")
	f.fits("order_card_pending")
	if _, err := wal.TestTopUp(ctx, anna.ID, 1000, "anna-ordermind-2"); err != nil {
		t.Fatal(err)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="order-credit-instead"]`))); st != 200 {
		t.Fatalf("credit instead: %d", st)
	}
	f.Run(chromedp.WaitVisible(chromedp.CSS(`[data-testid="order-paid"]`)))
	if f.Text(`[data-testid="order-number"]`) == "" {
		t.Fatal("the paid order page shows no order number")
	}
	f.Check("order_paid_after_card")
	if o := orderOf(first); o.Status != ticketing.OrderPaid || o.Method != ticketing.PayWallet || o.PaymentIntentID != "" {
		t.Fatalf("the first order after paying with credit: %+v", o)
	}
	if got := canceled(); !slices.Equal(got, []string{firstIntent}) {
		t.Fatalf("PaymentIntents canceled at Stripe: %v, want [%s]", got, firstIntent)
	}
	if got := credit(); got != 3000-2500 {
		t.Fatalf("credit %d after paying 25 € of 30 €, want 500", got)
	}
	if ts, err := tix.MyTickets(ctx, buyer); err != nil || len(ts) != 1 || ts[0].SeatID != "Platea/A/2" {
		t.Fatalf("tickets after paying with credit: %+v %v, want one for Platea/A/2", ts, err)
	}

	// Card started, then the seats given up: back on the seat picker, the
	// seat is free again and nothing was charged.
	second, secondIntent := startCard("Platea/A/4")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="order-release"]`))); st != 200 {
		t.Fatalf("give the seats up: %d", st)
	}
	if got := f.Path(); got != "/theatre/performances/"+p.ID {
		t.Fatalf("after giving the seats up the browser is at %s", got)
	}
	var taken bool
	f.Eval(`document.querySelector('input[value="Platea/A/4"]').disabled`, &taken)
	if taken {
		t.Fatal("the seat given up cannot be chosen again")
	}
	if o := orderOf(second); o.Status != ticketing.OrderCancelled || o.PaymentIntentID != "" {
		t.Fatalf("the second order after giving it up: %+v", o)
	}
	if got := canceled(); !slices.Equal(got, []string{firstIntent, secondIntent}) {
		t.Fatalf("PaymentIntents canceled at Stripe: %v, want [%s %s]", got, firstIntent, secondIntent)
	}
	if got := credit(); got != 500 {
		t.Fatalf("credit %d after giving the seats up, want 500 untouched", got)
	}
}
