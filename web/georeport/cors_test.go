package georeport_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/store/storetest"
)

// TestOpen311ReadsAreOpenToAnyOrigin: what Open311 lets anyone read (the
// services, the requests, a token's request, the discovery document, and
// a read's refusal) a web page of any site may read too, as it may the
// GBFS feeds and the open data; a POST, which carries a city-issued API
// key, is left to the browser's same-origin rule.
func TestOpen311ReadsAreOpenToAnyOrigin(t *testing.T) {
	t.Parallel()
	srv, key := endpoint(t, storetest.Open(t, "sqlite"), "")
	for _, path := range []string{
		"/open311/discovery.json",
		"/open311/discovery.xml",
		"/open311/v2/services.json",
		"/open311/v2/services.xml",
		"/open311/v2/services/pothole.json",
		"/open311/v2/requests.json",
		"/open311/v2/requests.xml",
		"/open311/v2/requests/rep_nothing.json",
		"/open311/v2/tokens/nothing.xml",
		"/open311/v2/requests.json?status=nope",
	} {
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", "https://maps.example.com")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("GET %s (%d): Access-Control-Allow-Origin %q, want *", path, res.StatusCode, got)
		}
	}
	form := url.Values{"api_key": {key}, "service_code": {"pothole"}, "lat": {"41.1307"}, "long": {"14.776"}, "description": {"A deep hole"}}
	req, err := http.NewRequest("POST", srv.URL+"/open311/v2/requests.json", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://maps.example.com")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST: %d", res.StatusCode)
	}
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("POST: Access-Control-Allow-Origin %q, want none", got)
	}
}
