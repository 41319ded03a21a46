package web

import (
	"net/http"
	"strings"
	"testing"
)

// A machine's request whose path is not canonical is refused with an
// error that names the canonical path, in the surface's own format (the
// mux would answer with a bare redirect, which a client may follow, body
// and all, to an endpoint it did not mean). A page's path is still
// redirected, as a browser expects.
func TestNonCanonicalPaths(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	for _, tc := range []struct {
		method, path string
		status       int
		says, canon  string
	}{
		{"GET", "/api/v1/open/../me", http.StatusBadRequest, `"reason":"path_not_canonical"`, "/api/v1/me"},
		{"POST", "/api/v1//auth/login", http.StatusBadRequest, `"reason":"path_not_canonical"`, "/api/v1/auth/login"},
		{"GET", "/api/v1/./open/reports", http.StatusBadRequest, `"reason":"path_not_canonical"`, "/api/v1/open/reports"},
		// Escaped dot segments are dot segments (RFC 3986), not names.
		{"GET", "/api/v1/accounts/%2e%2e", http.StatusBadRequest, `"reason":"path_not_canonical"`, "The path is not in canonical form: it names /api/v1."},
		{"GET", "/api/v1/accounts/.%2E", http.StatusBadRequest, `"reason":"path_not_canonical"`, "it names /api/v1."},
		{"GET", "/api/v1/open/%2e/reports", http.StatusBadRequest, `"reason":"path_not_canonical"`, "/api/v1/open/reports"},
		{"GET", "/api/v1/open/%2E%2e/me", http.StatusBadRequest, `"reason":"path_not_canonical"`, "/api/v1/me"},
		{"GET", "/gbfs//gbfs.json", http.StatusBadRequest, `"reason":"path_not_canonical"`, "/gbfs/gbfs.json"},
		{"GET", "/open311/v2/x/../services.json", http.StatusBadRequest, `"code":400`, "/open311/v2/services.json"},
		{"POST", "/open311/v2//requests.xml", http.StatusBadRequest, "<code>400</code>", "/open311/v2/requests.xml"},
	} {
		rec := env.do(t, tc.method, tc.path, "", "")
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.says) || !strings.Contains(rec.Body.String(), tc.canon) || rec.Header().Get("Location") != "" {
			t.Errorf("%s %s: %d %v\n%s", tc.method, tc.path, rec.Code, rec.Header(), rec.Body)
		}
	}
	// Canonical paths, with an escaped slash in a segment or a trailing
	// slash, are not refused as such.
	for _, path := range []string{"/api/v1/open/photos/a%2F..%2Fb", "/api/v1/open/photos/%2e%2ea", "/api/v1/me/", "/gbfs/v3/gbfs.json", "/open311/v2/services.json"} {
		if rec := env.do(t, "GET", path, "", ""); strings.Contains(rec.Body.String(), "canonical") || rec.Code == http.StatusTemporaryRedirect {
			t.Errorf("%s refused as not canonical: %d\n%s", path, rec.Code, rec.Body)
		}
	}
	if rec := env.do(t, "GET", "/reports/../login", "", ""); rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Location") != "/login" {
		t.Errorf("a page's path: %d %v", rec.Code, rec.Header())
	}
}
