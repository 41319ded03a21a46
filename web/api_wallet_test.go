package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/stripepay"
	"cityhub/wallet"
	"cityhub/web/api"
	"cityhub/web/httpx"
)

// withWallet plugs a set-up wallet service into a test server.
func withWallet(testPayments bool) func(env *testEnv, d *Deps) {
	return func(env *testEnv, d *Deps) {
		svc := wallet.NewService(env.DB.Wallet(), nil)
		if err := svc.Setup(context.Background()); err != nil {
			panic(fmt.Sprintf("set up the ledger: %v", err))
		}
		d.Wallet, d.TestPayments = svc, testPayments
	}
}

func init() {
	authzConfigure = append(authzConfigure, withWallet(true))
	for _, role := range []identity.Role{"", identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator, identity.RoleAdmin} {
		pick := func(ok int, allowed identity.Role) int {
			switch role {
			case "":
				return http.StatusUnauthorized
			case allowed:
				return ok
			}
			return http.StatusForbidden
		}
		authzCases = append(authzCases,
			authzCase{"GET", "/api/v1/wallet", role, "", pick(http.StatusOK, identity.RoleCitizen)},
			authzCase{"GET", "/api/v1/wallet/history", role, "", pick(http.StatusOK, identity.RoleCitizen)},
			authzCase{"GET", "/api/v1/wallet/topups", role, "", pick(http.StatusOK, identity.RoleCitizen)},
			// No Idempotency-Key header in the table: a citizen gets 400, the others never get that far.
			authzCase{"POST", "/api/v1/wallet/topups", role, `{"amount_cents":500}`, pick(http.StatusBadRequest, identity.RoleCitizen)},
			authzCase{"GET", "/api/v1/admin/ledger/accounts/city:funding", role, "", pick(http.StatusOK, identity.RoleAdmin)},
			authzCase{"GET", "/api/v1/admin/ledger/accounts/citizen:{other}", role, "", pick(http.StatusOK, identity.RoleAdmin)},
			authzCase{"GET", "/api/v1/admin/ledger/check", role, "", pick(http.StatusOK, identity.RoleAdmin)},
		)
	}
}

// walletSend is env.do with extra headers.
func walletSend(t testing.TB, env *testEnv, method, path, auth, body string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	return rec
}

// ledgerCheck fails t unless the whole ledger check passes, the
// reconciliations of every domain the test's hub has included.
func ledgerCheck(t testing.TB, env *testEnv) wallet.LedgerCheck {
	t.Helper()
	registerReconcilers(env)
	c, err := env.Deps.Wallet.Check(context.Background())
	if err != nil {
		t.Fatalf("ledger check: %v", err)
	}
	if !c.OK() {
		t.Fatalf("ledger check failed: %+v", c)
	}
	return c
}

// registerReconcilers has every domain the test's hub has reconcile its
// records with its accounts in the ledger check, as the hub's own check
// does (cmd/cityhub's wiring).
func registerReconcilers(env *testEnv) {
	d := env.Deps
	if d.Vouchers != nil {
		d.Wallet.RegisterReconciler("vouchers", d.Vouchers)
	}
	if d.Ticketing != nil {
		d.Wallet.RegisterReconciler("ticketing", d.Ticketing)
	}
	if d.CardPayments != nil {
		d.Wallet.RegisterReconciler("cardpay", d.CardPayments)
	}
	if d.Mobility != nil {
		d.Wallet.RegisterReconciler("mobility", d.Mobility)
	}
}

type walletBody struct {
	AccountID    string        `json:"account_id"`
	BalanceCents int64         `json:"balance_cents"`
	Items        []wallet.Item `json:"items"`
	TestPayments bool          `json:"test_payments"`
}

type historyBody struct {
	Lines []struct {
		EntryID       int64  `json:"entry_id"`
		TransactionID string `json:"transaction_id"`
		Kind          string `json:"kind"`
		AmountCents   int64  `json:"amount_cents"`
	} `json:"lines"`
	Next string `json:"next_cursor"`
}

type topupBody struct {
	TopUpID         string `json:"topup_id"`
	Status          string `json:"status"`
	AmountCents     int64  `json:"amount_cents"`
	TestPayment     bool   `json:"test_payment"`
	Notice          string `json:"notice"`
	BalanceCents    *int64 `json:"balance_cents"`
	TransactionID   string `json:"transaction_id"`
	PaymentIntentID string `json:"payment_intent_id"`
	ClientSecret    string `json:"client_secret"`
}

func TestWalletAPITestPayments(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(true))
			alice, aliceAuth := env.account(t, identity.RoleCitizen)
			bob, bobAuth := env.account(t, identity.RoleCitizen)
			topup := func(auth, key, body string) *httptest.ResponseRecorder {
				return walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, body, map[string]string{"Idempotency-Key": key})
			}

			rec := topup(aliceAuth, "alice-topup-0001", `{"amount_cents":1500}`)
			if rec.Code != http.StatusCreated {
				t.Fatalf("top-up: %d %s", rec.Code, rec.Body.String())
			}
			var first topupBody
			decodeInto(t, rec, &first)
			if !first.TestPayment || first.Status != "succeeded" || !strings.Contains(first.Notice, "TEST PAYMENT") ||
				first.BalanceCents == nil || *first.BalanceCents != 1500 || first.TransactionID == "" {
				t.Fatalf("test top-up answer %+v", first)
			}

			// A retry answers the first top-up and credits nothing more.
			rec = topup(aliceAuth, "alice-topup-0001", `{"amount_cents":1500}`)
			var again topupBody
			decodeInto(t, rec, &again)
			if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "true" || again.TransactionID != first.TransactionID || *again.BalanceCents != 1500 || again.TopUpID != first.TopUpID {
				t.Fatalf("retried top-up: %d %+v", rec.Code, again)
			}
			// A retry spelled differently (spacing, a query) is answered
			// again from the ledger: the same top-up, without a balance,
			// which would be the balance of the retry's moment and not the
			// first answer's.
			for _, path := range []string{"/api/v1/wallet/topups", "/api/v1/wallet/topups?x=1"} {
				rec = walletSend(t, env, "POST", path, aliceAuth, `{ "amount_cents": 1500 }`, map[string]string{"Idempotency-Key": "alice-topup-0001"})
				var respelled topupBody
				decodeInto(t, rec, &respelled)
				if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "true" || respelled.TransactionID != first.TransactionID || respelled.BalanceCents != nil {
					t.Fatalf("retry respelled at %s: %d %+v", path, rec.Code, respelled)
				}
			}
			// The same key for another amount: the reason every keyed
			// operation gives, not the ledger's own.
			if p := wantProblem(t, topup(aliceAuth, "alice-topup-0001", `{"amount_cents":1600}`), http.StatusConflict); p.Reason != "idempotency_key_reused" {
				t.Fatalf("a reused key: reason %q, want idempotency_key_reused", p.Reason)
			}
			// Another citizen's same key is their own top-up.
			if rec := topup(bobAuth, "alice-topup-0001", `{"amount_cents":200}`); rec.Code != http.StatusCreated {
				t.Fatalf("bob's top-up: %d %s", rec.Code, rec.Body.String())
			}
			before := ledgerCheck(t, env)

			// Bad input: 400 problem+json, nothing written.
			for _, tc := range []struct{ name, key, body string }{
				{"malformed json", "bad-key-00001", `{"amount_cents":`},
				{"unknown field", "bad-key-00002", `{"amount_cents":500,"account":"x"}`},
				{"wrong type", "bad-key-00003", `{"amount_cents":"500"}`},
				{"fraction of a cent", "bad-key-00004", `{"amount_cents":500.5}`},
				{"below the minimum", "bad-key-00005", `{"amount_cents":99}`},
				{"above the maximum", "bad-key-00006", `{"amount_cents":50001}`},
				{"negative", "bad-key-00007", `{"amount_cents":-500}`},
				{"missing amount", "bad-key-00008", `{}`},
				{"two objects", "bad-key-00009", `{"amount_cents":500}{"amount_cents":500}`},
				{"a field name in capitals", "bad-key-00011", `{"AMOUNT_CENTS":500}`},
				{"the amount twice in two cases", "bad-key-00012", `{"amount_cents":100,"Amount_Cents":50000}`},
				{"the amount twice", "bad-key-00013", `{"amount_cents":100,"amount_cents":50000}`},
				{"no idempotency key", "", `{"amount_cents":500}`},
				{"idempotency key with a space", "bad key 11", `{"amount_cents":500}`},
				{"overlong idempotency key", strings.Repeat("k", 101), `{"amount_cents":500}`},
				{"oversized body", "bad-key-00010", `{"amount_cents":500,"pad":"` + strings.Repeat("x", httpx.MaxJSONBody) + `"}`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					want := http.StatusBadRequest
					if len(tc.body) > httpx.MaxJSONBody {
						want = http.StatusRequestEntityTooLarge
					}
					wantProblem(t, topup(aliceAuth, tc.key, tc.body), want)
				})
			}
			if after := ledgerCheck(t, env); after.Transactions != before.Transactions || after.Entries != before.Entries {
				t.Fatalf("refused requests wrote to the ledger: %+v then %+v", before, after)
			}

			// The same new key sent by eight clients at once credits once.
			var wg sync.WaitGroup
			codes := make([]int, 8)
			txs := make([]string, 8)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := topup(aliceAuth, "alice-topup-0002", `{"amount_cents":500}`)
					codes[i] = rec.Code
					if rec.Header().Get("Idempotent-Replayed") == "true" {
						codes[i] = 0 // a replay of the one that created it
					}
					var b topupBody
					_ = json.Unmarshal(rec.Body.Bytes(), &b)
					txs[i] = b.TransactionID
				}()
			}
			wg.Wait()
			created := 0
			for i, c := range codes {
				if c == http.StatusCreated {
					created++
				} else if c != 0 {
					t.Fatalf("concurrent top-up %d: status %d", i, c)
				}
				if txs[i] == "" || txs[i] != txs[0] {
					t.Fatalf("concurrent top-ups answered transactions %v", txs)
				}
			}
			if created != 1 {
				t.Fatalf("%d of 8 concurrent top-ups with one key were created", created)
			}

			// Each citizen sees their own wallet and history, never the other's.
			var w walletBody
			rec = env.do(t, "GET", "/api/v1/wallet", aliceAuth, "")
			decodeInto(t, rec, &w)
			if rec.Code != http.StatusOK || w.AccountID != alice.ID || w.BalanceCents != 2000 || w.Items == nil || !w.TestPayments {
				t.Fatalf("alice's wallet: %d %+v", rec.Code, w)
			}
			rec = env.do(t, "GET", "/api/v1/wallet", bobAuth, "")
			decodeInto(t, rec, &w)
			if w.AccountID != bob.ID || w.BalanceCents != 200 {
				t.Fatalf("bob's wallet: %+v", w)
			}
			var h historyBody
			rec = env.do(t, "GET", "/api/v1/wallet/history?limit=1", aliceAuth, "")
			decodeInto(t, rec, &h)
			if rec.Code != http.StatusOK || len(h.Lines) != 1 || h.Lines[0].AmountCents != 500 || h.Lines[0].Kind != wallet.KindTopUpTest || h.Next == "" {
				t.Fatalf("alice's first history page: %d %s", rec.Code, rec.Body.String())
			}
			rec = env.do(t, "GET", "/api/v1/wallet/history?limit=1&cursor="+h.Next, aliceAuth, "")
			h = historyBody{}
			decodeInto(t, rec, &h)
			if len(h.Lines) != 1 || h.Lines[0].AmountCents != 1500 || h.Next != "" {
				t.Fatalf("alice's second history page: %s", rec.Body.String())
			}
			aliceEntry := h.Lines[0].EntryID
			rec = env.do(t, "GET", "/api/v1/wallet/history", bobAuth, "")
			h = historyBody{}
			decodeInto(t, rec, &h)
			if len(h.Lines) != 1 || h.Lines[0].AmountCents != 200 {
				t.Fatalf("bob's history: %s", rec.Body.String())
			}
			// A cursor is an entry id of the caller's own history, not a
			// capability: one of alice's, or one no history gave, is 400
			// bad_cursor for bob, and shows nothing of alice's.
			for _, cursor := range []string{"999999999", strconv.FormatInt(aliceEntry, 10)} {
				rec = env.do(t, "GET", "/api/v1/wallet/history?cursor="+cursor, bobAuth, "")
				if p := wantProblem(t, rec, http.StatusBadRequest); p.Reason != "bad_cursor" {
					t.Fatalf("bob's history from cursor %s: %s", cursor, rec.Body.String())
				}
			}
			for _, q := range []string{"limit=0", "limit=101", "limit=x", "cursor=abc", "cursor=-1"} {
				wantProblem(t, env.do(t, "GET", "/api/v1/wallet/history?"+q, aliceAuth, ""), http.StatusBadRequest)
			}

			// The administrator reads any account and the ledger's check.
			admin := env.login(t, identity.RoleAdmin)
			var acct api.LedgerAccountView
			rec = env.do(t, "GET", "/api/v1/admin/ledger/accounts/citizen:"+alice.ID, admin, "")
			decodeInto(t, rec, &acct)
			if rec.Code != http.StatusOK || acct.Account.Balance != 2000 || len(acct.History.Lines) != 2 {
				t.Fatalf("admin view of alice: %d %s", rec.Code, rec.Body.String())
			}
			rec = env.do(t, "GET", "/api/v1/admin/ledger/accounts/test:payments", admin, "")
			decodeInto(t, rec, &acct)
			if acct.Account.Balance != -2200 {
				t.Fatalf("test payments account: %s", rec.Body.String())
			}
			if p := wantProblem(t, env.do(t, "GET", "/api/v1/admin/ledger/accounts/citizen:nobody", admin, ""), http.StatusNotFound); p.Reason != "no_ledger_account" {
				t.Errorf("an unknown ledger account: reason %q", p.Reason)
			}
			var chk api.LedgerCheckView
			rec = env.do(t, "GET", "/api/v1/admin/ledger/check", admin, "")
			decodeInto(t, rec, &chk)
			if rec.Code != http.StatusOK || !chk.OK || chk.Transactions != 3 || chk.BalanceSum != 0 {
				t.Fatalf("ledger check over HTTP: %d %s", rec.Code, rec.Body.String())
			}
		})
	}
}

func TestWalletTopUpsOff(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false))
	_, auth := env.account(t, identity.RoleCitizen)
	rec := walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, `{"amount_cents":500}`, map[string]string{"Idempotency-Key": "key-00000001"})
	wantProblem(t, rec, http.StatusServiceUnavailable)
	// Without Stripe there is no webhook to call.
	wantProblem(t, env.do(t, "POST", "/api/v1/stripe/webhook", "", `{}`), http.StatusNotFound)
	if c := ledgerCheck(t, env); c.Transactions != 0 {
		t.Fatalf("a refused top-up wrote %+v", c)
	}
}

const testWebhookSecret = "whsec_cityhub_test"

func stripeURL() string {
	if u := os.Getenv("CITYHUB_TEST_STRIPE_URL"); u != "" {
		return u
	}
	return "http://127.0.0.1:12111"
}

// withStripe plugs in Stripe on stripe-mock and the card payments service
// (after withTicketing, so that ticket orders are theirs too).
func withStripe(env *testEnv, d *Deps) {
	p, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_cityhub", WebhookSecret: testWebhookSecret, APIURL: stripeURL()}, nil)
	if err != nil {
		panic(err)
	}
	d.Payments = p
	d.CardPayments = cardpay.NewService(env.DB.CardPayments(), d.Ticketing, nil)
	if d.Ticketing != nil {
		// As the hub wires it: paying with credit or releasing cancels a
		// started card payment at stripe-mock first.
		d.Ticketing.SetCardCanceler(p.CancelIntent)
	}
}

// paymentEvent is a Stripe event about a PaymentIntent, as Stripe sends it.
func paymentEvent(eventID, typ, intentID string, amount int64, currency string, metadata map[string]string) []byte {
	ev := map[string]any{
		"id": eventID, "object": "event", "type": typ, "api_version": "2023-10-16", "created": time.Now().Unix(),
		"livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": map[string]any{
			"id": intentID, "object": "payment_intent", "amount": amount, "amount_received": amount,
			"currency": currency, "status": "succeeded", "metadata": metadata,
		}},
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

// deliverStripe posts a Stripe event signed with secret to the hub over real
// HTTP, as Stripe does.
func deliverStripe(t testing.TB, hub *httptest.Server, payload []byte, secret string) (int, []byte) {
	t.Helper()
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret})
	req, err := http.NewRequest("POST", hub.URL+"/api/v1/stripe/webhook", strings.NewReader(string(payload)))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", signed.Header)
	res, err := hub.Client().Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Error(err)
	}
	return res.StatusCode, body
}

// Card top-ups: a PaymentIntent from stripe-mock, then the signed
// payment_intent.succeeded webhook, delivered several times at once,
// credits the citizen once.
func TestWalletStripeTopUp(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(false), func(env *testEnv, d *Deps) {
				withStripe(env, d)
			})
			hub := httptest.NewServer(env.Server)
			defer hub.Close()
			alice, auth := env.account(t, identity.RoleCitizen)
			rec := walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, `{"amount_cents":2500}`, map[string]string{"Idempotency-Key": "card-topup-0001"})
			if rec.Code != http.StatusCreated {
				t.Fatalf("card top-up (is stripe-mock running at %s?): %d %s", stripeURL(), rec.Code, rec.Body.String())
			}
			var tb topupBody
			decodeInto(t, rec, &tb)
			if tb.Status != "pending" || tb.TestPayment || tb.ClientSecret == "" || tb.PaymentIntentID == "" || tb.BalanceCents != nil || tb.AmountCents != 2500 {
				t.Fatalf("card top-up answer %+v", tb)
			}
			if c := ledgerCheck(t, env); c.Transactions != 0 {
				t.Fatalf("a pending card top-up credited already: %+v", c)
			}
			// The key again with another amount is refused, whatever Stripe
			// remembers of it (stripe-mock nothing, Stripe a day); with the
			// same amount written otherwise, the first answer comes again.
			if p := wantProblem(t, walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, `{"amount_cents":3000}`,
				map[string]string{"Idempotency-Key": "card-topup-0001"}), http.StatusConflict); p.Reason != "idempotency_key_reused" {
				t.Fatalf("the key with another amount: reason %q", p.Reason)
			}
			again := walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, `{ "amount_cents": 2500 }`, map[string]string{"Idempotency-Key": "card-topup-0001"})
			var tb2 topupBody
			decodeInto(t, again, &tb2)
			if again.Code != http.StatusCreated || again.Header().Get("Idempotent-Replayed") != "true" || tb2.PaymentIntentID != tb.PaymentIntentID || tb2.ClientSecret != tb.ClientSecret {
				t.Fatalf("the same top-up written otherwise: %d %+v", again.Code, tb2)
			}
			// stripe-mock does not keep metadata, so the event carries what
			// the hub put on the intent.
			meta := map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: alice.ID, cardpay.StripeTopUpKey: tb.TopUpID}
			ev := paymentEvent("evt_1", "payment_intent.succeeded", tb.PaymentIntentID, 2500, "eur", meta)

			// Forged or unsigned deliveries are refused and credit nothing.
			if code, body := deliverStripe(t, hub, ev, "whsec_someone_else"); code != http.StatusUnauthorized || !strings.Contains(string(body), `"code":"unauthenticated"`) {
				t.Fatalf("forged delivery: %d %s", code, body)
			}
			wantProblem(t, env.do(t, "POST", "/api/v1/stripe/webhook", "", string(ev)), http.StatusUnauthorized)
			if code, _ := deliverStripe(t, hub, []byte(`{"id":`), testWebhookSecret); code != http.StatusBadRequest {
				t.Fatalf("signed garbage: %d", code)
			}
			// A body over the limit is 413; one cut short, 400 (the sender
			// went away half way: nothing is applied, Stripe sends again).
			if code, body := deliverStripe(t, hub, []byte(strings.Repeat(" ", 256<<10+1)), testWebhookSecret); code != http.StatusRequestEntityTooLarge ||
				!strings.Contains(string(body), `"reason":"body_too_large"`) {
				t.Fatalf("a webhook body over the limit: %d %s", code, body)
			}
			if code, body := cutShort(t, hub.URL, "/api/v1/stripe/webhook", ev[:len(ev)/2], len(ev)); code != http.StatusBadRequest ||
				!strings.Contains(body, `"reason":"body_unreadable"`) {
				t.Fatalf("a webhook body cut short: %d %s", code, body)
			}
			if c := ledgerCheck(t, env); c.Transactions != 0 {
				t.Fatalf("refused deliveries credited: %+v", c)
			}

			var wg sync.WaitGroup
			answers := make([]api.WebhookAnswer, 6)
			codes := make([]int, 6)
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// The same event, and a second event for the same intent.
					body := ev
					if i%2 == 1 {
						body = paymentEvent("evt_2", "payment_intent.succeeded", tb.PaymentIntentID, 2500, "eur", meta)
					}
					var raw []byte
					codes[i], raw = deliverStripe(t, hub, body, testWebhookSecret)
					_ = json.Unmarshal(raw, &answers[i])
				}()
			}
			wg.Wait()
			credited := 0
			for i, a := range answers {
				if codes[i] != http.StatusOK || !a.Handled || a.TransactionID != answers[0].TransactionID {
					t.Fatalf("delivery %d: %d %+v", i, codes[i], a)
				}
				if !a.Replayed {
					credited++
				}
			}
			if credited != 1 {
				t.Fatalf("%d of 6 deliveries credited", credited)
			}

			// Events the wallet does not handle are acknowledged and change nothing.
			for _, body := range [][]byte{
				paymentEvent("evt_3", "payment_intent.payment_failed", "pi_other", 900, "eur", meta),
				paymentEvent("evt_4", "payment_intent.succeeded", "pi_ticket", 900, "eur", map[string]string{cardpay.StripePurposeKey: "theatre_order"}),
				paymentEvent("evt_5", "payment_intent.succeeded", "pi_usd", 900, "usd", meta),
			} {
				code, raw := deliverStripe(t, hub, body, testWebhookSecret)
				var a api.WebhookAnswer
				if err := json.Unmarshal(raw, &a); err != nil || code != http.StatusOK || a.Handled || !a.Received {
					t.Fatalf("unhandled event: %d %s", code, raw)
				}
			}
			var w walletBody
			decodeInto(t, env.do(t, "GET", "/api/v1/wallet", auth, ""), &w)
			if w.BalanceCents != 2500 {
				t.Fatalf("alice has %d after the card top-up, want 2500", w.BalanceCents)
			}
			if c := ledgerCheck(t, env); c.Transactions != 1 {
				t.Fatalf("ledger after the webhooks: %+v", c)
			}
			clearing, err := env.Deps.Wallet.Account(context.Background(), wallet.StripeClearing)
			if err != nil || clearing.Balance != -2500 {
				t.Fatalf("stripe clearing = %+v, %v", clearing, err)
			}
		})
	}
}

// A card top-up's key sent again with another amount: Stripe refuses its
// own idempotency key with other parameters, and the API answers as for
// every reused key (idempotency_key_reused), recording no payment.
// stripe-mock keeps no keys, so a stand-in answers as Stripe does.
func TestWalletStripeTopUpKeyReused(t *testing.T) {
	t.Parallel()
	stripeAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}`)
	}))
	defer stripeAPI.Close()
	_, env := newTestServer(t, "sqlite", withWallet(false), func(env *testEnv, d *Deps) {
		p, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_cityhub", WebhookSecret: testWebhookSecret, APIURL: stripeAPI.URL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d.Payments = p
		d.CardPayments = cardpay.NewService(env.DB.CardPayments(), d.Ticketing, nil)
	})
	_, auth := env.account(t, identity.RoleCitizen)
	rec := walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, `{"amount_cents":2600}`, map[string]string{"Idempotency-Key": "card-topup-0001"})
	if p := wantProblem(t, rec, http.StatusConflict); p.Reason != "idempotency_key_reused" {
		t.Fatalf("a reused card top-up key: reason %q, want idempotency_key_reused", p.Reason)
	}
	var list api.TopUpsView
	decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/wallet/topups", auth, ""), http.StatusOK), &list)
	if len(list.TopUps) != 0 {
		t.Fatalf("a refused card top-up was recorded: %+v", list.TopUps)
	}
}

// cutShort posts the first part of a body of n bytes to path and closes
// its side of the connection, as a sender that went away does, and
// returns the answer.
func cutShort(t *testing.T, base, path string, part []byte, n int) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: cityhub.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", path, n, part)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a body cut short: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
