package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"cityhub/idem"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/web/api"
)

// savedAnswers records every answer the hub keeps for a keyed request.
type savedAnswers struct {
	idem.AnswerStore
	mu    sync.Mutex
	saved []idem.Answer
}

func (s *savedAnswers) SaveAnswer(ctx context.Context, scope, key string, a idem.Answer) error {
	s.mu.Lock()
	s.saved = append(s.saved, a)
	s.mu.Unlock()
	return s.AnswerStore.SaveAnswer(ctx, scope, key, a)
}

// keptBodies are the bodies of every answer the database keeps.
func keptBodies(t *testing.T, db store.DB) []string {
	t.Helper()
	return storetest.Strings(t, db, `SELECT body FROM request_answers WHERE done`)
}

// idempotentStripe stands before stripe-mock as Stripe stands for its
// clients: a PaymentIntent created again under an idempotency key it saw
// is answered with the first answer (stripe-mock makes a new one each
// time), until forget, as Stripe after a day. It lists the intents
// canceled.
type idempotentStripe struct {
	url      string
	mu       sync.Mutex
	answers  map[string][]byte
	canceled []string
}

func newIdempotentStripe(t *testing.T) *idempotentStripe {
	t.Helper()
	s := &idempotentStripe{answers: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		create := r.Method == "POST" && r.URL.Path == "/v1/payment_intents" && key != ""
		s.mu.Lock()
		if id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1/payment_intents/"), "/cancel"); ok && r.Method == "POST" {
			s.canceled = append(s.canceled, id)
		}
		first, seen := s.answers[key]
		s.mu.Unlock()
		if create && seen {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			_, _ = w.Write(first)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, stripeURL()+r.URL.RequestURI(), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if create && res.StatusCode == http.StatusOK {
			s.mu.Lock()
			s.answers[key] = body
			s.mu.Unlock()
		}
		for k, v := range res.Header {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *idempotentStripe) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.answers)
}

// A keyed card top-up and a keyed card payment of a ticket order answer
// the PaymentIntent's client_secret, which Stripe.js needs, but the answer
// kept for their retries leaves it out (it is nowhere in request_answers);
// a retry still gets the first answer whole, with the secret from the
// hub's memory, or, on another hub (a replica, a restart), asked of Stripe
// again under the key that made the intent. Once Stripe no longer answers
// that key with the first intent (after a day), the intent it made instead
// is canceled and the retry is refused, never given the secret of a
// payment the hub never recorded.
func TestCardPaymentSecretsAreNotKept(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			stripe := newIdempotentStripe(t)
			saved := &savedAnswers{}
			_, env := newTestServer(t, engine, withWallet(false), withTicketing, withRecordedStripe(&stripeRecorder{url: stripe.url}), func(env *testEnv, d *Deps) {
				saved.AnswerStore, d.Answers = d.Answers, saved
			})
			citizen := env.login(t, identity.RoleCitizen)
			noSecretKept := func(what string) {
				t.Helper()
				saved.mu.Lock()
				defer saved.mu.Unlock()
				if len(saved.saved) == 0 {
					t.Fatalf("%s: no answer kept", what)
				}
				bodies := keptBodies(t, env.DB)
				for _, a := range saved.saved {
					bodies = append(bodies, string(a.Body))
				}
				for _, b := range bodies {
					if strings.Contains(b, "client_secret") || strings.Contains(b, "_secret_") {
						t.Fatalf("%s: an answer kept with a secret: %s", what, b)
					}
				}
			}
			send := func(s *Server, path, body, key string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("POST", path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", citizen)
				req.Header.Set("Idempotency-Key", key)
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				return rec
			}

			// A card top-up.
			const topUp, amount = "/api/v1/wallet/topups", `{"amount_cents":2500}`
			first := send(env.Server, topUp, amount, "card-secret-0001")
			var tb topupBody
			decodeInto(t, mustStatus(t, first, http.StatusCreated), &tb)
			if tb.ClientSecret == "" || tb.PaymentIntentID == "" {
				t.Fatalf("card top-up answer %s", first.Body)
			}
			noSecretKept("top-up")
			wantReplayOf(t, "the top-up's retry", send(env.Server, topUp, amount, "card-secret-0001"), first)
			wantReplayOf(t, "the top-up's retry on another hub", send(New(env.Deps), topUp, amount, "card-secret-0001"), first)
			// Stripe forgot the key: it makes another intent.
			stripe.forget()
			res := send(New(env.Deps), topUp, amount, "card-secret-0001")
			if p := wantProblem(t, res, http.StatusConflict); p.Reason != "payment_secret_expired" {
				t.Fatalf("a retry once Stripe forgot the key: %+v", p)
			}
			stripe.mu.Lock()
			canceled := slices.Clone(stripe.canceled)
			stripe.mu.Unlock()
			if len(canceled) != 1 || canceled[0] == tb.PaymentIntentID {
				t.Fatalf("the intent made again was not canceled alone: %v (the first %s)", canceled, tb.PaymentIntentID)
			}
			// The kept answer stays, and the first hub still has the secret.
			wantReplayOf(t, "the top-up's later retry", send(env.Server, topUp, amount, "card-secret-0001"), first)
			noSecretKept("top-up, retried")

			// A ticket order paid by card.
			admin := env.login(t, identity.RoleAdmin)
			var v ticketing.Venue
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/venues", admin, validVenue), http.StatusCreated), &v)
			mustStatus(t, env.do(t, "PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, seatMapBody), http.StatusOK)
			var p ticketing.Performance
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/performances", admin,
				`{"venue_id":"`+v.ID+`","title":"Il berretto a sonagli","starts_at":"2099-11-20T21:00","prices_cents":{"stalls":2500,"balcony":1500}}`), http.StatusCreated), &p)
			var o ticketing.Order
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen, `{"seats":["Platea/A/1"]}`), http.StatusCreated), &o)
			pay := "/api/v1/ticket-orders/" + o.ID + "/pay"
			paid := send(env.Server, pay, `{"method":"card"}`, "pay-secret-0001")
			var card api.TicketPayment
			decodeInto(t, mustStatus(t, paid, http.StatusAccepted), &card)
			if card.ClientSecret == "" || card.PaymentIntentID == "" {
				t.Fatalf("card payment answer %s", paid.Body)
			}
			noSecretKept("ticket order")
			wantReplayOf(t, "the payment's retry", send(env.Server, pay, `{"method":"card"}`, "pay-secret-0001"), paid)
			wantReplayOf(t, "the payment's retry on another hub", send(New(env.Deps), pay, `{"method":"card"}`, "pay-secret-0001"), paid)
		})
	}
}
