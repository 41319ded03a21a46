package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
)

// A JSON body's Content-Type is a media type: application/json in any
// case and with parameters is read, as RFC 9110 has media types
// case-insensitive; a type that only starts with the same letters is
// another format, 415 like any other, and makes nothing.
func TestAPIJSONContentTypeIsAMediaType(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	admin := env.login(t, identity.RoleAdmin)
	for _, ct := range []string{"application/jsonx", "application/json-patch+json", "application/json; charset", "text/plain"} {
		res := vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign, "Content-Type: "+ct)
		if p := wantProblem(t, res, http.StatusUnsupportedMediaType); p.Reason != "unsupported_media_type" {
			t.Errorf("Content-Type %q: reason %q", ct, p.Reason)
		}
	}
	if res := vreq(t, env, "GET", "/api/v1/admin/campaigns", admin, ""); !strings.Contains(res.Body.String(), `"campaigns":[]`) {
		t.Fatalf("a refused body made a campaign: %d %s", res.Code, res.Body)
	}
	for _, ct := range []string{"Application/JSON", "APPLICATION/JSON; Charset=UTF-8"} {
		res := vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign, "Content-Type: "+ct)
		wantStatus(t, res, http.StatusCreated)
	}
}
