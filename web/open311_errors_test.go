package web

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"testing"
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
