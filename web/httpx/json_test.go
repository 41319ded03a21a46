package httpx

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
)

// TestWriteJSONKeepsWhatTheCallerAllows: an answer is no-store unless its
// handler said how long it may be kept.
func TestWriteJSONKeepsWhatTheCallerAllows(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, 200, map[string]int{"a": 1})
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("by default: Cache-Control %q, want no-store", got)
	}
	rec = httptest.NewRecorder()
	rec.Header().Set("Cache-Control", "public, max-age=30")
	WriteJSON(rec, 200, map[string]int{"a": 1})
	if got := rec.Header().Get("Cache-Control"); got != "public, max-age=30" {
		t.Errorf("set by the handler: Cache-Control %q, want it kept", got)
	}
	if rec.Header().Get("Content-Type") != "application/json" || rec.Body.String() != "{\"a\":1}\n" {
		t.Errorf("answer %v %q", rec.Header(), rec.Body.String())
	}
}

// A value JSON cannot hold (a time in year 10000) is a 500 problem, not
// the status asked for with an empty body.
func TestWriteJSONOfWhatJSONCannotHold(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusOK, map[string]time.Time{"ends_at": time.Date(10000, 1, 1, 2, 59, 59, 0, time.UTC)})
	var p Problem
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != "application/problem+json" ||
		json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != http.StatusInternalServerError {
		t.Fatalf("answer %d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
}

// jsonInner, jsonEmbedded and jsonBody are the shapes the API's request
// types take: tags with options, ignored and unexported fields, embedded
// structs, nested structs, slices, maps, pointers, any, raw JSON and a type
// that decodes itself.
type jsonInner struct {
	From int    `json:"from"`
	Name string `json:"name,omitempty"`
}

type jsonEmbedded struct {
	Note   string   `json:"note"`
	Hidden string   `json:"-"`
	Tags   []string `json:"tags"`
}

type jsonBody struct {
	jsonEmbedded
	AmountCents int64            `json:"amount_cents"`
	Dash        string           `json:"-,"`
	Plain       string           // named by its Go name
	Rows        []jsonInner      `json:"rows"`
	Prices      map[string]int64 `json:"prices_cents"`
	Limit       *int             `json:"limit"`
	Inner       *jsonInner       `json:"inner"`
	Any         any              `json:"any"`
	Raw         json.RawMessage  `json:"raw"`
	At          time.Time        `json:"at"`
	secret      string
}

func decodeBody(body string, dst any) error {
	r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return DecodeJSON(httptest.NewRecorder(), r, dst)
}

// TestDecodeJSONKeys: a key must be a field's JSON name exactly, once per
// object. encoding/json matched names in any case and let a repeated key's
// last value win, so {"amount_cents":100,"Amount_Cents":50000} credited
// 500 euros while a proxy or a validator reading the first key saw 1.
func TestDecodeJSONKeys(t *testing.T) {
	for _, tc := range []struct{ name, body, reason string }{
		{"exact names", `{"amount_cents":1,"note":"n","-":"d","Plain":"p","rows":[{"from":1,"name":"a"}],"prices_cents":{"A":1,"a":2},` +
			`"limit":3,"inner":{"from":2},"any":{"x":[{"y":1}]},"raw":{"k":1},"at":"2025-01-02T03:04:05Z"}`, ""},
		{"nulls", `{"limit":null,"inner":null,"rows":null,"prices_cents":null,"any":null,"raw":null}`, ""},
		{"a name in another case", `{"AMOUNT_CENTS":100}`, "unknown_field"},
		{"the same name in two cases", `{"amount_cents":100,"Amount_Cents":50000}`, "unknown_field"},
		{"a Go name where a tag names the field", `{"AmountCents":100}`, "unknown_field"},
		{"a Go name in another case", `{"plain":"p"}`, "unknown_field"},
		{"an embedded field in another case", `{"Note":"n"}`, "unknown_field"},
		{"an ignored field", `{"Hidden":"h"}`, "unknown_field"},
		{"an unexported field", `{"secret":"s"}`, "unknown_field"},
		{"the embedded struct's own name", `{"jsonEmbedded":{}}`, "unknown_field"},
		{"a nested name in another case", `{"rows":[{"from":1},{"FROM":2}]}`, "unknown_field"},
		{"a name in another case behind a pointer", `{"inner":{"Name":"x"}}`, "unknown_field"},
		{"a plain duplicate", `{"amount_cents":100,"amount_cents":50000}`, "duplicate_field"},
		{"a duplicate spelt with an escape", `{"amount_cents":100,"\u0061mount_cents":50000}`, "duplicate_field"},
		{"a duplicate of an embedded field", `{"note":"a","note":"b"}`, "duplicate_field"},
		{"a duplicate in an array's object", `{"rows":[{"from":1,"from":2}]}`, "duplicate_field"},
		{"a duplicate map key", `{"prices_cents":{"A":1,"A":2}}`, "duplicate_field"},
		{"a duplicate inside any", `{"any":{"x":1,"x":2}}`, "duplicate_field"},
		{"a duplicate deep inside any", `{"any":[{"x":{"y":1,"y":2}}]}`, "duplicate_field"},
		{"a duplicate inside raw JSON", `{"raw":{"k":1,"k":2}}`, "duplicate_field"},
		{"an array body", `[]`, "wrong_type"},
		{"an array of objects", `[{"amount_cents":1}]`, "wrong_type"},
		{"a string body", `"x"`, "wrong_type"},
		{"a null body", `null`, "wrong_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dst jsonBody
			err := decodeBody(tc.body, &dst)
			if got := apperr.ReasonOf(err); got != tc.reason || (tc.reason != "" && apperr.CodeOf(err) != apperr.Invalid) {
				t.Fatalf("%s: reason %q (%v), want %q", tc.body, got, err, tc.reason)
			}
		})
	}
	var dst jsonBody
	if err := decodeBody(`{"rows":[{"from":1,"from":2}]}`, &dst); !strings.Contains(apperr.MessageOf(err), `"rows.from"`) {
		t.Errorf("a nested duplicate: %q, want its path named", apperr.MessageOf(err))
	}
	if err := decodeBody(`{"amount_cents":1,"Amount_Cents":2}`, &dst); apperr.MessageOf(err) != `The body has an unknown field "Amount_Cents".` {
		t.Errorf("a name in another case: %q", apperr.MessageOf(err))
	}
}

// TestDecodeJSONTypeMessages: a wrong type is told in JSON's words; Go's
// type names (api.topupRequest, int64) are not the client's business.
func TestDecodeJSONTypeMessages(t *testing.T) {
	for _, tc := range []struct{ body, reason, message string }{
		{`[]`, "wrong_type", "The body must be a JSON object."},
		{`null`, "wrong_type", "The body must be a JSON object."},
		{`{"amount_cents":"500"}`, "wrong_type", `The field "amount_cents" must be a whole number.`},
		{`{"amount_cents":500.5}`, "wrong_type", `The field "amount_cents" must be a whole number.`},
		{`{"rows":{}}`, "wrong_type", `The field "rows" must be an array.`},
		{`{"rows":[{"name":1}]}`, "wrong_type", `The field "rows.name" must be a string.`},
		{`{"inner":[]}`, "wrong_type", `The field "inner" must be an object.`},
		{`{"prices_cents":{"A":true}}`, "wrong_type", `Each value of the field "prices_cents" must be a whole number.`},
		{`{"rows":[1]}`, "wrong_type", `Each element of the field "rows" must be an object.`},
		{`{"tags":[1]}`, "wrong_type", `Each element of the field "tags" must be a string.`},
		{`{"note":1}`, "wrong_type", `The field "note" must be a string.`},
		{`{"inner":{"from":"x"}}`, "wrong_type", `The field "inner.from" must be a whole number.`},
		// A time that does not read is the field's type, not a body that
		// is not JSON.
		{`{"at":"yesterday"}`, "wrong_type", "A time must be written as RFC 3339, such as 2026-12-06T20:30:00+01:00."},
	} {
		var dst jsonBody
		err := decodeBody(tc.body, &dst)
		if apperr.ReasonOf(err) != tc.reason || apperr.MessageOf(err) != tc.message {
			t.Errorf("%s: %s %q, want %s %q", tc.body, apperr.ReasonOf(err), apperr.MessageOf(err), tc.reason, tc.message)
		}
	}
}

// TestDecodeJSONWholeNumberBeyondItsField: a whole number too large (or too
// negative) for its field is read as the field's bound, wherever the field
// is (embedded, behind a pointer, in an array's object, a map's value), so
// that the operation refuses it as out of its range with its own reason;
// encoding/json refused it as a wrong type. Written with an exponent it is
// just as whole (1e30), and read so too; with a fraction (1.5) it is a
// wrong type.
func TestDecodeJSONWholeNumberBeyondItsField(t *testing.T) {
	const huge = "99999999999999999999"
	var dst jsonBody
	err := decodeBody(`{"note":"n","amount_cents":`+huge+`,"rows":[{"from":1},{"from":-`+huge+`}],"prices_cents":{"A":`+huge+`,"B":2},"limit":`+huge+`,"inner":{"from":3}}`, &dst)
	switch {
	case err != nil:
		t.Fatalf("refused: %v", err)
	case dst.AmountCents != math.MaxInt64 || dst.Note != "n":
		t.Errorf("amount_cents %d, note %q", dst.AmountCents, dst.Note)
	case len(dst.Rows) != 2 || dst.Rows[0].From != 1 || dst.Rows[1].From != math.MinInt64:
		t.Errorf("rows %+v", dst.Rows)
	case len(dst.Prices) != 2 || dst.Prices["A"] != math.MaxInt64 || dst.Prices["B"] != 2:
		t.Errorf("prices_cents %v", dst.Prices)
	case dst.Limit == nil || *dst.Limit != math.MaxInt:
		t.Errorf("limit %v", dst.Limit)
	case dst.Inner == nil || dst.Inner.From != 3:
		t.Errorf("inner %+v", dst.Inner)
	}
	var small struct {
		N int32 `json:"n"`
	}
	if err := decodeBody(`{"n":2147483648}`, &small); err != nil || small.N != math.MaxInt32 {
		t.Errorf("an int32 field given 2^31: %d, %v", small.N, err)
	}
	for _, tc := range []struct{ body, reason string }{
		{`{"amount_cents":1e-30}`, "wrong_type"},
		{`{"amount_cents":` + huge + `.5}`, "wrong_type"},
		{`{"amount_cents":` + huge + `,"note":1}`, "wrong_type"},
		{`{"amount_cents":` + huge + `,"AMOUNT_CENTS":1}`, "unknown_field"},
		{`{"amount_cents":` + huge + `,"amount_cents":1}`, "duplicate_field"},
		{`{"amount_cents":` + huge + `}{}`, "malformed_json"},
	} {
		var dst jsonBody
		if err := decodeBody(tc.body, &dst); apperr.ReasonOf(err) != tc.reason {
			t.Errorf("%s: %v, want %s", tc.body, err, tc.reason)
		}
	}
}

// TestDecodeJSONWholeNumberWithAnExponent: a whole number is one however
// JSON writes it (JSON Schema's "integer", which the OpenAPI document uses,
// counts 1e3 and 1000.0 as integers, and many clients write them so), in
// every whole-number field wherever it is; beyond the field's range it is
// read as its bound, as the digits are. encoding/json refused each with
// "must be a whole number", which they are. A number with a fraction stays
// a wrong type, with the words that say so.
func TestDecodeJSONWholeNumberWithAnExponent(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		want int64
	}{
		{"1e3", 1000}, {"1E3", 1000}, {"1e+3", 1000}, {"1000.0", 1000}, {"10000e-1", 1000}, {"1.5e1", 15},
		{"0.001e3", 1}, {"-2e0", -2}, {"-0.0", 0}, {"0e99999999999999999999", 0}, {"0.0e-5", 0},
		{"9.223372036854775807e18", math.MaxInt64}, {"-9.223372036854775808e18", math.MinInt64},
		{"9.223372036854775808e18", math.MaxInt64}, {"1e19", math.MaxInt64}, {"1e30", math.MaxInt64}, {"-1e30", math.MinInt64},
		{"1e400", math.MaxInt64}, {"1e99999999999999999999", math.MaxInt64}, {"-1e99999999999999999999", math.MinInt64},
		{"1234567890123456789012345678900000000000e-10", math.MaxInt64},
	} {
		var dst jsonBody
		body := `{"amount_cents":` + tc.lit + `,"rows":[{"from":` + tc.lit + `}],"prices_cents":{"A":` + tc.lit + `},"limit":` + tc.lit + `,"inner":{"from":` + tc.lit + `}}`
		if err := decodeBody(body, &dst); err != nil {
			t.Errorf("%s: %v", tc.lit, err)
			continue
		}
		limit := int64(-1)
		if dst.Limit != nil {
			limit = int64(*dst.Limit)
		}
		if dst.AmountCents != tc.want || len(dst.Rows) != 1 || int64(dst.Rows[0].From) != tc.want || dst.Prices["A"] != tc.want ||
			limit != tc.want || dst.Inner == nil || int64(dst.Inner.From) != tc.want {
			t.Errorf("%s: read %d, rows %+v, prices %v, limit %d, inner %+v; want %d", tc.lit, dst.AmountCents, dst.Rows, dst.Prices, limit, dst.Inner, tc.want)
		}
	}
	var small struct {
		Dock  int32   `json:"dock"`
		Price float64 `json:"price"`
	}
	if err := decodeBody(`{"dock":1e10,"price":1.5e-1}`, &small); err != nil || small.Dock != math.MaxInt32 || small.Price != 0.15 {
		t.Errorf("an int32 field given 1e10 and a float one 1.5e-1: %d, %v, %v", small.Dock, small.Price, err)
	}
	for _, lit := range []string{"1.5", "1e-3", "1.25e1", "-0.5", "1e-99999999999999999999", "123456789012345678901.5"} {
		var dst jsonBody
		err := decodeBody(`{"amount_cents":`+lit+`}`, &dst)
		if apperr.ReasonOf(err) != "wrong_type" || apperr.MessageOf(err) != `The field "amount_cents" must be a whole number.` {
			t.Errorf("%s: %v, want wrong_type", lit, err)
		}
	}
}

// FuzzDecodeJSON: whatever the body, DecodeJSON never panics, refuses with
// a 400 or 413 problem, and accepts nothing that encoding/json itself
// refuses but a number too large for its field (whole, or for a
// floating-point field), read as the field's bound.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"amount_cents":1}`, `{"AMOUNT_CENTS":1}`, `{"amount_cents":1,"amount_cents":2}`, `[]`, `null`, `{`, `{"rows":[{"from":1}]}`,
		`{"any":{"a":[{"b":{"c":1,"c":2}}]}}`, `{"raw":[1,{"x":1}]}`, `{"prices_cents":{"\u0000":1}}`, `{"at":"2025-01-02T03:04:05Z"}`,
		`{"note":"a"}{"note":"b"}`, `{"inner":{"from":1e400}}`, "{\"x\":\"\xff\"}", `[[[[[[[[[[]]]]]]]]]]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var dst jsonBody
		err := decodeBody(body, &dst)
		if err == nil {
			var plain jsonBody
			if err := json.Unmarshal([]byte(body), &plain); err != nil && !integerOverflow(err) {
				t.Fatalf("accepted what encoding/json refuses: %q", body)
			}
			return
		}
		if s := StatusFor(err); s != http.StatusBadRequest && s != http.StatusRequestEntityTooLarge || apperr.ReasonOf(err) == "" {
			t.Fatalf("%q: %d %v", body, s, err)
		}
	})
}

// BenchmarkWriteJSON is the encoding of a redemption's answer, which every
// API answer goes through.
func BenchmarkWriteJSON(b *testing.B) {
	v := map[string]string{"title": "Buono riscattato", "message": "Sconto di 10,00 €: il cliente paga 15,00 €.", "outcome": "ok",
		"redemption": "red_06h46sg74ds0pf4369k44spkd4", "voucher_id": "vch_06h46sg7cw44m6tjx0bdnmrd8w", "amount_text": "10,00 €"}
	b.ReportAllocs()
	for b.Loop() {
		WriteJSON(httptest.NewRecorder(), http.StatusOK, v)
	}
}

// TestDecodeJSONContentType: the declared type is judged as a media type,
// not as a prefix. Media types are case-insensitive and take parameters
// (RFC 9110), so Application/JSON is JSON; application/jsonx and
// application/json-patch+json only start with the same letters and are
// other formats, refused like text/plain.
func TestDecodeJSONContentType(t *testing.T) {
	for _, tc := range []struct{ contentType, reason string }{
		{"", ""},
		{"application/json", ""},
		{"application/json; charset=utf-8", ""},
		{"Application/JSON", ""},
		{"APPLICATION/JSON;Charset=UTF-8", ""},
		{"application/json ; charset=\"utf-8\"", ""},
		{"application/jsonx", ReasonUnsupportedMedia},
		{"application/json-patch+json", ReasonUnsupportedMedia},
		{"application/json+x", ReasonUnsupportedMedia},
		{"application/json;", ""},
		{"application/json; charset", ReasonUnsupportedMedia},
		{"application/", ReasonUnsupportedMedia},
		{"text/plain", ReasonUnsupportedMedia},
		{"text/json", ReasonUnsupportedMedia},
	} {
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(`{"amount_cents":1}`))
		if tc.contentType != "" {
			r.Header.Set("Content-Type", tc.contentType)
		}
		rec := httptest.NewRecorder()
		var dst jsonBody
		err := DecodeJSON(rec, r, &dst)
		if got := apperr.ReasonOf(err); got != tc.reason {
			t.Errorf("Content-Type %q: reason %q (%v), want %q", tc.contentType, got, err, tc.reason)
			continue
		}
		if tc.reason == "" && dst.AmountCents != 1 {
			t.Errorf("Content-Type %q: decoded %+v", tc.contentType, dst)
		}
		if tc.reason != "" {
			WriteError(nil, rec, r, err)
			if rec.Code != http.StatusUnsupportedMediaType {
				t.Errorf("Content-Type %q: status %d, want 415", tc.contentType, rec.Code)
			}
		}
	}
}

// A compressed body is refused, not read as it came: a plain one declared
// gzip decoded fine, and a gzipped one was malformed JSON.
func TestDecodeJSONRefusesACompressedBody(t *testing.T) {
	for _, tc := range []struct{ encoding, reason string }{
		{"", ""},
		{"identity", ""},
		{"Identity", ""},
		{"gzip", ReasonUnsupportedMedia},
		{"br", ReasonUnsupportedMedia},
		{"identity, gzip", ReasonUnsupportedMedia},
	} {
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(`{"amount_cents":1}`))
		r.Header.Set("Content-Type", "application/json")
		if tc.encoding != "" {
			r.Header.Set("Content-Encoding", tc.encoding)
		}
		rec := httptest.NewRecorder()
		var dst jsonBody
		err := DecodeJSON(rec, r, &dst)
		if got := apperr.ReasonOf(err); got != tc.reason {
			t.Errorf("Content-Encoding %q: reason %q (%v), want %q", tc.encoding, got, err, tc.reason)
		}
		if tc.reason != "" && StatusFor(err) != http.StatusUnsupportedMediaType {
			t.Errorf("Content-Encoding %q: status %d, want 415", tc.encoding, StatusFor(err))
		}
	}
}
