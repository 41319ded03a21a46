package open311_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/store/storetest"
)

// FuzzRequests sends what a report app might send, and what it should not,
// to the list of requests (its query) and to a post (its form, behind a
// valid key): every answer is the standard's document or its errors, in
// the format asked for, and never a server error.
func FuzzRequests(f *testing.F) {
	e := newEnv(f, storetest.OpenSQLite(f))
	for _, seed := range []struct{ query, form string }{
		{"", "service_code=pothole&lat=41.1316&long=14.7802&description=Deep+hole"},
		{"start_date=2026-11-01T00:00:00Z&end_date=2026-11-30T00:00:00Z", "service_code=pothole&address_string=Corso+Garibaldi"},
		{"status=open,closed&service_code=pothole,lighting", "service_code=lighting&lat=NaN&long=1"},
		{"service_request_id=a,b,c&jurisdiction_id=comune.benevento.it", "service_code=pothole&lat=41.13&long=14.78&email=a%40b.it&first_name=%00"},
		{"start_date=2026-13-01T00:00:00Z", "service_code=&lat=1e309&long=-1e309"},
		{"end_date=yesterday&status=maybe", "service_code=pothole&lat=41.13&long=14.78&attribute%5Bx%5D=1&media_url=http://x"},
		{"%zz=1", "lat=41.13&lat=42&long=14.78"},
	} {
		f.Add(seed.query, seed.form, false)
		f.Add(seed.query, seed.form, true)
	}
	f.Fuzz(func(t *testing.T, query, form string, asXML bool) {
		format := "json"
		if asXML {
			format = "xml"
		}
		get, err := http.NewRequest("GET", e.srv.URL+"/open311/v2/requests."+format+"?"+query, nil)
		if err != nil {
			return // not a request a client could send
		}
		checkAnswer(t, "GET ?"+query, get, format)
		post, err := http.NewRequest("POST", e.srv.URL+"/open311/v2/requests."+format,
			strings.NewReader("api_key="+url.QueryEscape(e.key)+"&"+form))
		if err != nil {
			t.Fatal(err)
		}
		post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		checkAnswer(t, "POST "+form, post, format)
	})
}

// checkAnswer sends req and wants a status below 500 and a body in format.
func checkAnswer(t *testing.T, what string, req *http.Request, format string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s: read: %v", what, err)
	}
	if res.StatusCode >= 500 {
		t.Fatalf("%s: %d %s", what, res.StatusCode, b)
	}
	switch format {
	case "xml":
		var doc struct{ XMLName xml.Name }
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %d, not XML: %v: %s", what, res.StatusCode, err, b)
		}
	default:
		if !json.Valid(b) {
			t.Fatalf("%s: %d, not JSON: %s", what, res.StatusCode, b)
		}
	}
}
