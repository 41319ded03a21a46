package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/api"
	"cityhub/web/webtest"
)

// stripeCall is a request the hub made to Stripe.
type stripeCall struct {
	Method, Path, IdempotencyKey string
}

// stripeRecorder stands between the hub and stripe-mock and notes every
// request, so that a test sees which intents were canceled and under which
// key each was created.
type stripeRecorder struct {
	mu    sync.Mutex
	calls []stripeCall
	url   string
	// atCancel, when it holds a channel for an intent, is closed as the
	// hub's cancel of that intent reaches Stripe.
	atCancel sync.Map
	// replayCanceled, when set, is the intent the next creation is
	// answered with, canceled: Stripe replaying a key whose intent the hub
	// canceled since.
	replayCanceled atomic.Value
	// beforeCancel, when set (a func(intent string)), runs as the hub's
	// cancel reaches Stripe, before Stripe answers it.
	beforeCancel atomic.Value
}

func newStripeRecorder(t *testing.T) *stripeRecorder {
	t.Helper()
	target, err := url.Parse(stripeURL())
	if err != nil {
		t.Fatal(err)
	}
	rec := &stripeRecorder{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		id, _ := rec.replayCanceled.Swap("").(string)
		if id == "" || res.Request.Method != "POST" || res.Request.URL.Path != "/v1/payment_intents" {
			if id != "" {
				rec.replayCanceled.Store(id)
			}
			return nil
		}
		var pi map[string]any
		if err := json.NewDecoder(res.Body).Decode(&pi); err != nil {
			return err
		}
		res.Body.Close()
		pi["id"], pi["status"] = id, "canceled"
		b, err := json.Marshal(pi)
		if err != nil {
			return err
		}
		res.Body, res.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		res.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.calls = append(rec.calls, stripeCall{r.Method, r.URL.Path, r.Header.Get("Idempotency-Key")})
		rec.mu.Unlock()
		if id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1/payment_intents/"), "/cancel"); ok {
			if ch, ok := rec.atCancel.LoadAndDelete(id); ok {
				close(ch.(chan struct{}))
			}
			if f, ok := rec.beforeCancel.Load().(func(string)); ok {
				f(id)
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.url = srv.URL
	return rec
}

// canceled lists the intents the hub asked Stripe to cancel.
func (r *stripeRecorder) canceled() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		if id, ok := strings.CutSuffix(strings.TrimPrefix(c.Path, "/v1/payment_intents/"), "/cancel"); ok && c.Method == "POST" {
			out = append(out, id)
		}
	}
	return out
}

// createKeys lists the idempotency keys intents were created under.
func (r *stripeRecorder) createKeys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		if c.Method == "POST" && c.Path == "/v1/payment_intents" {
			out = append(out, c.IdempotencyKey)
		}
	}
	return out
}

// withRecordedStripe is withStripe through rec.
func withRecordedStripe(rec *stripeRecorder) func(env *testEnv, d *Deps) {
	return func(env *testEnv, d *Deps) {
		p, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_cityhub", WebhookSecret: testWebhookSecret, APIURL: rec.url}, nil)
		if err != nil {
			panic(err)
		}
		d.Payments = p
		d.CardPayments = cardpay.NewService(env.DB.CardPayments(), d.Ticketing, nil)
		d.Ticketing.SetCardCanceler(p.CancelIntent)
	}
}

// cardCancelEnv is ticketingEnv with Stripe's requests recorded.
func cardCancelEnv(t *testing.T, engine string) (*testEnv, ticketing.Performance, string, *stripeRecorder) {
	t.Helper()
	rec := newStripeRecorder(t)
	_, env := newTestServer(t, engine, withWallet(true), withTicketing, withRecordedStripe(rec))
	admin := env.login(t, identity.RoleAdmin)
	var v ticketing.Venue
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/venues", admin, validVenue), http.StatusCreated), &v)
	mustStatus(t, env.do(t, "PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, seatMapBody), http.StatusOK)
	var p ticketing.Performance
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/performances", admin,
		`{"venue_id":"`+v.ID+`","title":"Il berretto a sonagli","starts_at":"2099-11-20T21:00","prices_cents":{"stalls":2500,"balcony":1500}}`), http.StatusCreated), &p)
	return env, p, admin, rec
}

// holdThenCard holds seat of performance perfID for citizen and starts
// paying the order by card: the order and the card payment's answer.
func holdThenCard(t *testing.T, env *testEnv, perfID, citizen, seat string) (ticketing.Order, api.TicketPayment) {
	t.Helper()
	var o ticketing.Order
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+perfID+"/holds", citizen, `{"seats":["`+seat+`"]}`), http.StatusCreated), &o)
	var card api.TicketPayment
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"card"}`), http.StatusAccepted), &card)
	return o, card
}

func balanceOf(t *testing.T, env *testEnv, id wallet.AccountID) int64 {
	t.Helper()
	a, err := env.Deps.Wallet.Account(context.Background(), id)
	if err != nil {
		t.Fatalf("read %s: %v", id, err)
	}
	return a.Balance
}

// A citizen starts paying by card, changes their mind and pays with
// credit: the PaymentIntent is canceled at Stripe (stripe-mock), the order
// is paid once, with credit, and the ledger balances. Stripe's
// payment_intent.canceled event changes nothing; a succeeded event for the
// canceled intent (Stripe never sends one) books nothing and is left for an
// operator.
func TestTicketingAPICardThenCredit(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, admin, rec := cardCancelEnv(t, engine)
			hub := httptest.NewServer(env.Server)
			defer hub.Close()
			acct, citizen := env.account(t, identity.RoleCitizen)
			walletSend(t, env, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":5000}`, map[string]string{"Idempotency-Key": "card-then-credit-1"})
			o, card := holdThenCard(t, env, p.ID, citizen, "Platea/A/1")
			if card.PaymentIntentID == "" {
				t.Fatalf("card answer %+v", card)
			}

			var paid api.TicketPayment
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`), http.StatusOK), &paid)
			if paid.Order.Status != ticketing.OrderPaid || paid.Order.Method != ticketing.PayWallet || paid.Order.PaymentIntentID != "" || len(paid.Tickets) != 1 {
				t.Fatalf("pay with credit after the card: %+v", paid)
			}
			if got := rec.canceled(); len(got) != 1 || got[0] != card.PaymentIntentID {
				t.Fatalf("intents canceled at Stripe: %v, want [%s]", got, card.PaymentIntentID)
			}

			meta := map[string]string{cardpay.StripePurposeKey: ticketing.StripePurpose, ticketing.StripeOrderKey: o.ID, cardpay.StripeAccountKey: acct.ID}
			if st, body := deliverStripe(t, hub, paymentEvent("evt_canceled_1", "payment_intent.canceled", card.PaymentIntentID, 2500, "eur", meta), testWebhookSecret); st != http.StatusOK ||
				strings.Contains(string(body), `"handled":true`) {
				t.Fatalf("canceled webhook: %d %s", st, body)
			}
			if st, body := deliverStripe(t, hub, paymentEvent("evt_after_cancel_1", "payment_intent.succeeded", card.PaymentIntentID, 2500, "eur", meta), testWebhookSecret); st != http.StatusOK ||
				!strings.Contains(string(body), `"attention"`) {
				t.Fatalf("succeeded webhook of the canceled intent: %d %s", st, body)
			}
			var now ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+o.ID, admin, ""), http.StatusOK), &now)
			if now.Status != ticketing.OrderPaid || now.Method != ticketing.PayWallet || now.TransactionID != paid.Order.TransactionID {
				t.Fatalf("order after the webhooks: %+v", now)
			}
			var mine struct{ Tickets []ticketing.TicketView }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/tickets", citizen, ""), http.StatusOK), &mine)
			if len(mine.Tickets) != 1 {
				t.Fatalf("%d tickets, want 1", len(mine.Tickets))
			}
			for id, want := range map[wallet.AccountID]int64{wallet.CitizenAccount(acct.ID): 2500, wallet.RevenueTheatre: 2500, wallet.StripeClearing: 0} {
				if b := balanceOf(t, env, id); b != want {
					t.Fatalf("%s: %d, want %d", id, b, want)
				}
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// Stripe refusing the cancel (here stripe-mock refusing an intent it cannot
// address; Stripe refuses one that succeeded or is processing) leaves the
// order as it was: 409 payment_started, no credit taken.
func TestTicketingAPICardCancelRefused(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, admin, rec := cardCancelEnv(t, engine)
			acct, citizen := env.account(t, identity.RoleCitizen)
			walletSend(t, env, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":5000}`, map[string]string{"Idempotency-Key": "cancel-refused-1"})
			var o ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/2"]}`), http.StatusCreated), &o)
			buyer := identity.Caller{AccountID: acct.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
			if _, err := env.Deps.Ticketing.AttachPayment(context.Background(), buyer, o.ID, "pi_not/cancelable"); err != nil {
				t.Fatal(err)
			}
			before := balanceOf(t, env, wallet.CitizenAccount(acct.ID))

			prob := wantProblem(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`), http.StatusConflict)
			if prob.Reason != "payment_started" {
				t.Fatalf("refused cancel: %+v", prob)
			}
			if got := rec.canceled(); len(got) != 1 {
				t.Fatalf("cancels asked of Stripe: %v", got)
			}
			var now ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+o.ID, admin, ""), http.StatusOK), &now)
			if now.Status != ticketing.OrderHeld || now.PaymentIntentID != "pi_not/cancelable" || now.Method != ticketing.PayCard {
				t.Fatalf("order after the refused cancel: %+v", now)
			}
			if b := balanceOf(t, env, wallet.CitizenAccount(acct.ID)); b != before {
				t.Fatalf("credit %d, was %d", b, before)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// Credit that is short when the buyer asks to pay with it instead of the
// card is refused (402) before anything is canceled: the card payment
// stays the order's, and no credit moves.
func TestTicketingAPIShortCreditKeepsTheCardPayment(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, admin, rec := cardCancelEnv(t, engine)
			acct, citizen := env.account(t, identity.RoleCitizen)
			walletSend(t, env, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":2000}`, map[string]string{"Idempotency-Key": "short-credit-1"})
			o, first := holdThenCard(t, env, p.ID, citizen, "Platea/A/3")

			if prob := wantProblem(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`), http.StatusPaymentRequired); prob.Reason != "insufficient_funds" {
				t.Fatalf("credit short: %+v", prob)
			}
			if got := rec.canceled(); len(got) != 0 {
				t.Fatalf("intents canceled for a payment the credit could not make: %v", got)
			}
			var held ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+o.ID, admin, ""), http.StatusOK), &held)
			if held.Status != ticketing.OrderHeld || held.PaymentIntentID != first.PaymentIntentID {
				t.Fatalf("order after the short credit: %+v", held)
			}
			if b := balanceOf(t, env, wallet.CitizenAccount(acct.ID)); b != 2000 {
				t.Fatalf("credit %d after the refused payment, want the 2000 topped up", b)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// A card attempt after a cancel is a new one: created at Stripe under a
// new idempotency key, so it gets a new intent, while a retry of the first
// attempt kept the first key. Here the credit, enough when the buyer asked
// to pay with it, is spent elsewhere while the hub cancels the card
// payment at Stripe: the payment then fails (402) and the order stays held,
// its canceled intent detached, for the new card attempt.
func TestTicketingAPINewCardAttemptAfterCancel(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, admin, rec := cardCancelEnv(t, engine)
			acct, citizen := env.account(t, identity.RoleCitizen)
			walletSend(t, env, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":2500}`, map[string]string{"Idempotency-Key": "new-attempt-1"})
			o, first := holdThenCard(t, env, p.ID, citizen, "Platea/A/3")

			rec.beforeCancel.Store(func(string) {
				if _, err := env.Deps.Wallet.Post(context.Background(), wallet.Transaction{Key: "spent-elsewhere:" + o.ID, Kind: "test.spend", Entries: []wallet.Entry{
					{Account: wallet.CitizenAccount(acct.ID), Amount: -2500}, {Account: wallet.CityFunding, Amount: 2500}}}); err != nil {
					t.Errorf("spend the credit: %v", err)
				}
			})
			wantProblem(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`), http.StatusPaymentRequired)
			rec.beforeCancel.Store(func(string) {})
			if got := rec.canceled(); len(got) != 1 || got[0] != first.PaymentIntentID {
				t.Fatalf("intents canceled: %v", got)
			}
			var held ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+o.ID, admin, ""), http.StatusOK), &held)
			if held.Status != ticketing.OrderHeld || held.PaymentIntentID != "" {
				t.Fatalf("order after the cancel and the short credit: %+v", held)
			}

			var second api.TicketPayment
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"card"}`), http.StatusAccepted), &second)
			if second.PaymentIntentID == "" || second.PaymentIntentID == first.PaymentIntentID || second.Order.PaymentIntentID != second.PaymentIntentID {
				t.Fatalf("new card attempt: %+v after %s", second, first.PaymentIntentID)
			}
			keys := rec.createKeys()
			want := []string{"cityhub-ticket-order-" + o.ID, "cityhub-ticket-order-" + o.ID + "-attempt1"}
			if len(keys) != 2 || keys[0] != want[0] || keys[1] != want[1] {
				t.Fatalf("idempotency keys %q, want %q", keys, want)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// On the pages: the order page of a started card payment offers the
// credit and giving the seats up; credit that falls short is refused (402)
// and leaves the card payment as it was (the card pressed again answers
// the same one), and giving the seats up cancels it and frees the seat.
func TestOrderPageCardThenChangeOfMind(t *testing.T) {
	t.Parallel()
	rec := newStripeRecorder(t)
	_, env := newTestServer(t, "sqlite", withWallet(false), withTicketing, withRecordedStripe(rec), withPublishableKey)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	p := smallTheatre(t, svc, "Il berretto a sonagli", 2500)
	anna, _ := env.account(t, identity.RoleCitizen)
	cardTopUp(t, env, anna.ID, 2000, "pi_seed_anna_cancel")
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	_, body := pc.Get("/theatre/performances/" + p.ID)
	res, _ := pc.Post("/theatre/performances/"+p.ID+"/buy", url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]},
		"key": {topUpKeyRE.FindStringSubmatch(body)[1]}, "seat": {"Platea/A/2"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/theatre/orders/tord_") {
		t.Fatalf("buy with short credit: %d to %q", res.StatusCode, loc)
	}
	orderID := strings.TrimPrefix(loc, "/theatre/orders/")

	csrf := pc.CSRF(loc)
	_, page := pc.Post(loc+"/pay", url.Values{"csrf_token": {csrf}, "method": {"card"}})
	m := cardIntent.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("card page:\n%s", page)
	}
	first := m[1]
	if _, body := pc.Get(loc); !strings.Contains(body, `data-testid="order-pending"`) || !strings.Contains(body, `data-testid="order-credit-instead"`) ||
		!strings.Contains(body, `data-testid="order-release"`) {
		t.Fatalf("the pending order page offers no change of mind:\n%s", body)
	}

	// Credit: 20 € for 25 €. Refused before anything is canceled: the
	// card payment stays the order's.
	if res, body := pc.Post(loc+"/pay", url.Values{"csrf_token": {csrf}, "method": {"wallet"}}); res.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("25 € with 20 € of credit: %d\n%s", res.StatusCode, body)
	}
	if got := rec.canceled(); len(got) != 0 {
		t.Fatalf("intents canceled for a payment the credit could not make: %v", got)
	}
	if o, _ := svc.Order(ctx, admin, orderID); o.Status != ticketing.OrderHeld || o.PaymentIntentID != first {
		t.Fatalf("order after the short credit: %+v", o)
	}

	// The card again is the same payment, not another.
	if _, again := pc.Post(loc+"/pay", url.Values{"csrf_token": {csrf}, "method": {"card"}}); cardIntent.FindStringSubmatch(again)[1] != first {
		t.Fatal("a second press of the card started another card payment")
	}

	// Giving the seats up cancels the card payment and frees the seat.
	res, _ = pc.Post(loc+"/release", url.Values{"csrf_token": {csrf}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("release: %d", res.StatusCode)
	}
	if got := rec.canceled(); len(got) != 1 || got[0] != first {
		t.Fatalf("intents canceled: %v, want [%s]", got, first)
	}
	if o, _ := svc.Order(ctx, admin, orderID); o.Status != ticketing.OrderCancelled || o.PaymentIntentID != "" {
		t.Fatalf("order after the release: %+v", o)
	}
	if av, err := svc.Availability(ctx, p.ID); err != nil || av.Free != 3 {
		t.Fatalf("%d seats free after the release (%v)", av.Free, err)
	}
	if b := balanceOf(t, env, wallet.CitizenAccount(anna.ID)); b != 2000 {
		t.Fatalf("credit %d, want 2000 untouched", b)
	}
	if chk := ledgerCheck(t, env); !chk.OK() {
		t.Fatalf("ledger %+v", chk)
	}
}

// Paying with credit while Stripe's webhook confirms the card payment (the
// cancel at stripe-mock always succeeds, and the webhook still comes: worse
// than Stripe, which never confirms a canceled intent): each order is paid
// exactly once, by credit or by card, and a card payment that lost is
// never booked. In odd rounds the webhook is sent as the cancel reaches
// Stripe, racing the transaction that detaches the intent and pays.
func TestTicketingAPICreditRacesCardWebhook(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, admin, rec := cardCancelEnv(t, engine)
			hub := httptest.NewServer(env.Server)
			defer hub.Close()
			acct, citizen := env.account(t, identity.RoleCitizen)
			walletSend(t, env, "POST", "/api/v1/wallet/topups", citizen, `{"amount_cents":20000}`, map[string]string{"Idempotency-Key": "race-credit-1"})
			const rounds = 4
			credits, cards := 0, 0
			for i := range rounds {
				var o ticketing.Order
				decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen,
					`{"seats":["Platea/A/`+strconv.Itoa(i+1)+`"]}`), http.StatusCreated), &o)
				var card api.TicketPayment
				decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"card"}`), http.StatusAccepted), &card)
				ev := paymentEvent("evt_race_"+o.ID, "payment_intent.succeeded", card.PaymentIntentID, 2500, "eur",
					map[string]string{cardpay.StripePurposeKey: ticketing.StripePurpose, ticketing.StripeOrderKey: o.ID, cardpay.StripeAccountKey: acct.ID})
				atCancel := make(chan struct{})
				if i%2 == 1 {
					rec.atCancel.Store(card.PaymentIntentID, atCancel)
				} else {
					close(atCancel)
				}
				var payCode int
				var hookBody string
				var wg sync.WaitGroup
				wg.Add(2)
				go func() {
					defer wg.Done()
					payCode = env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"wallet"}`).Code
				}()
				go func() {
					defer wg.Done()
					select {
					case <-atCancel:
					case <-time.After(10 * time.Second):
						t.Errorf("round %d: no cancel reached Stripe", i)
					}
					st, body := deliverStripe(t, hub, ev, testWebhookSecret)
					if st != http.StatusOK {
						t.Errorf("webhook: %d %s", st, body)
					}
					hookBody = string(body)
				}()
				wg.Wait()
				var now ticketing.Order
				decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+o.ID, admin, ""), http.StatusOK), &now)
				switch {
				case payCode == http.StatusOK && now.Method == ticketing.PayWallet && strings.Contains(hookBody, `"attention"`):
					credits++
				case payCode == http.StatusConflict && now.Method == ticketing.PayCard && strings.Contains(hookBody, `"handled":true`):
					cards++
				default:
					t.Fatalf("round %d: credit %d, webhook %s, order %+v", i, payCode, hookBody, now)
				}
				if now.Status != ticketing.OrderPaid {
					t.Fatalf("round %d: order %s", i, now.Status)
				}
			}
			t.Logf("%d paid with credit, %d by card", credits, cards)
			var mine struct{ Tickets []ticketing.TicketView }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/tickets", citizen, ""), http.StatusOK), &mine)
			if len(mine.Tickets) != rounds {
				t.Fatalf("%d tickets for %d orders", len(mine.Tickets), rounds)
			}
			for id, want := range map[wallet.AccountID]int64{
				wallet.CitizenAccount(acct.ID): 20000 - int64(credits)*2500,
				wallet.StripeClearing:          -int64(cards) * 2500,
				wallet.RevenueTheatre:          rounds * 2500,
			} {
				if b := balanceOf(t, env, id); b != want {
					t.Fatalf("%s: %d, want %d (%d by credit, %d by card)", id, b, want, credits, cards)
				}
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// A cancel at Stripe whose detach was cut short leaves the canceled intent
// on the order, and Stripe answers the attempt's key with it: the card
// payment started again takes it off the order (Stripe confirming the
// cancel) and starts a new attempt, with a new key and a new intent.
func TestTicketingAPICardAfterACutShortCancel(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, p, admin, rec := cardCancelEnv(t, engine)
			_, citizen := env.account(t, identity.RoleCitizen)
			o, first := holdThenCard(t, env, p.ID, citizen, "Platea/A/4")
			// Canceled at Stripe, the order never heard of it.
			if err := env.Deps.Payments.CancelIntent(context.Background(), first.PaymentIntentID); err != nil {
				t.Fatal(err)
			}
			rec.replayCanceled.Store(first.PaymentIntentID)

			var again api.TicketPayment
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/ticket-orders/"+o.ID+"/pay", citizen, `{"method":"card"}`), http.StatusAccepted), &again)
			if again.PaymentIntentID == "" || again.PaymentIntentID == first.PaymentIntentID || again.Order.PaymentIntentID != again.PaymentIntentID {
				t.Fatalf("card after the cut-short cancel: %+v (first %s)", again, first.PaymentIntentID)
			}
			k0 := "cityhub-ticket-order-" + o.ID
			if keys := rec.createKeys(); len(keys) != 3 || keys[0] != k0 || keys[1] != k0 || keys[2] != k0+"-attempt1" {
				t.Fatalf("idempotency keys %q", keys)
			}
			var now ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+o.ID, admin, ""), http.StatusOK), &now)
			if now.Status != ticketing.OrderHeld || now.PaymentIntentID != again.PaymentIntentID {
				t.Fatalf("order: %+v", now)
			}
		})
	}
}
