package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// statusOf is the one place error codes become HTTP statuses.
func statusOf(code apperr.Code) int {
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

// reasonTooLarge marks a body over its limit. It is an Invalid error, but
// HTTP has its own status for it (413), so a client and a person learn the
// real cause rather than a generic refusal.
const reasonTooLarge = "body_too_large"

// statusFor is the HTTP status of err: statusOf its code, except for a body
// that is too large.
func statusFor(err error) int {
	if apperr.ReasonOf(err) == reasonTooLarge {
		return http.StatusRequestEntityTooLarge
	}
	return statusOf(apperr.CodeOf(err))
}

// errTooLarge is the error of a body over limit bytes.
func errTooLarge(limit int64) error {
	return apperr.R(apperr.Invalid, reasonTooLarge, "The request is larger than %d bytes.", limit)
}

// writeError answers with a problem+json body for err. Only internal errors are
// logged, with their cause; their message to the client is generic.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	status := statusFor(err)
	if code == apperr.Internal {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if code == apperr.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cityhub"`)
	}
	setRetryAfter(w, err)
	writeProblem(w, Problem{
		Type:     "https://cityhub.example/problems/" + string(code),
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   apperr.MessageOf(err),
		Instance: r.URL.Path,
		Code:     string(code),
		Reason:   apperr.ReasonOf(err),
	})
}

// setRetryAfter sends Retry-After (whole seconds, rounded up) when err says
// how long to wait, as a throttled login does.
func setRetryAfter(w http.ResponseWriter, err error) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ra.RetryAfter().Seconds()))))
	}
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// MaxJSONBody bounds request bodies of the JSON API.
const MaxJSONBody = 64 << 10

// decodeJSON reads exactly one JSON object into dst, refusing unknown fields,
// wrong types, trailing data, invalid text (NUL, bytes that are not UTF-8)
// and bodies over MaxJSONBody (413), with a message that says which.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.R(apperr.Invalid, "unsupported_media_type", "The body must be application/json.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxJSONBody)
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return errTooLarge(tooBig.Limit)
	case err != nil:
		return apperr.R(apperr.Invalid, "malformed_json", "The body could not be read.")
	case !utf8.Valid(body):
		return errInvalidText("body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return apperr.R(apperr.Invalid, "malformed_json", "The body is not valid JSON (at byte %d).", syn.Offset)
		case errors.As(err, &typ):
			return apperr.R(apperr.Invalid, "wrong_type", "The field %q must be %s.", typ.Field, typ.Type.String())
		case errors.Is(err, io.EOF):
			return apperr.R(apperr.Invalid, "empty_body", "The body is empty; a JSON object is required.")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return apperr.R(apperr.Invalid, "malformed_json", "The body is not valid JSON (it ends too early).")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return apperr.R(apperr.Invalid, "unknown_field", "The body has an unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return apperr.R(apperr.Invalid, "malformed_json", "The body could not be read as JSON.")
	}
	if dec.More() {
		return apperr.R(apperr.Invalid, "malformed_json", "The body must hold exactly one JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.R(apperr.Invalid, "malformed_json", "The body must hold exactly one JSON object.")
	}
	return decodedTextError(dst)
}
