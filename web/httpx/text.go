package httpx

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/plaintext"
)

// Every string a request carries into the hub (path, query, the headers the
// hub reads, form fields, JSON strings) must be valid UTF-8 without NUL:
// PostgreSQL refuses both in text columns, so without this check a stray byte
// became a 500 on one engine and stored garbage on the other. Requests are
// refused with 400 (reason invalid_text) before any store is asked.

// readHeaders are the request headers whose values reach a store, a log
// line or a token check.
var readHeaders = []string{"Authorization", "Idempotency-Key", "X-Device-Id", "X-Request-Id", "X-CSRF-Token", "Accept-Language"}

// ValidText reports whether s is valid UTF-8 without NUL.
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// ErrInvalidText is the error of text that is not valid UTF-8 or holds NUL,
// found in where.
func ErrInvalidText(where string) error {
	return apperr.R(apperr.Invalid, "invalid_text", "The %s holds a NUL character or bytes that are not UTF-8.", where)
}

// RequestTextError checks the path, the query and the headers the hub reads.
func RequestTextError(r *http.Request) error {
	if !ValidText(r.URL.Path) {
		return ErrInvalidText("path")
	}
	if r.URL.RawQuery != "" {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return apperr.R(apperr.Invalid, "invalid_query", "The query string is malformed.")
		}
		if err := ValuesTextError(q, "query"); err != nil {
			return err
		}
	}
	for _, h := range readHeaders {
		for _, v := range r.Header.Values(h) {
			if !ValidText(v) {
				return ErrInvalidText(h + " header")
			}
		}
	}
	// A till names itself; the name is kept with every redemption and
	// printed in shops' statements, so it is a short label, not a store.
	if v := r.Header.Values("X-Device-Id"); len(v) > 1 {
		// Which till made a redemption must not depend on which copy a
		// reader takes.
		return apperr.R(apperr.Invalid, "bad_device_id", "Send one X-Device-Id header.")
	}
	if v := r.Header.Get("X-Device-Id"); len(v) > MaxDeviceIDLen || !plaintext.Line(v) {
		return apperr.R(apperr.Invalid, "bad_device_id", "The X-Device-Id header must be at most %d bytes, without control characters.", MaxDeviceIDLen)
	}
	return nil
}

// MaxDeviceIDLen bounds the X-Device-Id header.
const MaxDeviceIDLen = 100

// ValuesTextError checks every name and value of a query or form.
func ValuesTextError(vs url.Values, where string) error {
	for k, list := range vs {
		if !ValidText(k) {
			return ErrInvalidText(where)
		}
		for _, v := range list {
			if !ValidText(v) {
				return ErrInvalidText(where + " field " + k)
			}
		}
	}
	return nil
}

// CheckText refuses a request whose path, query or read headers hold
// invalid text: with apiError where machines read (machine(path): the API,
// the open feeds, Open311), with pageError elsewhere.
func CheckText(machine func(path string) bool, apiError, pageError func(http.ResponseWriter, *http.Request, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := RequestTextError(r); err != nil {
			if machine(r.URL.Path) {
				apiError(w, r, err)
			} else {
				pageError(w, r, err)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// DecodedTextError walks a decoded JSON body and reports the first string
// holding NUL (sent as \u0000); invalid UTF-8 bytes and lone surrogate
// escapes in the raw body are refused before decoding (judgeJSON).
func DecodedTextError(v any) error {
	if field, ok := badString(reflect.ValueOf(v), ""); !ok {
		if field == "" {
			return ErrInvalidText("body")
		}
		return ErrInvalidText("field " + field)
	}
	return nil
}

// badString is the path of the first invalid string under v; ok=false when
// there is one.
func badString(v reflect.Value, path string) (string, bool) {
	if v.IsValid() && v.Type() == ignoredType {
		return path, !v.Field(0).Bool()
	}
	switch v.Kind() {
	case reflect.String:
		return path, ValidText(v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", true
		}
		return badString(v.Elem(), path)
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			name := t.Field(i).Name
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag != "" && tag != "-" {
				name = tag
			}
			if t.Field(i).Anonymous {
				name = path
			} else if path != "" {
				name = path + "." + name
			}
			if p, ok := badString(v.Field(i), name); !ok {
				return p, false
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "", true // []byte is binary by design
		}
		for i := range v.Len() {
			if p, ok := badString(v.Index(i), path); !ok {
				return p, false
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if p, ok := badString(iter.Key(), path); !ok {
				return p, false
			}
			if p, ok := badString(iter.Value(), path); !ok {
				return p, false
			}
		}
	}
	return "", true
}
