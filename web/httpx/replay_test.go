package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"cityhub/apperr"
	"cityhub/idem"
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
	errs := []error{idem.ErrKeyInUse, ErrTooLarge(MaxJSONBody)}
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
