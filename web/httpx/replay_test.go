package httpx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/idem/idemtest"
	"cityhub/identity"
	"cityhub/store/storetest"
)

// A keyed request whose handler fails with a 5xx (or panics) leaves no
// answer behind: the retry runs again.
func TestFailedAnswersAreNotKept(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			rp := &Replayer{Answering: NewAnswering(storetest.Open(t, engine).Answers()), Log: storetest.Logger(t)}
			var calls atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch calls.Add(1) {
				case 1:
					w.Header().Set("Retry-After", "5")
					WriteProblem(w, Problem{Status: http.StatusServiceUnavailable, Code: "unavailable", Title: "down"})
				case 2:
					panic("boom")
				default:
					WriteJSON(w, http.StatusCreated, map[string]int64{"call": calls.Load()})
				}
			})
			r := httptest.NewRequest("POST", "/api/v1/anything", nil)
			ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "acc_x"})
			try := func() *httptest.ResponseRecorder {
				rec := httptest.NewRecorder()
				req := r.Clone(ctx)
				req.Header.Set("Idempotency-Key", "k-1")
				func() {
					defer func() { _ = recover() }()
					rp.ServeKeyed(rec, req, "POST /api/v1/anything", h)
				}()
				return rec
			}
			// A refusal that says when to come back says it through the
			// keyed route too.
			if rec := try(); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "5" {
				t.Fatalf("first: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
			}
			try() // panics
			rec := try()
			if rec.Code != http.StatusCreated || rec.Body.String() != "{\"call\":3}\n" {
				t.Fatalf("third: %d %s", rec.Code, rec.Body.String())
			}
			if rec := try(); rec.Code != http.StatusCreated || rec.Body.String() != "{\"call\":3}\n" || calls.Load() != 3 {
				t.Fatalf("fourth: %d %s after %d calls", rec.Code, rec.Body.String(), calls.Load())
			}
		})
	}
}

// The routes whose operations keep their own answers (OwnAnswers, with
// idem.Keeps) keep the same ones the Replayer keeps for every other route
// (KeepAnswer): one rule, in the domain's codes and in HTTP statuses.
func TestOwnAnswersKeptAsTheReplayerKeepsThem(t *testing.T) {
	codes := []apperr.Code{apperr.Invalid, apperr.NotFound, apperr.Conflict, apperr.Unauthenticated, apperr.Forbidden,
		apperr.RateLimited, apperr.Unavailable, apperr.InsufficientFunds, apperr.Internal}
	errs := []error{idem.ErrKeyInUse, idem.ErrKeyReused, idem.ErrAnswerLost, ErrTooLarge(MaxJSONBody)}
	for _, c := range codes {
		errs = append(errs, apperr.R(c, "some_reason", "A refusal."))
	}
	for _, err := range errs {
		rec := httptest.NewRecorder()
		WriteProblem(rec, ProblemOf(err, "/api/v1/x"))
		byStatus := KeepAnswer(idem.Answer{Status: rec.Code, Body: rec.Body.Bytes()})
		if byCode := idem.Keeps(err); byCode != byStatus {
			t.Errorf("%v (%d): kept by its operation %v, by the Replayer %v", err, rec.Code, byCode, byStatus)
		}
	}
}

// Two requests under one key with different bodies, released together, on
// a route whose operation records its key itself: the one that finds the
// key held waits for the first one's answer, and only then is its
// operation asked (with that answer, FirstAnswer), which refuses it as
// another request (an operation that records its key may find it the
// same); it never runs blind while the first runs, nor is refused before
// the first one's answer says whether the key was kept. The first
// one's retry replays its answer; the other's is refused again.
func TestOneKeyTwoBodiesWhileTheFirstRuns(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			held := &idemtest.HeldAnswers{AnswerStore: storetest.Open(t, engine).Answers()}
			const pattern = "POST /api/v1/things"
			rp := &Replayer{Answering: NewAnswering(held), SelfKeyed: map[string]bool{pattern: true}, Log: storetest.Logger(t)}
			// The operation: its own record of each key's body, as idem.Do
			// keeps; another body under a recorded key is refused.
			var mu sync.Mutex
			record := map[string]string{}
			var blind atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if first, ok := FirstAnswer(r.Context()); !ok || first.Status == 0 {
					blind.Add(1)
				}
				body, _ := io.ReadAll(r.Body)
				key := r.Header.Get("Idempotency-Key")
				mu.Lock()
				got, done := record[key]
				if !done {
					record[key] = string(body)
				}
				mu.Unlock()
				if done && got != string(body) {
					WriteError(nil, w, r, idem.ErrKeyReused)
					return
				}
				WriteJSON(w, http.StatusCreated, map[string]string{"made": string(body)})
			})
			ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "acc_x"})
			send := func(key, body string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("POST", "/api/v1/things", strings.NewReader(body)).WithContext(ctx)
				req.Header.Set("Idempotency-Key", key)
				rec := httptest.NewRecorder()
				rp.ServeKeyed(rec, req, pattern, h)
				return rec
			}
			for round := range 20 {
				key := fmt.Sprintf("k-%03d", round)
				held.Race(key)
				bodies := [2]string{`{"n":1}`, `{"n":2}`}
				var res [2]*httptest.ResponseRecorder
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						res[i] = send(key, bodies[i])
					}()
				}
				blind.Store(0)
				close(start)
				wg.Wait()
				if n := blind.Load(); n != 1 {
					t.Fatalf("round %d: the operation ran %d times without the first answer", round, n)
				}
				if !held.Waited(key) {
					t.Fatalf("round %d: the other request did not wait for the first one's answer", round)
				}
				won := -1
				for i, r := range res {
					switch {
					case r.Code == http.StatusCreated && won < 0:
						won = i
					case r.Code == http.StatusConflict && strings.Contains(r.Body.String(), `"idempotency_key_reused"`):
					default:
						t.Fatalf("round %d: %d %s / %d %s", round, res[0].Code, res[0].Body, res[1].Code, res[1].Body)
					}
				}
				if won < 0 {
					t.Fatalf("round %d: neither ran: %s / %s", round, res[0].Body, res[1].Body)
				}
				if again := send(key, bodies[won]); again.Code != http.StatusCreated || again.Body.String() != res[won].Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
					t.Fatalf("round %d: the first one's retry: %d %s", round, again.Code, again.Body)
				}
				if again := send(key, bodies[1-won]); again.Code != http.StatusConflict {
					t.Fatalf("round %d: the other's retry: %d %s", round, again.Code, again.Body)
				}
			}
		})
	}
}

// A keyed request whose only committed write is bookkeeping (a limit's
// reservation, as a sign-up's) made without the pending mark
// (idem.WithoutPending) and that is then refused 429 leaves its key free:
// the retry runs again. Made with the mark, the key is lost (409
// idempotency_key_answer_lost), but only until the pruner forgets it with
// the answers kept as long ago: after CITYHUB_KEPT_ANSWERS_TTL a retry
// runs again, as for any key, where a lost key was kept for ever.
func TestBookkeepingLeavesNoKeyLostForEver(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, engine)
			rp := &Replayer{Answering: NewAnswering(db.Answers()), Log: storetest.Logger(t)}
			var mu sync.Mutex
			calls := map[string]int{}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				key := r.Header.Get("Idempotency-Key")
				mu.Lock()
				calls[key]++
				n := calls[key]
				mu.Unlock()
				ctx := r.Context()
				if strings.HasPrefix(key, "unmarked") {
					ctx = idem.WithoutPending(ctx)
				}
				now := time.Now()
				err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
					_, _, err := tx.ReserveLoginAttempt(ctx, fmt.Sprintf("att_%s_%d", key, n),
						[]identity.LoginBucket{{Subject: "signup:192.0.2.0/24", Limit: 100, Since: now.Add(-time.Hour)}}, now)
					return err
				})
				if err != nil {
					WriteError(nil, w, r, err)
					return
				}
				if n == 1 {
					WriteError(nil, w, r, apperr.R(apperr.RateLimited, "too_many_signups", "Too many sign-ups."))
					return
				}
				WriteJSON(w, http.StatusCreated, map[string]int{"call": n})
			})
			ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "acc_x"})
			send := func(key string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("POST", "/api/v1/accounts", strings.NewReader(`{}`)).WithContext(ctx)
				req.Header.Set("Idempotency-Key", key)
				rec := httptest.NewRecorder()
				rp.ServeKeyed(rec, req, "POST /api/v1/accounts", h)
				return rec
			}
			want := func(what string, rec *httptest.ResponseRecorder, status int, says string) {
				t.Helper()
				if rec.Code != status || !strings.Contains(rec.Body.String(), says) {
					t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
				}
			}

			want("unmarked, first", send("unmarked-1"), http.StatusTooManyRequests, "too_many_signups")
			want("unmarked, retried", send("unmarked-1"), http.StatusCreated, `{"call":2}`)
			if rec := send("unmarked-1"); rec.Header().Get("Idempotent-Replayed") != "true" || rec.Body.String() != "{\"call\":2}\n" {
				t.Fatalf("unmarked, retried again: %d %s", rec.Code, rec.Body)
			}

			want("marked, first", send("marked-1"), http.StatusTooManyRequests, "too_many_signups")
			want("marked, retried", send("marked-1"), http.StatusConflict, "idempotency_key_answer_lost")
			pruner, ok := db.(idem.Pruner)
			if !ok {
				t.Fatalf("%T prunes nothing", db)
			}
			const ttl = 24 * time.Hour
			if _, err := idem.Prune(context.Background(), pruner, ttl, time.Now()); err != nil {
				t.Fatal(err)
			}
			want("marked, retried within the TTL", send("marked-1"), http.StatusConflict, "idempotency_key_answer_lost")
			if _, err := idem.Prune(context.Background(), pruner, ttl, time.Now().Add(ttl)); err != nil {
				t.Fatal(err)
			}
			want("marked, retried after the TTL", send("marked-1"), http.StatusCreated, `{"call":2}`)
		})
	}
}

// A request under a key whose first request still runs past the wait is
// refused with idempotency_key_in_use and told when to come back
// (Retry-After), and runs nothing; that refusal is not the key's answer:
// once the first one ends, the retry gets its answer.
func TestKeyInUseSaysWhenToRetry(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			answering := NewAnswering(storetest.Open(t, engine).Answers())
			answering.Wait = 50 * time.Millisecond
			rp := &Replayer{Answering: answering, Log: storetest.Logger(t)}
			started, release := make(chan struct{}), make(chan struct{})
			var calls atomic.Int64
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					close(started)
					<-release
				}
				WriteJSON(w, http.StatusCreated, map[string]int64{"call": calls.Load()})
			})
			ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "acc_x"})
			try := func() *httptest.ResponseRecorder {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("POST", "/api/v1/anything", strings.NewReader(`{}`)).WithContext(ctx)
				req.Header.Set("Idempotency-Key", "k-in-use")
				rp.ServeKeyed(rec, req, "POST /api/v1/anything", h)
				return rec
			}
			firstDone := make(chan *httptest.ResponseRecorder, 1)
			go func() { firstDone <- try() }()
			<-started
			rec := try()
			if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `"idempotency_key_in_use"`) || rec.Header().Get("Retry-After") != keyInUseRetry {
				t.Errorf("while the first runs: %d, Retry-After %q, %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
			}
			close(release)
			first := <-firstDone
			if first.Code != http.StatusCreated {
				t.Fatalf("first: %d %s", first.Code, first.Body.String())
			}
			if rec := try(); rec.Code != http.StatusCreated || rec.Body.String() != first.Body.String() || rec.Header().Get("Retry-After") != "" || calls.Load() != 1 {
				t.Errorf("the retry after: %d %s, Retry-After %q, %d calls", rec.Code, rec.Body.String(), rec.Header().Get("Retry-After"), calls.Load())
			}
		})
	}
}
