package httpx

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"cityhub/apperr"
)

// A lone UTF-16 surrogate escape is refused as invalid text, where
// encoding/json would have stored U+FFFD in its place; a pair, an escaped
// backslash before a "u", and other escapes pass.
func TestLoneSurrogateEscapesRefused(t *testing.T) {
	type body struct {
		Name string `json:"name"`
	}
	for in, refused := range map[string]bool{
		`{"name":"a\ud800b"}`:           true,
		`{"name":"\udc00"}`:             true,
		`{"name":"\ud800\u0041"}`:       true,
		`{"name":"\ud800"}`:             true,
		`{"name":"\uDBFF\uDBFF"}`:       true,
		`{"name":"\ud83d\ude00"}`:       false, // a pair: 😀
		`{"name":"\uD83D\uDE00!"}`:      false,
		`{"name":"\\ud800"}`:            false, // a backslash, then the letters
		`{"name":"\\\ud83d\ude00"}`:     false,
		`{"name":"\\\ud800"}`:           true,
		`{"name":"\u00e8\n\t\"\/"}`:     false,
		`{"name":"😀 plain UTF-8"}`:      false,
		`{"name":"ends with \\"}`:       false,
		`{"name":"\ud83d\ude00\ud83d"}`: true,
	} {
		var b body
		err := judgeJSON([]byte(in), &b)
		if refused != (apperr.ReasonOf(err) == "invalid_text") {
			t.Errorf("%s: %v; want refused %v", in, err, refused)
		}
		if !refused && err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

// FuzzLoneSurrogate holds the scan to what encoding/json decodes: for a
// JSON string in valid UTF-8, the scan finds a lone surrogate exactly when
// the decoded text holds a replacement character the raw text did not.
func FuzzLoneSurrogate(f *testing.F) {
	for _, s := range []string{`"\ud800"`, `"\ud83d\ude00"`, `"\\ud800"`, `"\\\ud800"`, `"\u"`, `"\ud8"`, `"\ud83d\u0041"`, `"\ufffd"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s string
		if !utf8.Valid(b) || json.Unmarshal(b, &s) != nil {
			return
		}
		_, lone := loneSurrogate(b)
		replaced := strings.Count(s, "\uFFFD") > strings.Count(string(b), "\uFFFD")+strings.Count(strings.ToLower(string(b)), `\ufffd`)
		if lone != replaced {
			t.Fatalf("%q decodes to %q; lone surrogate found: %v", b, s, lone)
		}
	})
}
