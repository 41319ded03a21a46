package ticketing_test

import (
	"errors"
	"testing"

	"cityhub/apperr"
	"cityhub/ticketing"
)

// One rule for every card refund the hub sends: done with Stripe's id,
// owed again when Stripe was unreachable, failed when it refused.
func TestRefundOutcome(t *testing.T) {
	down := apperr.E(apperr.Unavailable, "Stripe is down.")
	cases := []struct {
		name                 string
		err                  error
		state, stripeID, msg string
	}{
		{"accepted", nil, ticketing.RefundDone, "re_new", ""},
		{"unreachable", down, ticketing.RefundOwed, "re_old", down.Error()},
		{"refused", errors.New("charge already refunded"), ticketing.RefundFailed, "re_old", "charge already refunded"},
	}
	for _, c := range cases {
		state, id, msg := ticketing.RefundOutcome("re_old", "re_new", c.err)
		if state != c.state || id != c.stripeID || msg != c.msg {
			t.Errorf("%s: got (%q, %q, %q), want (%q, %q, %q)", c.name, state, id, msg, c.state, c.stripeID, c.msg)
		}
	}
}
