package api

import (
	"log/slog"
	"net/http"

	"cityhub/identity"
	"cityhub/web/httpx"
)

// Most handlers take the same steps: the caller (401 without one), the
// request's JSON body, one call to a domain service, which decides whether
// the caller may, and its answer or its refusal. These helpers take the
// steps, so that a handler says only which call it makes.

// answer writes status and what do returns (no body for 204), or do's
// error as a problem.
func answer[Out any](log *slog.Logger, w http.ResponseWriter, r *http.Request, status int, do func() (Out, error)) {
	out, err := do()
	switch {
	case err != nil:
		httpx.WriteError(log, w, r, err)
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	default:
		httpx.WriteJSON(w, status, out)
	}
}

// answerCaller is answer for the signed-in caller of r; Unauthenticated
// without one.
func answerCaller[Out any](log *slog.Logger, w http.ResponseWriter, r *http.Request, status int, do func(identity.Caller) (Out, error)) {
	answer(log, w, r, status, func() (Out, error) {
		c, err := httpx.Caller(r)
		if err != nil {
			var none Out
			return none, err
		}
		return do(c)
	})
}

// answerBody is answerCaller with r's JSON body decoded into In first.
func answerBody[In, Out any](log *slog.Logger, w http.ResponseWriter, r *http.Request, status int, do func(identity.Caller, In) (Out, error)) {
	answerCaller(log, w, r, status, func(c identity.Caller) (Out, error) {
		var in In
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			var none Out
			return none, err
		}
		return do(c, in)
	})
}

// noContent is the Out of a call that answers nothing (204).
type noContent struct{}
