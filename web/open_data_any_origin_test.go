package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/vouchers"
	"cityhub/web/ui"
)

// TestOpenDataIsOpenToAnyOrigin: every address the open data page gives a
// program (the datasets, the DCAT-AP_IT catalogue, Open311's reads) may be
// read by a script of any site, as the GBFS feeds may (their own tests
// hold them to it).
func TestOpenDataIsOpenToAnyOrigin(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {
		d.City = ui.City{Name: "Benevento", Email: "urp@comune.example.it", IPACode: "c_a783"}
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	for _, path := range []string{
		"/api/v1/open/dcat-ap_it.rdf",
		"/api/v1/open/dcat-ap_it.jsonld",
		"/api/v1/open/participation",
		"/api/v1/open/reports.csv",
		"/api/v1/open/vouchers/stats.csv",
		"/open311/discovery.json",
		"/open311/v2/requests.json",
	} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Origin", "https://dati.example.org")
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
			continue
		}
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("GET %s: Access-Control-Allow-Origin %q, want *", path, got)
		}
	}
	// A script that revalidates its copy (If-None-Match is not a header a
	// browser sends without asking) is let to ask, for every open address;
	// an OPTIONS that is no preflight, and one for the rest of the API,
	// are not answered so.
	for _, path := range []string{"/api/v1/open/participation", "/api/v1/open/reports.csv", "/api/v1/open/vouchers/stats", "/api/v1/open/photos/pho_x"} {
		req := httptest.NewRequest("OPTIONS", path, nil)
		req.Header.Set("Origin", "https://dati.example.org")
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "if-none-match")
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "If-None-Match") || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "ETag") {
			t.Errorf("preflight of %s: %d %v", path, rec.Code, rec.Header())
		}
	}
	for _, tc := range []struct {
		path      string
		preflight bool
	}{{"/api/v1/open/participation", false}, {"/api/v1/me", true}} {
		req := httptest.NewRequest("OPTIONS", tc.path, nil)
		req.Header.Set("Origin", "https://dati.example.org")
		if tc.preflight {
			req.Header.Set("Access-Control-Request-Method", "GET")
		}
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, req)
		if rec.Code == http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") == "*" {
			t.Errorf("OPTIONS %s (preflight %v): %d %v, want no open answer", tc.path, tc.preflight, rec.Code, rec.Header())
		}
	}
}
