package stripepay_test

import (
	"context"
	"os"
	"testing"

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
