package stripepay_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/stripepay"
)

// A Stripe that does not answer is Unavailable with a reason of its own for
// starting and for cancelling a card payment, so that a page can tell the
// buyer, in their language, that nothing was charged or changed.
func TestUnreachableStripeNamesWhatCouldNotBeDone(t *testing.T) {
	c, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_x", WebhookSecret: secret, APIURL: "http://127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.CreateIntent(ctx, 1000, nil, "k-start")
	if !apperr.Has(err, apperr.Unavailable) || apperr.ReasonOf(err) != stripepay.ReasonStartUnavailable {
		t.Errorf("start with Stripe unreachable: %v (reason %q), want unavailable, %s", err, apperr.ReasonOf(err), stripepay.ReasonStartUnavailable)
	}
	err = c.CancelIntent(ctx, "pi_123")
	if !apperr.Has(err, apperr.Unavailable) || apperr.ReasonOf(err) != stripepay.ReasonCancelUnavailable {
		t.Errorf("cancel with Stripe unreachable: %v (reason %q), want unavailable, %s", err, apperr.ReasonOf(err), stripepay.ReasonCancelUnavailable)
	}
}
