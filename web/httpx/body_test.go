package httpx

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
)

// NoBody lets a signed-in caller's request through with no body, an empty
// one or an empty object, and refuses any other with DecodeJSON's reasons,
// without running the route; an anonymous request reaches the route, which
// refuses it for its caller.
func TestNoBody(t *testing.T) {
	var ran int
	h := NoBody(nil, func(w http.ResponseWriter, r *http.Request) {
		ran++
		if _, err := Caller(r); err != nil {
			WriteError(nil, w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	send := func(signedIn bool, contentType, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/api/v1/things/x/close", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if signedIn {
			r = r.WithContext(identity.WithCaller(r.Context(), identity.Caller{AccountID: "acc_1"}))
		}
		rec := httptest.NewRecorder()
		h(rec, r)
		return rec
	}
	for _, body := range []string{"", "  \n", "{}", " { \n } "} {
		ran = 0
		if rec := send(true, "application/json", body); rec.Code != http.StatusNoContent || ran != 1 {
			t.Errorf("body %q: %d, the route ran %d times", body, rec.Code, ran)
		}
	}
	for _, tc := range []struct {
		contentType, body, reason string
		status                    int
	}{
		{"application/json", `{"reason":"changed my mind"}`, "unknown_field", http.StatusBadRequest},
		{"application/json", `[]`, "wrong_type", http.StatusBadRequest},
		{"application/json", `null`, "wrong_type", http.StatusBadRequest},
		{"application/json", `{} {}`, "malformed_json", http.StatusBadRequest},
		{"application/json", `{`, "malformed_json", http.StatusBadRequest},
		{"text/plain", `changed my mind`, "unsupported_media_type", http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", `reason=x`, "unsupported_media_type", http.StatusUnsupportedMediaType},
		{"application/json", `{"a":1,` + strings.Repeat(" ", MaxJSONBody) + `}`, "body_too_large", http.StatusRequestEntityTooLarge},
	} {
		ran = 0
		rec := send(true, tc.contentType, tc.body)
		if got := problemReason(t, rec); rec.Code != tc.status || got != tc.reason || ran != 0 {
			t.Errorf("body %.40q: %d %s, the route ran %d times; want %d, reason %s", tc.body, rec.Code, got, ran, tc.status, tc.reason)
		}
	}
	ran = 0
	if rec := send(false, "application/json", `{"reason":"x"}`); rec.Code != http.StatusUnauthorized || ran != 1 {
		t.Errorf("anonymous with a body: %d, the route ran %d times", rec.Code, ran)
	}
}

func problemReason(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("not a problem: %s", rec.Body)
	}
	return p.Reason
}
