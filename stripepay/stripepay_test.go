package stripepay_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"cityhub/apperr"
	"cityhub/stripepay"
)

const secret = "whsec_stripepay_test"

func newClient(t testing.TB) *stripepay.Client {
	t.Helper()
	url := os.Getenv("CITYHUB_TEST_STRIPE_URL")
	if url == "" {
		url = "http://127.0.0.1:12111"
	}
	c, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_stripepay", WebhookSecret: secret, APIURL: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewNeedsBothSecrets(t *testing.T) {
	for _, cfg := range []stripepay.Config{{SecretKey: "sk_test_x"}, {WebhookSecret: "whsec_x"}, {}} {
		if _, err := stripepay.New(cfg, nil); !apperr.Has(err, apperr.Invalid) {
			t.Errorf("New(%+v) = %v, want Invalid", cfg, err)
		}
	}
}

// CreateIntent against stripe-mock: the intent comes back with an id, a
// client secret, the amount and euros.
func TestCreateIntent(t *testing.T) {
	c := newClient(t)
	in, err := c.CreateIntent(context.Background(), 1234, map[string]string{"account_id": "acc_1"}, "topup-test-1")
	if err != nil {
		t.Fatalf("create intent (is stripe-mock running?): %v", err)
	}
	if in.ID == "" || in.ClientSecret == "" || in.Amount != 1234 || in.Currency != "eur" {
		t.Fatalf("intent %+v", in)
	}
}

// At the debug level, stripe-go's lines never reach the hub's log: its
// debug line holds every response body, a PaymentIntent's client_secret
// (which pays it) among them. Its errors still do.
func TestLogNeverShowsClientSecret(t *testing.T) {
	url := os.Getenv("CITYHUB_TEST_STRIPE_URL")
	if url == "" {
		url = "http://127.0.0.1:12111"
	}
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_stripepay", WebhookSecret: secret, APIURL: url}, log)
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.CreateIntent(context.Background(), 1234, map[string]string{"account_id": "acc_log"}, "topup-log-test")
	if err != nil {
		t.Fatalf("create intent (is stripe-mock running?): %v", err)
	}
	if in.ClientSecret == "" {
		t.Fatal("stripe-mock gave no client secret to look for")
	}
	if got := out.String(); strings.Contains(got, in.ClientSecret) || strings.Contains(got, "client_secret") || strings.Contains(got, "_secret_") {
		t.Fatalf("the log shows a client secret:\n%s", got)
	}

	out.Reset()
	down, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_stripepay", WebhookSecret: secret, APIURL: "http://127.0.0.1:1"}, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := down.CreateIntent(context.Background(), 100, nil, ""); err == nil {
		t.Fatal("an intent from a closed port")
	}
	if !strings.Contains(out.String(), "level=ERROR") {
		t.Errorf("stripe-go's error did not reach the log:\n%s", out.String())
	}
}

// FuzzParseEvent signs arbitrary bodies: a signed body is never refused as
// unsigned, and the same body with one byte changed always is.
func FuzzParseEvent(f *testing.F) {
	for _, seed := range []string{
		`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","amount":500,"currency":"eur","metadata":{"account_id":"acc_1"}}}}`,
		`{"id":"evt_2","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge"}}}`,
		`{"id":"evt_3","object":"event","type":"payment_intent.succeeded","data":{"object":{"object":"payment_intent","amount":"x"}}}`,
		`{"id":`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed), uint16(3))
	}
	c := newClient(f)
	f.Fuzz(func(t *testing.T, payload []byte, flip uint16) {
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret})
		ev, err := c.ParseEvent(payload, signed.Header)
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("a correctly signed body was refused with %v", err)
		}
		if err == nil && ev.Intent != nil && ev.Type == "" {
			t.Fatalf("an intent came out of an event without a type: %+v", ev)
		}
		if len(payload) == 0 {
			return
		}
		tampered := append([]byte(nil), payload...)
		tampered[int(flip)%len(tampered)] ^= 0x20
		if _, err := c.ParseEvent(tampered, signed.Header); !apperr.Has(err, apperr.Unauthenticated) {
			t.Fatalf("a tampered body was not refused as unsigned: %v", err)
		}
	})
}

// Refund against stripe-mock: the refund comes back with an id; an empty key
// or amount is refused before Stripe is asked.
func TestRefund(t *testing.T) {
	c := newClient(t)
	r, err := c.Refund(context.Background(), "pi_refundtest", 700, "refund-test-1")
	if err != nil {
		t.Fatalf("refund (is stripe-mock running?): %v", err)
	}
	if r.ID == "" {
		t.Fatalf("refund %+v has no id", r)
	}
	if _, err := c.Refund(context.Background(), "pi_refundtest", 700, ""); !apperr.Has(err, apperr.Invalid) {
		t.Errorf("refund without key = %v, want Invalid", err)
	}
	if _, err := c.Refund(context.Background(), "pi_refundtest", 0, "k"); !apperr.Has(err, apperr.Invalid) {
		t.Errorf("refund of 0 = %v, want Invalid", err)
	}
}

// A Stripe that does not answer is Unavailable, so the refund stays owed.
func TestRefundUnreachable(t *testing.T) {
	c, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_x", WebhookSecret: secret, APIURL: "http://127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refund(context.Background(), "pi_x", 100, "refund-unreachable"); !apperr.Has(err, apperr.Unavailable) {
		t.Fatalf("refund against a closed port = %v, want Unavailable", err)
	}
}

// A webhook signed further from the hub's clock than the tolerance is
// refused in both directions: ten minutes in the future was accepted
// before, like a replay from ten minutes ago must not be.
func TestParseEventTolerance(t *testing.T) {
	c := newClient(t)
	payload := []byte(`{"id":"evt_tol","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_tol","object":"payment_intent","amount":500,"currency":"eur"}}}`)
	for _, tc := range []struct {
		name   string
		offset time.Duration
		want   apperr.Code
	}{
		{"now", 0, ""},
		{"four minutes ago", -4 * time.Minute, ""},
		{"four minutes ahead", 4 * time.Minute, ""},
		{"ten minutes ago", -10 * time.Minute, apperr.Invalid},
		{"ten minutes ahead", 10 * time.Minute, apperr.Invalid},
		{"six minutes ahead", 6 * time.Minute, apperr.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now().Add(tc.offset)})
			ev, err := c.ParseEvent(payload, signed.Header)
			if tc.want == "" {
				if err != nil || ev.Intent == nil || ev.Intent.ID != "pi_tol" {
					t.Fatalf("ParseEvent = %+v, %v", ev, err)
				}
				return
			}
			if apperr.CodeOf(err) != tc.want || apperr.ReasonOf(err) != "webhook_timestamp" {
				t.Fatalf("ParseEvent = %v, want %s webhook_timestamp", err, tc.want)
			}
			// A forged signature is 401 whatever its timestamp says.
			forged := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: "whsec_other", Timestamp: time.Now().Add(tc.offset)})
			if _, err := c.ParseEvent(payload, forged.Header); !apperr.Has(err, apperr.Unauthenticated) {
				t.Fatalf("forged = %v, want Unauthenticated", err)
			}
		})
	}
	// A fresh timestamp put before an old delivery's signed one: stripe-go
	// verifies the last, and the hub read the first.
	old := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now().Add(-72 * time.Hour)})
	doubled := fmt.Sprintf("t=%d,%s", time.Now().Unix(), old.Header)
	if _, err := c.ParseEvent(payload, doubled); !apperr.Has(err, apperr.Unauthenticated) {
		t.Fatalf("an old delivery with a fresh t= in front = %v, want Unauthenticated", err)
	}
	narrow, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_x", WebhookSecret: secret, WebhookTolerance: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now().Add(2 * time.Minute)})
	if _, err := narrow.ParseEvent(payload, signed.Header); !apperr.Has(err, apperr.Invalid) {
		t.Fatalf("a configured tolerance of one minute accepted two: %v", err)
	}
}

// Charges and disputes come out of their events with what the hub reads.
func TestParseEventChargeAndDispute(t *testing.T) {
	c := newClient(t)
	for _, tc := range []struct {
		payload string
		check   func(stripepay.Event) bool
	}{
		{`{"id":"evt_r","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge","payment_intent":"pi_1","amount":2500,"amount_captured":2500,"amount_refunded":700,"currency":"eur","paid":true}}}`,
			func(ev stripepay.Event) bool {
				ch := ev.Charge
				return ch != nil && ch.ID == "ch_1" && ch.PaymentIntent == "pi_1" && ch.AmountRefunded == 700 && ch.AmountCaptured == 2500 && ch.Paid
			}},
		{`{"id":"evt_d","object":"event","type":"charge.dispute.closed","data":{"object":{"id":"du_1","object":"dispute","charge":"ch_1","payment_intent":"pi_1","amount":2500,"currency":"eur","status":"lost","reason":"fraudulent"}}}`,
			func(ev stripepay.Event) bool {
				d := ev.Dispute
				return d != nil && d.ID == "du_1" && d.Charge == "ch_1" && d.PaymentIntent == "pi_1" && d.Amount == 2500 && d.Status == "lost" && d.Reason == "fraudulent"
			}},
	} {
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(tc.payload), Secret: secret})
		ev, err := c.ParseEvent([]byte(tc.payload), signed.Header)
		if err != nil || !tc.check(ev) {
			t.Fatalf("ParseEvent(%s) = %+v %+v %+v, %v", tc.payload, ev, ev.Charge, ev.Dispute, err)
		}
	}
}

// CancelIntent against stripe-mock: an intent the hub created is canceled;
// an intent Stripe refuses to cancel (here one stripe-mock does not know
// how to address) is Conflict, so that its own outcome decides.
func TestCancelIntent(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	in, err := c.CreateIntent(ctx, 1500, map[string]string{"order_id": "tord_1"}, "cancel-test-1")
	if err != nil {
		t.Fatalf("create intent (is stripe-mock running?): %v", err)
	}
	if err := c.CancelIntent(ctx, in.ID); err != nil {
		t.Fatalf("cancel %s: %v", in.ID, err)
	}
	if err := c.CancelIntent(ctx, "pi_no/such"); !apperr.Has(err, apperr.Conflict) || !strings.Contains(err.Error(), "pi_no/such") {
		t.Fatalf("cancel refused by Stripe: %v, want Conflict naming the intent", err)
	}
	if err := c.CancelIntent(ctx, ""); !apperr.Has(err, apperr.Invalid) {
		t.Fatalf("cancel without an id: %v", err)
	}
}

// Stripe's refusals of a cancel, as Stripe words them: an intent that
// succeeded or is processing is Conflict; one already canceled is
// canceled (a lost answer asked again), whether the refusal says so or
// the intent must be read; Stripe failing on its side is Unavailable.
func TestCancelIntentRefusals(t *testing.T) {
	unexpected := func(status string) string {
		pi := ""
		if status != "" {
			pi = fmt.Sprintf(`,"payment_intent":{"id":"pi_x","object":"payment_intent","status":%q}`, status)
		}
		return `{"error":{"type":"invalid_request_error","code":"payment_intent_unexpected_state",` +
			`"message":"You cannot cancel this PaymentIntent because it has a status of ` + status + `."` + pi + `}}`
	}
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		readStatus string
		want       apperr.Code
	}{
		{"succeeded", 400, unexpected("succeeded"), "", apperr.Conflict},
		{"processing", 400, unexpected("processing"), "", apperr.Conflict},
		{"already canceled", 400, unexpected("canceled"), "", ""},
		{"read as canceled", 400, unexpected(""), "canceled", ""},
		{"read as succeeded", 400, unexpected(""), "succeeded", apperr.Conflict},
		{"stripe failing", 500, `{"error":{"type":"api_error","message":"boom"}}`, "", apperr.Unavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Stripe-Should-Retry", "false")
				if r.Method == http.MethodGet {
					fmt.Fprintf(w, `{"id":"pi_x","object":"payment_intent","status":%q}`, tc.readStatus)
					return
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			c, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_stripepay", WebhookSecret: secret, APIURL: srv.URL}, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = c.CancelIntent(context.Background(), "pi_x")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("cancel: %v, want canceled", err)
				}
				return
			}
			if !apperr.Has(err, tc.want) {
				t.Fatalf("cancel: %v, want %s", err, tc.want)
			}
		})
	}
}
