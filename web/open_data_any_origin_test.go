package web

import (
	"net/http"
	"net/http/httptest"
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
}
