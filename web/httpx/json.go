package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"cityhub/apperr"
)

// WriteJSON answers with v as JSON. It may not be kept (Cache-Control:
// no-store) unless the caller has said how long it may (the open data).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// MaxJSONBody bounds request bodies of the JSON API.
const MaxJSONBody = 64 << 10

// DecodeJSON reads exactly one JSON object into dst, refusing unknown fields,
// wrong types, trailing data, invalid text (NUL, bytes that are not UTF-8)
// and bodies over MaxJSONBody (413), with a message that says which.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.R(apperr.Invalid, "unsupported_media_type", "The body must be application/json.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxJSONBody)
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return ErrTooLarge(tooBig.Limit)
	case err != nil:
		return apperr.R(apperr.Invalid, "malformed_json", "The body could not be read.")
	case !utf8.Valid(body):
		return ErrInvalidText("body")
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
	return DecodedTextError(dst)
}
