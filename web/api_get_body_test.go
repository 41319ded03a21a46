package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
)

// A GET or HEAD of the API takes no body, as every operation documented
// without one: a signed-in caller's body is judged as an empty object's,
// so a field in it is 400 unknown_field and anything but an object 400
// wrong_type, where a GET answered 200 as if the body were taken. An empty
// body, or {}, is none; a caller not signed in is not judged on its body.
func TestAPIGetRefusesABody(t *testing.T) {
	t.Parallel()
	env, _, _ := accountServer(t)
	_, bearer := env.account(t, identity.RoleCitizen)

	for _, method := range []string{"GET", "HEAD"} {
		for _, c := range []struct{ body, reason string }{
			{`{"x":1}`, "unknown_field"},
			{`[1]`, "wrong_type"},
			{`garbage`, "malformed_json"},
		} {
			rec := env.do(t, method, "/api/v1/me", bearer, c.body)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("%s /api/v1/me with %s: %d %s", method, c.body, rec.Code, rec.Body)
			}
			if method == "GET" {
				wantReason(t, rec, c.reason)
			}
		}
		for _, body := range []string{``, `{}`, ` { } `} {
			if rec := env.do(t, method, "/api/v1/me", bearer, body); rec.Code != http.StatusOK {
				t.Fatalf("%s /api/v1/me with %q: %d %s", method, body, rec.Code, rec.Body)
			}
		}
	}
	if rec := env.do(t, "GET", "/api/v1/openapi.json", "", `{"x":1}`); rec.Code != http.StatusOK {
		t.Fatalf("the document for a caller not signed in, with a body: %d", rec.Code)
	}
}
