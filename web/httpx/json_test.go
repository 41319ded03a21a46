package httpx

import (
	"net/http/httptest"
	"testing"
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
