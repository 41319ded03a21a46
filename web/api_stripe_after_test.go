package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/api"
	"cityhub/web/webtest"
)

// What Stripe reports after a payment (issue 8, item 6): refunds made at
// Stripe, disputes, events about payments the hub did not create. Every
// event is built and signed here as Stripe does, delivered over real HTTP,
// and the ledger check runs after each scenario.

// chargeRefunded is a charge.refunded event: refunded is the charge's
// total refunded so far.
func chargeRefunded(eventID, chargeID, intentID string, captured, refunded int64) []byte {
	return stripeEvent(eventID, "charge.refunded", map[string]any{
		"id": chargeID, "object": "charge", "payment_intent": intentID, "amount": captured, "amount_captured": captured,
		"amount_refunded": refunded, "currency": "eur", "paid": true, "captured": true, "refunded": refunded >= captured, "status": "succeeded",
	})
}

// disputeEvent is a charge.dispute.* event.
func disputeEvent(eventID, typ, disputeID, intentID string, amount int64, status string) []byte {
	return stripeEvent(eventID, typ, map[string]any{
		"id": disputeID, "object": "dispute", "charge": "ch_" + intentID, "payment_intent": intentID, "amount": amount,
		"currency": "eur", "status": status, "reason": "fraudulent",
	})
}

func stripeEvent(eventID, typ string, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": eventID, "object": "event", "type": typ, "api_version": "2023-10-16", "created": time.Now().Unix(),
		"livemode": false, "pending_webhooks": 1, "data": map[string]any{"object": object},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// deliver posts a signed event and decodes the hub's answer; anything but
// 200 fails the test.
func deliver(t testing.TB, hub *httptest.Server, ev []byte) api.WebhookAnswer {
	t.Helper()
	code, body := deliverStripe(t, hub, ev, testWebhookSecret)
	var a api.WebhookAnswer
	if code != http.StatusOK || json.Unmarshal(body, &a) != nil {
		t.Fatalf("delivery: %d %s", code, body)
	}
	return a
}

// stripeHub is a hub with card top-ups on stripe-mock, served over HTTP.
func stripeHub(t *testing.T, engine string) (*testEnv, *httptest.Server) {
	t.Helper()
	_, env := newTestServer(t, engine, withWallet(false), withStripe)
	hub := httptest.NewServer(env.Server)
	t.Cleanup(hub.Close)
	return env, hub
}

// paidTopUp starts a card top-up through the API (a PaymentIntent from
// stripe-mock) and delivers its payment_intent.succeeded.
func paidTopUp(t *testing.T, env *testEnv, hub *httptest.Server, acct identity.Account, auth string, cents int64, key string) string {
	t.Helper()
	rec := walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, fmt.Sprintf(`{"amount_cents":%d}`, cents), map[string]string{"Idempotency-Key": key})
	var tb topupBody
	decodeInto(t, mustStatus(t, rec, http.StatusCreated), &tb)
	a := deliver(t, hub, paymentEvent("evt_paid_"+key, "payment_intent.succeeded", tb.PaymentIntentID, cents, "eur",
		map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: acct.ID}))
	if !a.Handled || a.TransactionID == "" {
		t.Fatalf("top-up not credited: %+v", a)
	}
	return tb.PaymentIntentID
}

func balance(t testing.TB, env *testEnv, id wallet.AccountID) int64 {
	t.Helper()
	a, err := env.Deps.Wallet.Account(t.Context(), id)
	if err != nil {
		t.Fatalf("account %s: %v", id, err)
	}
	return a.Balance
}

// wantBalances checks balances and the whole ledger.
func wantBalances(t testing.TB, env *testEnv, want map[wallet.AccountID]int64) {
	t.Helper()
	for id, cents := range want {
		if got := balance(t, env, id); got != cents {
			t.Errorf("%s = %d, want %d", id, got, cents)
		}
	}
	if c := ledgerCheck(t, env); !c.OK() {
		t.Fatalf("ledger check %+v", c)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// A refund made at Stripe's dashboard takes the refunded part of a top-up
// back from the credit (charge.refunded was ignored before), by amount,
// once per refund, whatever the repeats and the order of delivery.
func TestStripeRefundOfTopUp(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, hub := stripeHub(t, engine)
			acct, auth := env.account(t, identity.RoleCitizen)
			citizen := wallet.CitizenAccount(acct.ID)
			pi := paidTopUp(t, env, hub, acct, auth, 2500, "refund-topup-1")

			first := chargeRefunded("evt_refund_1", "ch_1", pi, 2500, 700)
			a := deliver(t, hub, first)
			if !a.Handled || a.Replayed || a.TransactionID == "" {
				t.Fatalf("partial refund: %+v", a)
			}
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: 1800, wallet.StripeClearing: -1800})
			// The same event again, and an older report of the same total.
			if a := deliver(t, hub, first); !a.Replayed || a.TransactionID == "" {
				t.Fatalf("repeated refund event: %+v", a)
			}
			if a := deliver(t, hub, chargeRefunded("evt_refund_1b", "ch_1", pi, 2500, 700)); !a.Replayed {
				t.Fatalf("second report of the same refund: %+v", a)
			}
			// A second refund: the charge's total is now 1,000.
			deliver(t, hub, chargeRefunded("evt_refund_2", "ch_1", pi, 2500, 1000))
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: 1500, wallet.StripeClearing: -1500})
			// The older event of the first refund arriving late changes nothing.
			deliver(t, hub, chargeRefunded("evt_refund_0", "ch_1", pi, 2500, 700))
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: 1500, wallet.StripeClearing: -1500})

			// Refund before succeeded: the refund event brings the payment
			// in first; the late succeeded replays.
			rec := walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, `{"amount_cents":1000}`, map[string]string{"Idempotency-Key": "refund-topup-2"})
			var tb topupBody
			decodeInto(t, mustStatus(t, rec, http.StatusCreated), &tb)
			deliver(t, hub, chargeRefunded("evt_refund_early", "ch_2", tb.PaymentIntentID, 1000, 400))
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: 2100, wallet.StripeClearing: -2100})
			if a := deliver(t, hub, paymentEvent("evt_paid_late", "payment_intent.succeeded", tb.PaymentIntentID, 1000, "eur", nil)); !a.Replayed {
				t.Fatalf("late succeeded after the refund: %+v", a)
			}
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: 2100, wallet.StripeClearing: -2100})

			// Credit already spent: the refund takes what is left, never
			// below zero; the rest is the city's loss.
			if _, err := env.Deps.Wallet.Post(t.Context(), wallet.Transaction{Key: "spend-" + acct.ID, Kind: "test.spend",
				Entries: []wallet.Entry{{Account: citizen, Amount: -2000}, {Account: wallet.RevenueTheatre, Amount: 2000}}}); err != nil {
				t.Fatal(err)
			}
			deliver(t, hub, chargeRefunded("evt_refund_3", "ch_2", tb.PaymentIntentID, 1000, 1000))
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: 0, wallet.StripeClearing: -1500, wallet.CityFunding: -500})
		})
	}
}

// A dispute on a top-up holds the disputed amount in stripe:disputes; a
// spent credit goes below zero only by the disputed_topup rule, down to
// minus the disputed amount. Won gives the credit back; lost leaves it
// with the cardholder.
func TestStripeDisputeOfTopUp(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, hub := stripeHub(t, engine)
			acct, auth := env.account(t, identity.RoleCitizen)
			citizen := wallet.CitizenAccount(acct.ID)
			won := paidTopUp(t, env, hub, acct, auth, 3000, "dispute-topup-1")
			lost := paidTopUp(t, env, hub, acct, auth, 2000, "dispute-topup-2")
			// The citizen spends 4,500 of 5,000.
			if _, err := env.Deps.Wallet.Post(t.Context(), wallet.Transaction{Key: "spend-" + acct.ID, Kind: "test.spend",
				Entries: []wallet.Entry{{Account: citizen, Amount: -4500}, {Account: wallet.RevenueTheatre, Amount: 4500}}}); err != nil {
				t.Fatal(err)
			}

			// Won: 500 left, 3,000 disputed: credit -2,500, under the rule.
			a := deliver(t, hub, disputeEvent("evt_du1_created", "charge.dispute.created", "du_1", won, 3000, "needs_response"))
			if !a.Handled || a.TransactionID == "" {
				t.Fatalf("dispute created: %+v", a)
			}
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: -2500, wallet.StripeDisputes: 3000})
			// The citizen sees which top-up is disputed, on the wallet page
			// and in the API; before, it stayed "credited".
			pc := webtest.SignedIn(t, hub.URL, acct.Email, testPassword)
			wantTopUpStates(t, env, pc, auth, map[string]string{won: cardpay.TopUpDisputed, lost: cardpay.TopUpCredited})
			hold, err := env.Deps.Wallet.History(t.Context(), citizen, "", 1)
			if err != nil || len(hold.Lines) != 1 || hold.Lines[0].Kind != cardpay.KindTopUpDisputeHold {
				t.Fatalf("history after the hold: %+v %v", hold, err)
			}
			if _, err := env.Deps.Wallet.Post(t.Context(), wallet.Transaction{Key: "spend-more-" + acct.ID, Kind: "test.spend",
				Entries: []wallet.Entry{{Account: citizen, Amount: -1}, {Account: wallet.RevenueTheatre, Amount: 1}}}); err == nil {
				t.Fatal("a disputed, negative credit was spent")
			}
			deliver(t, hub, disputeEvent("evt_du1_withdrawn", "charge.dispute.funds_withdrawn", "du_1", won, 3000, "needs_response"))
			deliver(t, hub, disputeEvent("evt_du1_closed", "charge.dispute.closed", "du_1", won, 3000, "won"))
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: 500, wallet.StripeDisputes: 0, wallet.StripeClearing: -5000})
			wantTopUpStates(t, env, pc, auth, map[string]string{won: cardpay.TopUpCredited, lost: cardpay.TopUpCredited})

			// Lost, delivered out of order: closed before created. The credit
			// (500) may fall to -2,000 (the disputed amount), and stays there.
			deliver(t, hub, disputeEvent("evt_du2_closed", "charge.dispute.closed", "du_2", lost, 2000, "lost"))
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: -1500, wallet.StripeDisputes: 0, wallet.StripeClearing: -3000})
			if a := deliver(t, hub, disputeEvent("evt_du2_created", "charge.dispute.created", "du_2", lost, 2000, "needs_response")); !a.Replayed {
				t.Fatalf("a late dispute.created after the close: %+v", a)
			}
			wantBalances(t, env, map[wallet.AccountID]int64{citizen: -1500, wallet.StripeDisputes: 0, wallet.StripeClearing: -3000})
			wantTopUpStates(t, env, pc, auth, map[string]string{won: cardpay.TopUpCredited, lost: cardpay.TopUpDisputeLost})
		})
	}
}

// topUpRow is a top-up on the wallet page: its PaymentIntent, state and label.
var topUpRow = regexp.MustCompile(`(?s)data-topup="([^"]+)" data-state="([^"]+)">.*?<span class="badge topup-badge-[a-z_]+">([^<]+)</span>`)

// topUpLabels are the wallet page's (Italian) words for each state.
var topUpLabels = map[string]string{
	cardpay.TopUpCredited:    "Accreditata",
	cardpay.TopUpDisputed:    "Contestata",
	cardpay.TopUpDisputeLost: "Contestazione persa",
}

// wantTopUpStates checks the state of each top-up (by PaymentIntent) in
// GET /api/v1/wallet/topups and on the wallet page, with its label.
func wantTopUpStates(t *testing.T, env *testEnv, pc *webtest.PageClient, auth string, want map[string]string) {
	t.Helper()
	var list api.TopUpsView
	decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/wallet/topups", auth, ""), http.StatusOK), &list)
	got := map[string]string{}
	for _, tu := range list.TopUps {
		got[tu.ID] = tu.State
	}
	res, body := pc.Get("/wallet")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("wallet page: %d", res.StatusCode)
	}
	shown, labels := map[string]string{}, map[string]string{}
	for _, m := range topUpRow.FindAllStringSubmatch(body, -1) {
		shown[m[1]], labels[m[1]] = m[2], m[3]
	}
	for pi, state := range want {
		if got[pi] != state || shown[pi] != state || labels[pi] != topUpLabels[state] {
			t.Errorf("top-up %s: API %q, page %q (%q), want %q (%q)", pi, got[pi], shown[pi], labels[pi], state, topUpLabels[state])
		}
	}
	disputed := slices.Contains(slices.Collect(maps.Values(want)), cardpay.TopUpDisputed)
	if noted := strings.Contains(body, `data-testid="topup-disputed-note"`); noted != disputed {
		t.Errorf("the note on a disputed top-up shown: %v, want %v", noted, disputed)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// The same dispute.created delivered 16 times at once holds once.
func TestStripeDisputeDeliveredConcurrently(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, hub := stripeHub(t, engine)
			acct, auth := env.account(t, identity.RoleCitizen)
			pi := paidTopUp(t, env, hub, acct, auth, 1500, "race-topup-1")
			ev := disputeEvent("evt_race", "charge.dispute.created", "du_race", pi, 1500, "needs_response")
			refund := chargeRefunded("evt_race_refund", "ch_race", pi, 1500, 300)
			var wg sync.WaitGroup
			answers := make([]api.WebhookAnswer, 16)
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = deliver(t, hub, ev)
				}()
			}
			// A refund of the same payment races the dispute; both apply once.
			wg.Add(1)
			go func() { defer wg.Done(); deliver(t, hub, refund) }()
			wg.Wait()
			applied := 0
			for _, a := range answers {
				if !a.Handled || a.TransactionID != answers[0].TransactionID {
					t.Fatalf("answers differ: %+v", answers)
				}
				if !a.Replayed {
					applied++
				}
			}
			if applied != 1 {
				t.Fatalf("%d of 16 deliveries applied the dispute", applied)
			}
			// Refund first: 300 back from the credit, then 1,200 held (what
			// is left of the payment). Dispute first: 1,500 held, then the
			// refund finds no credit and is the city's. Never both, never twice.
			c, d := balance(t, env, wallet.CitizenAccount(acct.ID)), balance(t, env, wallet.StripeDisputes)
			if c != 0 || (d != 1200 && d != 1500) {
				t.Fatalf("after the race: credit %d, disputes %d", c, d)
			}
			wantBalances(t, env, nil)
		})
	}
}

// Events about payments the hub did not create are kept for an
// administrator and never credited; before, a succeeded event with a
// top-up's metadata credited whatever account it named.
func TestStripeUnmatchedEvents(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, hub := stripeHub(t, engine)
			acct, _ := env.account(t, identity.RoleCitizen)
			admin := env.login(t, identity.RoleAdmin)
			for _, ev := range [][]byte{
				paymentEvent("evt_stranger_1", "payment_intent.succeeded", "pi_made_in_the_dashboard", 5000, "eur",
					map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: acct.ID}),
				chargeRefunded("evt_stranger_2", "ch_x", "pi_made_in_the_dashboard", 5000, 5000),
				disputeEvent("evt_stranger_3", "charge.dispute.created", "du_x", "pi_made_in_the_dashboard", 5000, "needs_response"),
			} {
				for range 2 {
					a := deliver(t, hub, ev)
					if a.Handled || a.Attention != cardpay.AttentionUnmatched || a.TransactionID != "" {
						t.Fatalf("unmatched event answered %+v", a)
					}
				}
			}
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.StripeClearing: 0, wallet.StripeDisputes: 0})
			if _, err := env.Deps.Wallet.Account(t.Context(), wallet.CitizenAccount(acct.ID)); err == nil && balance(t, env, wallet.CitizenAccount(acct.ID)) != 0 {
				t.Fatal("an unmatched payment was credited")
			}
			var list struct{ Events []cardpay.Record }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/payments/events", admin, ""), http.StatusOK), &list)
			if len(list.Events) != 3 {
				t.Fatalf("%d events kept for the operator, want 3: %+v", len(list.Events), list.Events)
			}
			for _, e := range list.Events {
				if e.Attention != cardpay.AttentionUnmatched || e.PaymentIntentID != "pi_made_in_the_dashboard" || e.Outcome != cardpay.OutcomeAttention {
					t.Fatalf("kept event %+v", e)
				}
			}
			wantProblem(t, env.do(t, "GET", "/api/v1/admin/payments/events", env.login(t, identity.RoleCitizen), ""), http.StatusForbidden)
			// A page at a time, with the count of them all.
			var page struct {
				Events     []cardpay.Record
				Total      int
				NextCursor string `json:"next_cursor"`
			}
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/payments/events?limit=2", admin, ""), http.StatusOK), &page)
			if len(page.Events) != 2 || page.Total != 3 || page.NextCursor != page.Events[1].ID {
				t.Fatalf("first page of 2: %+v", page)
			}
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/payments/events?limit=2&cursor="+page.NextCursor, admin, ""), http.StatusOK), &page)
			if len(page.Events) != 1 || page.Total != 3 || page.NextCursor != "" || page.Events[0].ID != list.Events[2].ID {
				t.Fatalf("last page: %+v", page)
			}
			for _, q := range []string{"?limit=0", "?limit=201", "?cursor=evt_nobody"} {
				if p := wantProblem(t, env.do(t, "GET", "/api/v1/admin/payments/events"+q, admin, ""), http.StatusBadRequest); p.Reason != "bad_limit" && p.Reason != "bad_cursor" {
					t.Errorf("%s: %+v", q, p)
				}
			}

			// Ten minutes ahead (or behind) of the hub's clock is refused,
			// changes nothing, and is not recorded.
			for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
				ev := paymentEvent("evt_skewed", "payment_intent.succeeded", "pi_skewed", 100, "eur", nil)
				signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev, Secret: testWebhookSecret, Timestamp: time.Now().Add(skew)})
				req := httptest.NewRequest("POST", "/api/v1/stripe/webhook", strings.NewReader(string(ev)))
				req.Header.Set("Stripe-Signature", signed.Header)
				rec := httptest.NewRecorder()
				env.Server.ServeHTTP(rec, req)
				if p := wantProblem(t, rec, http.StatusBadRequest); !strings.Contains(rec.Body.String(), "webhook_timestamp") {
					t.Fatalf("skewed webhook: %+v %s", p, rec.Body.String())
				}
			}
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/payments/events", admin, ""), http.StatusOK), &list)
			if len(list.Events) != 3 {
				t.Fatalf("a refused delivery was recorded: %d events", len(list.Events))
			}
		})
	}
}

// cardSale holds seat of p for the citizen (acct, whose bearer is citizen)
// and pays it by card, Stripe's confirmation delivered to hub: the paid
// order and its PaymentIntent.
func cardSale(t *testing.T, env *testEnv, hub *httptest.Server, p ticketing.Performance, acct identity.Account, citizen, seat string) (ticketing.Order, string) {
	t.Helper()
	var o ticketing.Order
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["`+seat+`"]}`), http.StatusCreated), &o)
	var pay api.TicketPayment
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"card"}`), http.StatusAccepted), &pay)
	if a := deliver(t, hub, paymentEvent("evt_paid_"+o.ID, "payment_intent.succeeded", pay.PaymentIntentID, o.TotalCents, "eur",
		map[string]string{cardpay.StripePurposeKey: ticketing.StripePurpose, ticketing.StripeOrderKey: o.ID, cardpay.StripeAccountKey: acct.ID})); !a.Handled {
		t.Fatalf("ticket payment: %+v", a)
	}
	return o, pay.PaymentIntentID
}

// Ticket orders paid by card: the hub's own refund is recognised when
// Stripe reports it (never reversed twice); a refund made at Stripe refunds
// the order; a dispute marks the order, and a lost one voids its tickets
// without selling their seats again.
func TestStripeAfterTicketOrders(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, _, p, admin := ticketingEnv(t, engine)
			hub := httptest.NewServer(env.Server)
			defer hub.Close()
			acct, citizen := env.account(t, identity.RoleCitizen)
			buy := func(seat string) (ticketing.Order, string) {
				t.Helper()
				return cardSale(t, env, hub, p, acct, citizen, seat)
			}
			order := func(id string) ticketing.Order {
				t.Helper()
				var o ticketing.Order
				decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+id, admin, ""), http.StatusOK), &o)
				return o
			}
			free := func() int {
				t.Helper()
				var av ticketing.Availability
				decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/performances/"+p.ID+"/seats", "", ""), http.StatusOK), &av)
				return av.Free
			}
			own, ownPI := buy("Platea/A/1")
			outside, outPI := buy("Platea/A/2")
			disputed, duPI := buy("Platea/B/1")
			sold := own.TotalCents + outside.TotalCents + disputed.TotalCents
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: sold, wallet.StripeClearing: -sold})
			sold -= own.TotalCents

			// The hub's own refund, then Stripe's report of it: already accounted.
			mustStatus(t, env.do(t, "POST", "/api/v1/admin/ticket-orders/"+own.ID+"/refund", admin, ""), http.StatusOK)
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: sold, wallet.StripeClearing: -sold})
			if a := deliver(t, hub, chargeRefunded("evt_own_refund", "ch_own", ownPI, own.TotalCents, own.TotalCents)); !a.Handled || a.TransactionID != "" {
				t.Fatalf("the hub's own refund reported by Stripe: %+v", a)
			}
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: sold, wallet.StripeClearing: -sold})
			sold -= outside.TotalCents

			// A refund made at Stripe, in two parts: the order keeps its
			// ticket after the first, is refunded after the second; no card
			// refund is owed by the hub and an admin refund changes nothing.
			deliver(t, hub, chargeRefunded("evt_out_1", "ch_out", outPI, outside.TotalCents, 1000))
			if o := order(outside.ID); o.Status != ticketing.OrderPaid || o.CardRefundedCents != 1000 {
				t.Fatalf("after a partial refund at Stripe: %+v", o)
			}
			deliver(t, hub, chargeRefunded("evt_out_2", "ch_out", outPI, outside.TotalCents, outside.TotalCents))
			if o := order(outside.ID); o.Status != ticketing.OrderRefunded || o.CardRefundedCents != outside.TotalCents {
				t.Fatalf("after the full refund at Stripe: %+v", o)
			}
			mustStatus(t, env.do(t, "POST", "/api/v1/admin/ticket-orders/"+outside.ID+"/refund", admin, ""), http.StatusOK)
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: sold, wallet.StripeClearing: -sold})
			refunds, err := env.Deps.Ticketing.CardRefunds(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range refunds {
				if r.OrderID == outside.ID && r.State != ticketing.RefundDone {
					t.Fatalf("the hub still owes a refund made at Stripe: %+v", r)
				}
			}

			// A dispute, lost: the order is marked, its ticket void, its
			// seat not sold again.
			seatsFree := free()
			deliver(t, hub, disputeEvent("evt_tdu_created", "charge.dispute.created", "du_ticket", duPI, disputed.TotalCents, "needs_response"))
			if o := order(disputed.ID); o.Dispute != ticketing.DisputeOpen || o.Status != ticketing.OrderPaid {
				t.Fatalf("disputed order %+v", o)
			}
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: 0, wallet.StripeDisputes: disputed.TotalCents})
			deliver(t, hub, disputeEvent("evt_tdu_closed", "charge.dispute.closed", "du_ticket", duPI, disputed.TotalCents, "lost"))
			if o := order(disputed.ID); o.Dispute != ticketing.DisputeLost {
				t.Fatalf("order after the lost dispute %+v", o)
			}
			var mine struct{ Tickets []ticketing.TicketView }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/tickets", citizen, ""), http.StatusOK), &mine)
			for _, tk := range mine.Tickets {
				if tk.OrderID == disputed.ID && tk.Status != ticketing.TicketCancelled {
					t.Fatalf("ticket of a lost dispute is %s", tk.Status)
				}
			}
			if free() != seatsFree {
				t.Fatalf("the seat of a lost dispute went back on sale")
			}
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: 0, wallet.StripeDisputes: 0, wallet.StripeClearing: 0})
		})
	}
}

// A disputed card payment is not refunded by the hub: while the dispute is
// open the money is held for it (and Stripe refunds no charged-back
// payment), and once it is lost the cardholder has it back already. An
// administrator's refund is refused (409 order_disputed) and moves
// nothing; a performance cancelled meanwhile voids the disputed order's
// tickets without refunding it. Once a dispute is won, the order refunds as
// any other, and is refunded then if its performance was cancelled.
// Before, the refund took the sale from the theatre's revenue a second
// time and owed the card a refund that could never be sent.
func TestDisputedOrderIsNotRefundedTwice(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, _, p, admin := ticketingEnv(t, engine)
			hub := httptest.NewServer(env.Server)
			defer hub.Close()
			acct, citizen := env.account(t, identity.RoleCitizen)
			buy := func(seat string) (ticketing.Order, string) {
				t.Helper()
				return cardSale(t, env, hub, p, acct, citizen, seat)
			}
			order := func(id string) ticketing.Order {
				t.Helper()
				var o ticketing.Order
				decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+id, admin, ""), http.StatusOK), &o)
				return o
			}
			owed := func(id string) bool {
				t.Helper()
				refunds, err := env.Deps.Ticketing.CardRefunds(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range refunds {
					if r.OrderID == id {
						return true
					}
				}
				return false
			}
			refused := func(o ticketing.Order) {
				t.Helper()
				rec := mustStatus(t, env.do(t, "POST", "/api/v1/admin/ticket-orders/"+o.ID+"/refund", admin, ""), http.StatusConflict)
				if !strings.Contains(rec.Body.String(), `"order_disputed"`) || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
					t.Fatalf("refund of a disputed order: %s %s", rec.Header().Get("Content-Type"), rec.Body)
				}
				if got := order(o.ID); got.Status != ticketing.OrderPaid || owed(o.ID) {
					t.Fatalf("a refused refund changed the order: %+v, card refund owed %v", got, owed(o.ID))
				}
			}
			open, openPI := buy("Platea/A/1")
			lost, lostPI := buy("Platea/A/2")
			won, wonPI := buy("Platea/B/1")
			sold := open.TotalCents + lost.TotalCents + won.TotalCents
			for _, d := range []struct {
				o  ticketing.Order
				pi string
			}{{open, openPI}, {lost, lostPI}, {won, wonPI}} {
				deliver(t, hub, disputeEvent("evt_"+d.o.ID+"_created", "charge.dispute.created", "du_"+d.o.ID, d.pi, d.o.TotalCents, "needs_response"))
			}
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: 0, wallet.StripeDisputes: sold, wallet.StripeClearing: -sold})

			// Open: refused, nothing moves.
			refused(open)
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: 0, wallet.StripeDisputes: sold, wallet.StripeClearing: -sold})

			// Lost: the cardholder has the money; refused, nothing moves.
			deliver(t, hub, disputeEvent("evt_lost_closed", "charge.dispute.closed", "du_"+lost.ID, lostPI, lost.TotalCents, "lost"))
			refused(lost)
			inDispute := open.TotalCents + won.TotalCents
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: 0, wallet.StripeDisputes: inDispute, wallet.StripeClearing: -inDispute})

			// Won: the money is the theatre's again, and refunds as any sale.
			deliver(t, hub, disputeEvent("evt_won_closed", "charge.dispute.closed", "du_"+won.ID, wonPI, won.TotalCents, "won"))
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: won.TotalCents, wallet.StripeDisputes: open.TotalCents})
			mustStatus(t, env.do(t, "POST", "/api/v1/admin/ticket-orders/"+won.ID+"/refund", admin, ""), http.StatusOK)
			if o := order(won.ID); o.Status != ticketing.OrderRefunded || !owed(won.ID) {
				t.Fatalf("refund after a won dispute: %+v, card refund owed %v", o, owed(won.ID))
			}
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: 0, wallet.StripeDisputes: open.TotalCents, wallet.StripeClearing: -open.TotalCents})

			// The performance cancelled: the disputed orders' tickets are
			// void, and neither is refunded.
			mustStatus(t, env.do(t, "POST", "/api/v1/admin/performances/"+p.ID+"/cancel", admin, ""), http.StatusOK)
			for _, o := range []ticketing.Order{open, lost} {
				if got := order(o.ID); got.Status != ticketing.OrderPaid || owed(o.ID) {
					t.Fatalf("a disputed order refunded when its performance was cancelled: %+v, card refund owed %v", got, owed(o.ID))
				}
			}
			if got := order(lost.ID); !strings.Contains(got.Note, "card dispute lost") || !strings.Contains(got.Note, "performance cancelled") {
				t.Fatalf("the lost dispute's order after the cancellation has the note %q", got.Note)
			}
			var mine struct{ Tickets []ticketing.TicketView }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/tickets", citizen, ""), http.StatusOK), &mine)
			for _, tk := range mine.Tickets {
				if tk.Status != ticketing.TicketCancelled {
					t.Fatalf("ticket %s of order %s is %s after the cancellation", tk.ID, tk.OrderID, tk.Status)
				}
			}
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: 0, wallet.StripeDisputes: open.TotalCents, wallet.StripeClearing: -open.TotalCents})

			// The open dispute won after the cancellation: the money is the
			// theatre's again, and goes back to the card as every other
			// order's of the cancelled performance did.
			deliver(t, hub, disputeEvent("evt_open_won", "charge.dispute.closed", "du_"+open.ID, openPI, open.TotalCents, "won"))
			if o := order(open.ID); o.Status != ticketing.OrderRefunded || !owed(open.ID) || !strings.Contains(o.Note, "refunded to the card") {
				t.Fatalf("an order of a cancelled performance whose dispute was won: %+v, card refund owed %v", o, owed(open.ID))
			}
			if o := order(lost.ID); o.Status != ticketing.OrderPaid || owed(lost.ID) {
				t.Fatalf("the lost dispute's order changed: %+v", o)
			}
			wantBalances(t, env, map[wallet.AccountID]int64{wallet.RevenueTheatre: 0, wallet.StripeDisputes: 0, wallet.StripeClearing: 0})
		})
	}
}

// The theatre's orders, the card payments and their disputes agree with
// theatre revenue, Stripe clearing and the disputes account through a card
// top-up, sales by credit and by card, a refund, a refund at Stripe and
// disputes open, won and lost, through the ledger check; an order marked
// paid behind the hub's back, a refund at Stripe recorded twice, a top-up
// refund recorded without its money and a dispute closed without moving
// its money are each found on the accounts they touch, where the ledger
// alone sees nothing (every posting still balances).
func TestReconcileTheatreAndDisputes(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			// Card top-ups go through Stripe here, so that a top-up can
			// be disputed too.
			env, _, p, admin := ticketingEnvPaying(t, engine, false)
			hub := httptest.NewServer(env.Server)
			defer hub.Close()
			acct, citizen := env.account(t, identity.RoleCitizen)
			registerReconcilers(env)
			check := func(when string) wallet.LedgerCheck {
				t.Helper()
				c, err := env.Deps.Wallet.Check(t.Context())
				if err != nil || !slices.Contains(c.Reconciled, "ticketing") || !slices.Contains(c.Reconciled, "cardpay") {
					t.Fatalf("%s: check %+v, %v", when, c, err)
				}
				return c
			}
			clean := func(when string) {
				t.Helper()
				if c := check(when); !c.OK() {
					t.Fatalf("%s: check %+v", when, c)
				}
			}
			found := func(when string, want ...wallet.Discrepancy) {
				t.Helper()
				c := check(when)
				got := slices.Clone(c.Discrepancies)
				slices.SortFunc(got, func(a, b wallet.Discrepancy) int { return strings.Compare(string(a.Account), string(b.Account)) })
				if c.OK() || !slices.Equal(got, want) {
					t.Fatalf("%s: ok %v, discrepancies %+v, want %+v", when, c.OK(), got, want)
				}
			}
			clean("nothing sold")

			topUpPI := paidTopUp(t, env, hub, acct, citizen, 5000, "reconcile-topup")
			var credit ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/1"]}`), http.StatusCreated), &credit)
			mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+credit.ID+"/pay", citizen, `{"method":"wallet"}`), http.StatusOK)
			refunded, _ := cardSale(t, env, hub, p, acct, citizen, "Platea/A/2")
			partly, partlyPI := cardSale(t, env, hub, p, acct, citizen, "Platea/B/1")
			open, openPI := cardSale(t, env, hub, p, acct, citizen, "Platea/B/2")
			won, wonPI := cardSale(t, env, hub, p, acct, citizen, "Platea/A/3")
			lost, lostPI := cardSale(t, env, hub, p, acct, citizen, "Platea/A/4")
			clean("sold by credit and by card")
			mustStatus(t, env.do(t, "POST", "/api/v1/admin/ticket-orders/"+refunded.ID+"/refund", admin, ""), http.StatusOK)
			deliver(t, hub, chargeRefunded("evt_partly", "ch_partly", partlyPI, partly.TotalCents, 500))
			for _, d := range []struct {
				o  ticketing.Order
				pi string
			}{{open, openPI}, {won, wonPI}, {lost, lostPI}} {
				deliver(t, hub, disputeEvent("evt_"+d.o.ID+"_created", "charge.dispute.created", "du_"+d.o.ID, d.pi, d.o.TotalCents, "needs_response"))
			}
			deliver(t, hub, disputeEvent("evt_won", "charge.dispute.closed", "du_"+won.ID, wonPI, won.TotalCents, "won"))
			deliver(t, hub, disputeEvent("evt_lost", "charge.dispute.closed", "du_"+lost.ID, lostPI, lost.TotalCents, "lost"))
			deliver(t, hub, disputeEvent("evt_topup_created", "charge.dispute.created", "du_topup", topUpPI, 1000, "needs_response"))
			clean("refunded, refunded at Stripe in part, disputed")

			revenue := balance(t, env, wallet.RevenueTheatre)
			disputes := balance(t, env, wallet.StripeDisputes)
			clearing := balance(t, env, wallet.StripeClearing)
			// In through clearing: the top-up and the five card sales; out:
			// the admin's refund, the refund at Stripe and the lost dispute.
			if want := -5000 - refunded.TotalCents - partly.TotalCents - open.TotalCents - won.TotalCents - lost.TotalCents +
				refunded.TotalCents + 500 + lost.TotalCents; clearing != want {
				t.Fatalf("clearing %d, want %d", clearing, want)
			}
			if want := credit.TotalCents + partly.TotalCents - 500 + won.TotalCents; revenue != want {
				t.Fatalf("theatre revenue %d, want %d", revenue, want)
			}
			if want := open.TotalCents + 1000; disputes != want {
				t.Fatalf("disputes %d, want %d", disputes, want)
			}

			// An order refunded marked paid again: its sale is missing from
			// the revenue it is counted in, and its card money from clearing.
			storetest.Behind(t, env.DB, "UPDATE ticket_orders SET status = 'paid' WHERE id = '"+refunded.ID+"'")
			found("a refunded order marked paid", wallet.Discrepancy{Source: "ticketing", Account: wallet.RevenueTheatre,
				Balance: revenue, Expected: revenue + refunded.TotalCents, Basis: "sold_less_disputed"},
				wallet.Discrepancy{Source: "cardpay", Account: wallet.StripeClearing,
					Balance: clearing, Expected: clearing - refunded.TotalCents, Basis: "card_payments_less_refunds"})
			storetest.Behind(t, env.DB, "UPDATE ticket_orders SET status = 'refunded' WHERE id = '"+refunded.ID+"'")
			clean("put back")

			// A refund at Stripe counted twice on its order.
			storetest.Behind(t, env.DB, "UPDATE ticket_orders SET card_refunded_cents = 1000 WHERE id = '"+partly.ID+"'")
			found("a refund at Stripe counted twice", wallet.Discrepancy{Source: "ticketing", Account: wallet.RevenueTheatre,
				Balance: revenue, Expected: revenue - 500, Basis: "sold_less_disputed"},
				wallet.Discrepancy{Source: "cardpay", Account: wallet.StripeClearing,
					Balance: clearing, Expected: clearing + 500, Basis: "card_payments_less_refunds"})
			storetest.Behind(t, env.DB, "UPDATE ticket_orders SET card_refunded_cents = 500 WHERE id = '"+partly.ID+"'")

			// A top-up's refund recorded with no money moved back to the card.
			storetest.Behind(t, env.DB, "UPDATE card_payments SET refunded_cents = refunded_cents + 700 WHERE id = '"+topUpPI+"'")
			found("a top-up refund without its money", wallet.Discrepancy{Source: "cardpay", Account: wallet.StripeClearing,
				Balance: clearing, Expected: clearing + 700, Basis: "card_payments_less_refunds"})
			storetest.Behind(t, env.DB, "UPDATE card_payments SET refunded_cents = refunded_cents - 700 WHERE id = '"+topUpPI+"'")
			clean("put back again")

			// The open dispute of an order marked won without its money
			// moving back: both accounts it should have moved disagree.
			storetest.Behind(t, env.DB, "UPDATE card_disputes SET status = 'won' WHERE id = 'du_"+open.ID+"'")
			found("a dispute closed without its money", wallet.Discrepancy{Source: "ticketing", Account: wallet.RevenueTheatre,
				Balance: revenue, Expected: revenue + open.TotalCents, Basis: "sold_less_disputed"},
				wallet.Discrepancy{Source: "cardpay", Account: wallet.StripeDisputes, Balance: disputes, Expected: 1000, Basis: "open_disputes"})
		})
	}
}
