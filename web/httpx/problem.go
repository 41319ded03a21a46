package httpx

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"cityhub/apperr"
)

// Problem is an RFC 9457 problem details body, with cityhub's stable "code"
// (an apperr.Code) and optional "reason" members.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
	Reason   string `json:"reason,omitempty"`
}

// StatusOf is the one place error codes become HTTP statuses.
func StatusOf(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	case apperr.InsufficientFunds:
		return http.StatusPaymentRequired
	}
	return http.StatusInternalServerError
}

// ReasonTooLarge marks a body over its limit. It is an Invalid error, but
// HTTP has its own status for it (413), so a client and a person learn the
// real cause rather than a generic refusal.
const ReasonTooLarge = "body_too_large"

// ReasonUnsupportedMedia marks a body declared as a type the operation
// does not read. Invalid too, with HTTP's own status (415), as Open311's
// POST answers the same mistake.
const ReasonUnsupportedMedia = "unsupported_media_type"

// StatusFor is the HTTP status of err: StatusOf its code, except for a body
// that is too large or of a type the operation does not read.
func StatusFor(err error) int {
	switch apperr.ReasonOf(err) {
	case ReasonTooLarge:
		return http.StatusRequestEntityTooLarge
	case ReasonUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	}
	return StatusOf(apperr.CodeOf(err))
}

// ErrTooLarge is the error of a body over limit bytes.
func ErrTooLarge(limit int64) error {
	return apperr.R(apperr.Invalid, ReasonTooLarge, "The request is larger than %d bytes.", limit)
}

// WriteError answers with a problem+json body for err. Only internal errors
// and a database that did not answer are logged (on log), with their cause;
// their message to the client is generic.
func WriteError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	if apperr.IsServerFault(err) {
		log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if code == apperr.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cityhub"`)
	}
	SetRetryAfter(w, err)
	WriteProblem(w, ProblemOf(err, r.URL.Path))
}

// ProblemOf is the problem that describes err, about instance (a path); an
// internal error's detail is generic. WriteError answers with it; an answer
// that succeeded in part carries it for the part that failed.
func ProblemOf(err error, instance string) Problem {
	code := apperr.CodeOf(err)
	status := StatusFor(err)
	return Problem{
		Type:     "https://cityhub.example/problems/" + string(code),
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   apperr.MessageOf(err),
		Instance: instance,
		Code:     string(code),
		Reason:   apperr.ReasonOf(err),
	}
}

// SetRetryAfter sends Retry-After (whole seconds, rounded up) when err says
// how long to wait, as a throttled login does.
func SetRetryAfter(w http.ResponseWriter, err error) {
	if d := apperr.RetryAfterOf(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
}

// WriteProblem answers with the problem p.
func WriteProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteMethodNotAllowed answers 405 with Allow (the methods r's path takes)
// and a problem, as the mux would with text; the reason is the one the
// pages give.
func WriteMethodNotAllowed(w http.ResponseWriter, r *http.Request, allow []string) {
	methods := strings.Join(allow, ", ")
	w.Header().Set("Allow", methods)
	p := ProblemOf(apperr.R(apperr.Invalid, "method_not_allowed", "This address answers %s only.", methods), r.URL.Path)
	p.Status, p.Title = http.StatusMethodNotAllowed, http.StatusText(http.StatusMethodNotAllowed)
	WriteProblem(w, p)
}
