package web

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"cityhub/web/ui"
)

// Whatever a GeoReport client gets wrong under /open311/v2 is answered as
// the standard's errors document, in the format the path names (XML for
// .xml, JSON otherwise), never as a page or as text: a path the endpoint
// does not serve is 404, a resource asked with a method it does not take
// is 405 with Allow.
func TestOpen311ErrorsAreGeoReportErrors(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	for _, tc := range []struct {
		method, path string
		status       int
		allow, form  string
	}{
		{"GET", "/open311/v2/nothing.json", http.StatusNotFound, "", "json"},
		{"GET", "/open311/v2/nothing.xml", http.StatusNotFound, "", "xml"},
		{"GET", "/open311/v2/", http.StatusNotFound, "", "json"},
		{"GET", "/open311/v2/services", http.StatusNotFound, "", "json"},
		{"GET", "/open311/v2/services/lighting.txt", http.StatusNotFound, "", "json"},
		{"GET", "/open311/discovery", http.StatusNotFound, "", "json"},
		{"GET", "/open311/v3/services.xml", http.StatusNotFound, "", "xml"},
		{"PUT", "/open311/v2/requests.json", http.StatusMethodNotAllowed, "GET, HEAD, POST", "json"},
		{"DELETE", "/open311/v2/requests.xml", http.StatusMethodNotAllowed, "GET, HEAD, POST", "xml"},
		{"POST", "/open311/v2/services.json", http.StatusMethodNotAllowed, "GET, HEAD", "json"},
		{"POST", "/open311/v2/requests/abc.xml", http.StatusMethodNotAllowed, "GET, HEAD", "xml"},
	} {
		rec := env.do(t, tc.method, tc.path, "", "")
		name := tc.method + " " + tc.path
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s: %d Allow %q, want %d Allow %q; body %q", name, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow, rec.Body.String())
			continue
		}
		type geoError struct {
			Code        int    `json:"code" xml:"code"`
			Description string `json:"description" xml:"description"`
		}
		var errs []geoError
		ct := rec.Header().Get("Content-Type")
		switch tc.form {
		case "xml":
			var doc struct {
				XMLName xml.Name   `xml:"errors"`
				Errors  []geoError `xml:"error"`
			}
			if ct != "text/xml; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", name, ct)
			}
			if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Errorf("%s: not an errors document: %v: %q", name, err, rec.Body.String())
			}
			errs = doc.Errors
		default:
			if ct != "application/json; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", name, ct)
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &errs); err != nil {
				t.Errorf("%s: not an errors list: %v: %q", name, err, rec.Body.String())
			}
		}
		if len(errs) != 1 || errs[0].Code != tc.status || errs[0].Description == "" {
			t.Errorf("%s: errors %+v", name, errs)
		}
	}
}

// The discovery document, the one address a city registers in Open311's
// directory, names the endpoint at the hub's public URL in both formats,
// who runs it and how to get a key, and when the services last changed.
func TestOpen311Discovery(t *testing.T) {
	t.Parallel()
	changed := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {
		d.Participation.CatalogueChanged = changed
		d.City = ui.City{Name: "Benevento", Email: "urp@comune.example.it", Website: "https://www.comune.example.it"}
	})
	type endpoint struct {
		Specification string   `json:"specification" xml:"specification"`
		URL           string   `json:"url" xml:"url"`
		Changeset     string   `json:"changeset" xml:"changeset"`
		Type          string   `json:"type" xml:"type"`
		Formats       []string `json:"formats" xml:"formats>format"`
	}
	type discovery struct {
		Changeset  string     `json:"changeset" xml:"changeset"`
		Contact    string     `json:"contact" xml:"contact"`
		KeyService string     `json:"key_service" xml:"key_service"`
		Endpoints  []endpoint `json:"endpoints" xml:"endpoints>endpoint"`
	}
	for _, format := range []string{"json", "xml"} {
		rec := env.do(t, "GET", "/open311/discovery."+format, "", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", format, rec.Code, rec.Body)
		}
		var d discovery
		var err error
		if format == "xml" {
			err = xml.Unmarshal(rec.Body.Bytes(), &d)
		} else {
			err = json.Unmarshal(rec.Body.Bytes(), &d)
		}
		if err != nil {
			t.Fatalf("%s: %v: %s", format, err, rec.Body)
		}
		want := endpoint{Specification: "http://wiki.open311.org/GeoReport_v2", URL: testIssuer + "/open311/v2",
			Changeset: "2026-11-30T08:00:00Z", Type: "production", Formats: []string{"text/xml", "application/json"}}
		if d.Changeset != want.Changeset || len(d.Endpoints) != 1 || !reflect.DeepEqual(d.Endpoints[0], want) {
			t.Errorf("%s: %+v, want changeset %s and one endpoint %+v", format, d, want.Changeset, want)
		}
		if !strings.Contains(d.Contact, "Comune di Benevento") || !strings.Contains(d.Contact, "urp@comune.example.it") ||
			!strings.Contains(d.KeyService, "urp@comune.example.it") {
			t.Errorf("%s: contact %q, key service %q", format, d.Contact, d.KeyService)
		}
	}
	// A hub with test payments (the demo) names a test endpoint.
	_, demo := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) { d.TestPayments = true })
	var d discovery
	if rec := demo.do(t, "GET", "/open311/discovery.json", "", ""); json.Unmarshal(rec.Body.Bytes(), &d) != nil || len(d.Endpoints) != 1 || d.Endpoints[0].Type != "test" {
		t.Errorf("test payments: %s", rec.Body)
	}
	// The endpoint it names answers.
	if rec := env.do(t, "GET", "/open311/v2/services.json", "", ""); rec.Code != http.StatusOK {
		t.Errorf("services.json at the named endpoint: %d", rec.Code)
	}
	if rec := env.do(t, "POST", "/open311/discovery.json", "", ""); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST discovery: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}
