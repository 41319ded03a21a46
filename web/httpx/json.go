package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
)

// WriteJSON answers with v as JSON. It may not be kept (Cache-Control:
// no-store) unless the caller has said how long it may (the open data).
// v is encoded before anything is sent: a value JSON cannot hold (a time
// past year 9999) answers 500 problem+json, where sending the status first
// answered it with an empty body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer putJSONBuffer(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		slog.Default().Error("encode a JSON answer", slog.Int("status", status), slog.Any("error", err))
		WriteProblem(w, ProblemOf(fmt.Errorf("encode a JSON answer: %w", err), ""))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// jsonBuffers keep WriteJSON's buffers between answers: every API answer,
// the till's redemptions among them, is encoded into one before it is sent,
// and a fresh buffer each time cost an allocation and its growth.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putJSONBuffer gives buf back, unless an unusually large answer grew it.
func putJSONBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		jsonBuffers.Put(buf)
	}
}

// MaxJSONBody bounds request bodies of the JSON API.
const MaxJSONBody = 64 << 10

// DecodeJSON reads exactly one JSON object into dst, refusing unknown fields,
// wrong types, trailing data, invalid text (NUL, bytes that are not UTF-8)
// and bodies over MaxJSONBody (413), with a message that says which. A key
// must be a field's JSON name exactly, case included, and no object may
// hold a key twice (see keysError). A whole number is one however it is
// written (1e3, 1000.0), and one too large for its field, whole or for a
// floating-point field (1e400), is no wrong type: it is read as the
// field's bound, for the operation to refuse as out of range (see
// clampIntegers).
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := jsonContentType(r); err != nil {
		return err
	}
	body, err := ReadBody(w, r, MaxJSONBody)
	switch {
	case apperr.ReasonOf(err) == "body_unreadable":
		return apperr.R(apperr.Invalid, "malformed_json", "The body could not be read.")
	case err != nil:
		return err
	}
	return judgeJSON(body, dst)
}

// loneSurrogate finds a \u escape of a UTF-16 surrogate (D800–DFFF) that
// is not half of a high-then-low pair: encoding/json decodes one as
// U+FFFD without a word, so a client's broken text would be stored
// altered. A backslash stands only inside strings in JSON, and an escaped
// one (\\) is skipped whole, so no string state is needed.
func loneSurrogate(body []byte) (string, bool) {
	hex4 := func(i int) (uint16, bool) {
		if i+6 > len(body) || body[i] != '\\' || body[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 16)
		return uint16(v), err == nil
	}
	for i := 0; i < len(body); i++ {
		j := bytes.IndexByte(body[i:], '\\')
		if j < 0 {
			break
		}
		i += j
		u, ok := hex4(i)
		switch {
		case !ok:
			i++ // another escape, \\ included: skip its second byte
		case u >= 0xD800 && u <= 0xDBFF:
			if low, ok := hex4(i + 6); ok && low >= 0xDC00 && low <= 0xDFFF {
				i += 11
				continue
			}
			return string(body[i+2 : i+6]), true
		case u >= 0xDC00 && u <= 0xDFFF:
			return string(body[i+2 : i+6]), true
		default:
			i += 5
		}
	}
	return "", false
}

// judgeJSON is DecodeJSON's judgement of a body it has read.
func judgeJSON(body []byte, dst any) error {
	if !utf8.Valid(body) {
		return ErrInvalidText("body")
	}
	if esc, ok := loneSurrogate(body); ok {
		return apperr.R(apperr.Invalid, "invalid_text",
			"The body holds a lone surrogate escape (\\u%s): a character beyond U+FFFF is written as a pair of them, or as itself in UTF-8.", esc)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if integerOverflow(err) {
		// A whole number written with an exponent or a fraction of zeros
		// is read as its digits, and one too large for its field as the
		// field's bound, for the operation to refuse as out of range
		// (json_range.go); the body is decoded again, from a zero dst. A
		// key keysError refuses is refused first.
		clamped, kerr := clampIntegers(body, reflect.TypeOf(dst))
		if kerr != nil {
			return kerr
		}
		if clamped != nil {
			reflect.ValueOf(dst).Elem().SetZero()
			dec = json.NewDecoder(bytes.NewReader(clamped))
			dec.DisallowUnknownFields()
			err = dec.Decode(dst)
		}
	}
	if err != nil {
		return decodeError(err, reflect.TypeOf(dst))
	}
	if dec.More() {
		return apperr.R(apperr.Invalid, "malformed_json", "The body must hold exactly one JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.R(apperr.Invalid, "malformed_json", "The body must hold exactly one JSON object.")
	}
	// The body is one valid JSON value of dst's shape: what is left to
	// refuse is what encoding/json lets through.
	if err := keysError(body, reflect.TypeOf(dst)); err != nil {
		return err
	}
	return DecodedTextError(dst)
}

// Uncompressed refuses (415 unsupported_media_type) a body sent with a
// Content-Encoding other than identity: the hub reads no compressed body.
// Decoded as it came, a gzipped body is malformed, and a plain one declared
// gzip would be read as other than what its header says. Every body the
// API and Open311 read (JSON, a form, a multipart form) passes this first.
func Uncompressed(r *http.Request) error {
	for _, enc := range r.Header.Values("Content-Encoding") {
		if e := strings.TrimSpace(enc); e != "" && !strings.EqualFold(e, "identity") {
			return apperr.R(apperr.Invalid, ReasonUnsupportedMedia, "The body must not be compressed: send it without Content-Encoding.")
		}
	}
	return nil
}

// jsonContentType refuses a body declared as anything but JSON. The media
// type is parsed rather than matched as a prefix: media types are
// case-insensitive and may carry parameters (RFC 9110), while a type that
// merely starts with the same letters (application/jsonx,
// application/json-patch+json) is another format.
func jsonContentType(r *http.Request) error {
	if err := Uncompressed(r); err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" || ct == "application/json" {
		// What nearly every client sends, without parsing it (every till
		// request comes through here).
		return nil
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return apperr.R(apperr.Invalid, ReasonUnsupportedMedia, "The body must be application/json.")
	}
	return nil
}

// decodeError is the error of a body encoding/json could not decode.
func decodeError(err error, dst reflect.Type) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.R(apperr.Invalid, "malformed_json", "The body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return errNotObject
	case errors.As(err, &typ):
		path := clientPath(dst, typ.Field)
		if what, field, ok := containerOf(dst, path); ok && !typ.Type.AssignableTo(field) {
			// encoding/json names the field whose element or value is
			// wrong, and that element's type: "seats" must be an array,
			// of strings.
			return apperr.R(apperr.Invalid, "wrong_type", "Each %s of the field %q must be %s.", what, path, jsonKind(typ.Type))
		}
		return apperr.R(apperr.Invalid, "wrong_type", "The field %q must be %s.", path, jsonKind(typ.Type))
	case errors.Is(err, io.EOF):
		return apperr.R(apperr.Invalid, "empty_body", "The body is empty; a JSON object is required.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.R(apperr.Invalid, "malformed_json", "The body is not valid JSON (it ends too early).")
	case errors.As(err, new(*time.ParseError)):
		// encoding/json hands a time's own parse error back without the
		// field's name; the body is JSON all the same.
		return apperr.R(apperr.Invalid, "wrong_type", "A time must be written as RFC 3339, such as 2026-12-06T20:30:00+01:00.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apperr.R(apperr.Invalid, "unknown_field", "The body has an unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return apperr.R(apperr.Invalid, "malformed_json", "The body could not be read as JSON.")
}

// clientPath is encoding/json's path of a field as the client wrote it:
// encoding/json names a promoted field by the Go name of the struct it
// came from too ("jsonEmbedded.tags"), which the client never wrote and
// should not read. A segment no JSON name at its level matches, and that
// names an embedded field there, is dropped.
func clientPath(root reflect.Type, path string) string {
	var kept []string
	t := root
	for _, name := range strings.Split(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			kept = append(kept, name)
			continue
		}
		if next, ok := jsonFields(t)[name]; ok {
			kept, t = append(kept, name), next
		} else if f, ok := t.FieldByName(name); !ok || !f.Anonymous {
			kept, t = append(kept, name), nil
		}
	}
	return strings.Join(kept, ".")
}

// fieldTypeAt is the declared type of the field at path (JSON names joined
// by dots, as encoding/json reports them) in root, looking through
// pointers and the elements of arrays, slices and maps on the way; nil when
// there is none.
func fieldTypeAt(root reflect.Type, path string) reflect.Type {
	t := root
	for _, name := range strings.Split(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			return nil
		}
		// The fields as encoding/json names them, embedded ones included
		// (the same table the key check reads).
		t = jsonFields(t)[name]
	}
	return t
}

// containerOf gives the type of the field at path and says what a wrong
// value inside it is: an "element" of an array or slice, a "value" of a
// map; false when the field holds no such thing.
func containerOf(root reflect.Type, path string) (string, reflect.Type, bool) {
	field := fieldTypeAt(root, path)
	t := field
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
		return "", nil, false
	case t.Kind() == reflect.Map:
		return "value", field, true
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && !(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8):
		return "element", field, true
	}
	return "", nil, false
}

// errNotObject refuses a body that is JSON but not an object (an array, a
// string, null).
var errNotObject = apperr.R(apperr.Invalid, "wrong_type", "The body must be a JSON object.")

// jsonKind names what JSON value a field of type t takes, in the client's
// words rather than Go's type names.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another JSON value"
}
