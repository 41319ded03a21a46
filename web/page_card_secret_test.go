package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

var cardSecretRE = regexp.MustCompile(`data-client-secret="([^"]+)"`)

// The card page of a top-up sent as a form shows the PaymentIntent's
// client secret, which Stripe.js needs, but the answer kept for the same
// form sent again leaves it out (it is nowhere in request_answers); the
// form sent again shows the same intent with its secret, from the hub's
// memory or, on another hub (a replica, a restart), asked of Stripe again
// under the key that made the intent.
func TestCardPageSecretsAreNotKept(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			stripe := newIdempotentStripe(t)
			saved := &savedAnswers{}
			_, env := newTestServer(t, engine, withWallet(false), withTicketing, withPublishableKey, withRecordedStripe(&stripeRecorder{url: stripe.url}),
				func(env *testEnv, d *Deps) { saved.AnswerStore, d.Answers = d.Answers, saved })
			anna, _ := env.account(t, identity.RoleCitizen)
			first := httptest.NewServer(env.Server)
			defer first.Close()
			pc := webtest.SignedIn(t, first.URL, anna.Email, testPassword)
			_, body := pc.Get("/wallet/topup")
			form := url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]}, "key": {topUpKeyRE.FindStringSubmatch(body)[1]},
				"preset": {"2000"}, "return": {"/wallet"}}

			cardPage := func(what string, srv *httptest.Server) (intent, secret string) {
				t.Helper()
				pc.URL = srv.URL
				res, body := pc.Post("/wallet/topup", form)
				i, s := cardIntent.FindStringSubmatch(body), cardSecretRE.FindStringSubmatch(body)
				if res.StatusCode != http.StatusOK || i == nil || s == nil {
					t.Fatalf("%s: %d\n%s", what, res.StatusCode, body)
				}
				return i[1], s[1]
			}
			intent, secret := cardPage("the form", first)
			if !strings.Contains(secret, "_secret_") {
				t.Fatalf("the card page's secret %q", secret)
			}
			saved.mu.Lock()
			kept := len(saved.saved)
			for _, a := range saved.saved {
				if strings.Contains(string(a.Body), secret) || strings.Contains(string(a.Body), "_secret_") {
					t.Errorf("an answer kept with the secret: %s", a.Body)
				}
			}
			saved.mu.Unlock()
			if kept == 0 {
				t.Fatal("no answer kept for the form")
			}
			for _, b := range keptBodies(t, env.DB) {
				if strings.Contains(b, "_secret_") {
					t.Errorf("request_answers holds a secret: %s", b)
				}
			}
			if i, s := cardPage("the form sent again", first); i != intent || s != secret {
				t.Errorf("the form sent again: %s %s, want %s %s", i, s, intent, secret)
			}
			other := httptest.NewServer(New(env.Deps))
			defer other.Close()
			if i, s := cardPage("the form sent again to another hub", other); i != intent || s != secret {
				t.Errorf("on another hub: %s %s, want %s %s", i, s, intent, secret)
			}
		})
	}
}
