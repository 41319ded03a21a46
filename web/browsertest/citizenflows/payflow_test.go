// TestTopUpAndShortCreditByCard drives the money-in pages end to end in a real headless
// Chromium on a real hub (SQLite, identity, wallet, ticketing, card payments
// against stripe-mock): a citizen tops up by card, comes back to the wallet
// that shows the top-up pending, and Stripe's signed webhook, delivered
// twice and out of order, credits it once while the page watches; then,
// short of credit for a seat, the order page offers a top-up and the card,
// the card payment's webhook issues the ticket and it shows in the wallet;
// a payment the hub never started is kept for the administrator's payment
// events page. Stripe.js is blocked (there is no Stripe in the test): the card page says
// its form did not load, and the test plays Stripe's part with the webhook.
// Every page passes axe-core (WCAG 2.1 A/AA, no serious or critical
// violation) and fits a 390 px phone without sideways scrolling.

package citizenflows

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stripe/stripe-go/v76/webhook"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

// webhookSecret signs the events the test delivers as Stripe.
const webhookSecret = "whsec_payflow"

// smallTheatre is a venue of one row of six seats (Platea/A/1 to 6, at
// 25 €) and a performance of title there in three days, on sale.
func smallTheatre(t *testing.T, tix *ticketing.Service, title string) ticketing.Performance {
	t.Helper()
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := tix.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale Vittorio Emanuele", Address: "Corso Garibaldi, Benevento"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tix.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{
		{Name: "Platea", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 6, Category: "platea"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	p, err := tix.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: title,
		StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"platea": 2500}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stripeMockURL is the stripe-mock the hub's Stripe client talks to.
func stripeMockURL() string {
	if u := os.Getenv("CITYHUB_TEST_STRIPE_URL"); u != "" {
		return u
	}
	return "http://127.0.0.1:12111"
}

// blockStripeJS refuses Stripe.js to the page, as a blocked network would:
// there is no Stripe for the browser in these tests, and the card form
// says it did not load.
func (f *flow) blockStripeJS() {
	f.T.Helper()
	if _, err := chromedp.Call(f.Ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
		URLPatterns: []*network.BlockPattern{{URLPattern: "*://js.stripe.com/*", Block: true}}}); err != nil {
		f.T.Fatalf("block Stripe.js: %v", err)
	}
}

// fits fails when the page scrolls sideways on the phone.
func (f *flow) fits(name string) {
	f.T.Helper()
	var wide []int
	f.Eval(`[document.documentElement.scrollWidth, window.innerWidth]`, &wide)
	if len(wide) != 2 || wide[0] > wide[1] {
		f.T.Errorf("%s: %v px wide on a %d px phone", name, wide, pagetest.PhoneWidth)
	}
}

// waitFor polls a condition the page's own script makes true.
func (f *flow) waitFor(js string) {
	f.T.Helper()
	f.Run(chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(20*time.Second)))
}

// paymentSucceeded posts a payment_intent.succeeded event to the hub at
// hubURL as Stripe would, signed.
func paymentSucceeded(t *testing.T, hubURL string, eventID, intent string, amount int64) {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"id": eventID, "object": "event", "type": "payment_intent.succeeded", "api_version": "2023-10-16", "created": time.Now().Unix(),
		"livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": map[string]any{"id": intent, "object": "payment_intent", "amount": amount,
			"amount_received": amount, "currency": "eur", "status": "succeeded"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: webhookSecret})
	req, err := http.NewRequest("POST", hubURL+"/api/v1/stripe/webhook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", signed.Header)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if b, _ := io.ReadAll(res.Body); res.StatusCode != http.StatusOK {
		t.Fatalf("webhook %s: %d %s", eventID, res.StatusCode, b)
	}
}

func TestTopUpAndShortCreditByCard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
	tix := ticketing.NewService(db.Ticketing(), keys, log)
	wal.RegisterItems("ticket", tix)
	pay, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_payflow", WebhookSecret: webhookSecret, APIURL: stripeMockURL()}, log)
	if err != nil {
		t.Fatal(err)
	}
	cards := cardpay.NewService(db.CardPayments(), tix, log)

	admin := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	p := smallTheatre(t, tix, "Questi fantasmi!")
	if _, err := ids.Register(ctx, identity.NewAccount{Email: "anna@example.org", Password: password, Name: "Anna Esposito", Locale: "it"}); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.New(web.Deps{
		Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal, Ticketing: tix,
		Payments: pay, CardPayments: cards, StripePublishableKey: "pk_test_payflow", Answers: db.Answers(),
		TimeZone: tix.Zone(), QR: map[string]ui.QRSource{"ticket": tix},
	}))
	defer srv.Close()
	f := newFlow(t, srv.URL, "")
	// There is no Stripe here: Stripe.js is refused, and the test plays
	// Stripe's part with the webhook.
	f.blockStripeJS()

	// Top-up by card.
	f.Login("anna@example.org")
	if st := f.Open("/wallet"); st != 200 {
		t.Fatalf("wallet: %d", st)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="topup-link"]`))); st != 200 {
		t.Fatalf("top-up page: %d", st)
	}
	f.Check("pay_topup")
	f.fits("pay_topup")
	// An amount out of bounds comes back next to the field, as typed.
	if st := f.Submit(
		chromedp.Click(chromedp.CSS(`#preset-other`)),
		chromedp.SetValue(chromedp.CSS(`#topup-amount`), "600"),
		chromedp.Click(chromedp.CSS(`form.topup-form button[type=submit]`)),
	); st != http.StatusBadRequest {
		t.Fatalf("600 €: %d", st)
	}
	if got := f.Text(`#topup-amount-error`); got != "Scegli un importo tra 1,00\u00a0€ e 500,00\u00a0€." && got != "Scegli un importo tra 1,00 € e 500,00 €." {
		t.Errorf("field error %q", got)
	}
	if got := f.Attr(`#topup-amount`, "aria-invalid"); got != "true" {
		t.Errorf("the field is not marked invalid: %q", got)
	}
	f.Check("pay_topup_error")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS(`#topup-amount`), "20"),
		chromedp.Click(chromedp.CSS(`form.topup-form button[type=submit]`)),
	); st != 200 {
		t.Fatalf("card page: %d", st)
	}
	intent := f.Attr(`[data-testid="card-pay"]`, "data-intent")
	f.waitFor(`document.querySelector("[data-testid=card-pay]").getAttribute("data-card-state") === "unavailable"`)
	f.Check("pay_card")
	f.fits("pay_card")

	// Back from Stripe (as its return_url sends the browser): pending,
	// whatever the return URL says, until the webhook comes.
	if st := f.Open("/wallet?payment_intent=" + intent + "&redirect_status=succeeded"); st != 200 {
		t.Fatalf("return to the wallet: %d", st)
	}
	sel := fmt.Sprintf(`[data-topup=%q]`, intent)
	if got := f.Attr(sel, "data-state"); got != "pending" {
		t.Fatalf("top-up state on return: %q", got)
	}
	if got := f.Text(`[data-testid="balance"]`); got != "0,00\u00a0€" && got != "0,00 €" {
		t.Fatalf("balance before the webhook %q", got)
	}
	f.Check("pay_wallet_pending")
	f.fits("pay_wallet_pending")
	for _, ev := range []string{"evt_flow_2", "evt_flow_1", "evt_flow_2"} {
		paymentSucceeded(t, srv.URL, ev, intent, 2000)
	}
	// The page's script swaps the confirmed state in.
	f.waitFor(fmt.Sprintf(`document.querySelector(%q).getAttribute("data-state") === "credited"`, sel))
	if got := f.Text(`[data-testid="balance"]`); got != "20,00\u00a0€" && got != "20,00 €" {
		t.Fatalf("balance after the webhooks %q", got)
	}
	if a, err := wal.Account(ctx, wallet.CitizenAccount(f.accountID(ids))); err != nil || a.Balance != 2000 {
		t.Fatalf("credited %+v %v; want 20 € once", a, err)
	}
	f.Check("pay_wallet_credited")

	// A 25 € seat with 20 € of credit.
	if st := f.Open("/theatre/performances/" + p.ID); st != 200 {
		t.Fatalf("seat picker: %d", st)
	}
	f.Run(chromedp.Click(chromedp.CSS(`label.seat:has(input[value="Platea/A/3"])`)))
	if st := f.Submit(chromedp.Click(chromedp.CSS(`form.seat-picker button[type=submit]`))); st != 200 {
		t.Fatalf("buy: %d", st)
	}
	if f.Text(`[data-testid="credit-short"]`) == "" || f.Text(`[data-testid="hold-until"]`) == "" {
		t.Fatal("the order page does not say the credit is short and until when the seats are held")
	}
	order := f.Path()
	f.Check("pay_order")
	f.fits("pay_order")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="order-card"]`))); st != 200 {
		t.Fatalf("card page for the order: %d", st)
	}
	orderIntent := f.Attr(`[data-testid="card-pay"]`, "data-intent")
	if st := f.Open(order); st != 200 {
		t.Fatalf("order page: %d", st)
	}
	if f.Text(`[data-testid="order-pending"]`) == "" {
		t.Fatal("the order page does not show the card payment pending")
	}
	paymentSucceeded(t, srv.URL, "evt_flow_order", orderIntent, 2500)
	f.waitFor(`document.querySelector("[data-testid=order-paid]") !== null`)
	f.Check("pay_order_paid")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-testid="order-wallet"]`))); st != 200 {
		t.Fatalf("wallet: %d", st)
	}
	f.Run(chromedp.WaitVisible(chromedp.CSS(`.item-ticket figure.qr img.qr-image`)))
	if got := f.Text(`[data-testid="balance"]`); got != "20,00\u00a0€" && got != "20,00 €" {
		t.Fatalf("the card payment touched the credit: %q", got)
	}

	// A payment the hub never started is kept, not credited; the
	// administrator finds it, with its amount and a link to Stripe, on the
	// dashboard's payment events page.
	paymentSucceeded(t, srv.URL, "evt_flow_stranger", "pi_not_ours", 4200)
	if _, err := ids.CreateAccount(ctx, admin, identity.NewAccount{Email: "comune@example.org", Password: password, Name: "Comune", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleAdmin}}}); err != nil {
		t.Fatal(err)
	}
	f.Login("comune@example.org")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-panel="/admin/payments/events"] a`))); st != 200 {
		t.Fatalf("payment events page: %d", st)
	}
	if row := f.Text(`tr[data-event="evt_flow_stranger"]`); !strings.Contains(row, "42,00") || !strings.Contains(row, "pi_not_ours") {
		t.Fatalf("the kept event reads %q", row)
	}
	f.Check("pay_admin_events")
}

// accountID is the signed-in citizen's account.
func (f *flow) accountID(ids *identity.Service) string {
	f.T.Helper()
	a, err := ids.AccountByEmail(context.Background(), "anna@example.org")
	if err != nil {
		f.T.Fatal(err)
	}
	return a.ID
}
