package httpx

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"cityhub/apperr"
)

// LimitBody bounds r's body at limit bytes, as http.MaxBytesReader does:
// reading past it fails with an *http.MaxBytesError. A body that declares
// a larger Content-Length fails so at its first read, before a byte of it
// is read, so a client that asked "Expect: 100-continue" is never told to
// go on and gets the refusal instead of a connection closed under a body
// it is still sending. Callers handle both failures alike.
func LimitBody(w http.ResponseWriter, r *http.Request, limit int64) {
	if r.ContentLength > limit {
		r.Body = declaredTooLarge{limit}
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
}

// declaredTooLarge is a body refused for its declared length: it never
// reads the connection.
type declaredTooLarge struct{ limit int64 }

func (d declaredTooLarge) Read([]byte) (int, error) { return 0, &http.MaxBytesError{Limit: d.limit} }
func (declaredTooLarge) Close() error               { return nil }

var _ io.ReadCloser = declaredTooLarge{}

// ReadBody reads r's whole body, bounded at limit bytes (LimitBody): a body
// over it is ErrTooLarge (413), one cut short (its sender went away half
// way) Invalid with reason body_unreadable.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	LimitBody(w, r, limit)
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, ErrTooLarge(tooBig.Limit)
	case err != nil:
		return nil, apperr.R(apperr.Invalid, "body_unreadable", "The body could not be read to its end.")
	}
	return body, nil
}

// NoBody wraps the handler of a route that takes no body: its body, if a
// signed-in caller sends one, is judged as an empty object's before next
// runs (DecodeJSON's rules: a field is refused as unknown_field, anything
// but an object as the body's type), and nothing changes, so that a client
// never believes a field it sent was taken. An empty body is no body. A
// request without a caller goes on to next, whose refusal (401) comes
// first; so NoBody is for routes that need a caller.
func NoBody(log *slog.Logger, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := Caller(r); err == nil {
			if err := emptyBody(w, r); err != nil {
				WriteError(log, w, r, err)
				return
			}
		}
		next(w, r)
	}
}

// emptyBody reads r's body and fails unless it is empty or decodes as an
// empty JSON object.
func emptyBody(w http.ResponseWriter, r *http.Request) error {
	body, err := ReadBody(w, r, MaxJSONBody)
	switch {
	case err != nil:
		return err
	case len(bytes.TrimSpace(body)) == 0:
		return nil
	}
	if err := jsonContentType(r); err != nil {
		return err
	}
	return judgeJSON(body, &struct{}{})
}
