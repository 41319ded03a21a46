package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
)

// Without card payments (none at all, or test payments only) Stripe's
// webhook and the list of the events it left for an operator are not
// there: 404 with reason payments_off, the reason top-ups and ticket card
// payments give on such a hub, whoever asks (there is nothing to
// authorise), and a wrong method is still 405.
func TestStripeRoutesWithoutCardPayments(t *testing.T) {
	t.Parallel()
	for _, test := range []bool{false, true} {
		_, env := newTestServer(t, "sqlite", withWallet(test))
		admin := env.login(t, identity.RoleAdmin)
		citizen := env.login(t, identity.RoleCitizen)
		for _, c := range []struct{ method, path, auth, body string }{
			{"POST", "/api/v1/stripe/webhook", "", `{}`},
			{"GET", "/api/v1/admin/payments/events", admin, ""},
			{"GET", "/api/v1/admin/payments/events", citizen, ""},
			{"GET", "/api/v1/admin/payments/events", "", ""},
		} {
			p := wantProblem(t, env.do(t, c.method, c.path, c.auth, c.body), http.StatusNotFound)
			if p.Reason != "payments_off" {
				t.Errorf("test payments %v: %s %s: reason %q, want payments_off", test, c.method, c.path, p.Reason)
			}
		}
		if rec := env.do(t, "GET", "/api/v1/stripe/webhook", "", ""); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
			t.Errorf("test payments %v: GET of the webhook: %d, Allow %q", test, rec.Code, rec.Header().Get("Allow"))
		}
	}
}
