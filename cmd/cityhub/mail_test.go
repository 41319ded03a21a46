package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"cityhub/mail/mailtest"
)

// The whole binary with an SMTP server: a citizen signs up, confirms the
// address with the e-mailed link, tops up by
// card, Stripe's signed webhook credits it, and the hub's own sender
// delivers the receipt to Mailpit, in the citizen's language; the sender
// stops with the hub.
func TestServeSendsTopUpReceipt(t *testing.T) {
	t.Parallel()
	stripeURL := "http://127.0.0.1:12111"
	const secret = "whsec_cityhub_mail_test"
	url, _ := startHub(t, []string{"serve"}, map[string]string{
		"CITYHUB_HTTP_ADDR":              "127.0.0.1:0",
		"CITYHUB_DATA_DIR":               t.TempDir(),
		"CITYHUB_MQTT_BROKER_ADDR":       "127.0.0.1:0",
		"CITYHUB_STRIPE_SECRET_KEY":      "sk_test_cityhub",
		"CITYHUB_STRIPE_WEBHOOK_SECRET":  secret,
		"CITYHUB_STRIPE_API_URL":         stripeURLFromEnv(stripeURL),
		"CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_test_cityhub",
		"CITYHUB_SMTP_URL":               mailtest.SMTPURL(),
		"CITYHUB_MAIL_FROM":              mailtest.From,
		"CITYHUB_LOG_LEVEL":              "warn",
	})
	// This replica's sender says whether a refusing server paused it.
	if res, err := http.Get(url + "/metrics"); err != nil {
		t.Fatal(err)
	} else {
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(raw), "\ncityhub_mail_sender_paused 0\n") {
			t.Errorf("/metrics has no cityhub_mail_sender_paused 0:\n%s", raw)
		}
	}
	to := mailtest.Recipient(t)
	call := func(method, path, auth string, body any, headers map[string]string, want int, out any) {
		t.Helper()
		b, _ := json.Marshal(body)
		if s, ok := body.(string); ok {
			b = []byte(s)
		}
		req, err := http.NewRequest(method, url+path, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var raw json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, raw)
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
	}
	call("POST", "/api/v1/accounts", "", map[string]string{"email": to, "password": "correct horse battery", "name": "Jane Doe", "locale": "en"}, nil, http.StatusAccepted, nil)
	confirmByMail(t, to)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	call("POST", "/api/v1/auth/login", "", map[string]string{"email": to, "password": "correct horse battery"}, nil, http.StatusOK, &tok)
	var topup struct {
		PaymentIntentID string `json:"payment_intent_id"`
	}
	call("POST", "/api/v1/wallet/topups", tok.AccessToken, map[string]int{"amount_cents": 1250}, map[string]string{"Idempotency-Key": "mail-e2e"}, http.StatusCreated, &topup)
	ev, _ := json.Marshal(map[string]any{
		"id": "evt_mail_e2e", "object": "event", "type": "payment_intent.succeeded", "api_version": "2023-10-16", "created": time.Now().Unix(),
		"livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": map[string]any{"id": topup.PaymentIntentID, "object": "payment_intent", "amount": 1250,
			"amount_received": 1250, "currency": "eur", "status": "succeeded"}},
	})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev, Secret: secret})
	call("POST", "/api/v1/stripe/webhook", "", string(ev), map[string]string{"Stripe-Signature": signed.Header}, http.StatusOK, nil)

	// The verification e-mail came first; then the receipt.
	var m mailtest.Message
	for _, s := range mailtest.WaitReceived(t, to, 2, 30*time.Second) {
		if strings.HasPrefix(s.Subject, "Top-up") {
			m = mailtest.Read(t, s.ID)
		}
	}
	if m.Subject != "Top-up of €12.50 credited to your wallet" || !strings.Contains(m.Text, url+"/wallet") || !strings.Contains(m.Text, "City of Benevento") {
		t.Fatalf("receipt %q:\n%s", m.Subject, m.Text)
	}
	if !strings.HasSuffix(m.MessageID, "@127.0.0.1") {
		t.Errorf("Message-ID %q is not the hub's", m.MessageID)
	}
}

func stripeURLFromEnv(def string) string {
	if u := os.Getenv("CITYHUB_TEST_STRIPE_URL"); u != "" {
		return u
	}
	return def
}
