package open311_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
)

// A query parameter Open311 reads, given twice, is 400 duplicate_field in
// the standard's errors document on every resource, as a POST's repeated
// field is, rather than answered for the first value; given once it is
// read as before.
func TestRepeatedParameterRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		id := e.report(t, "pothole", "41.1316")
		const j = "jurisdiction_id=comune.benevento.it"
		for _, path := range []string{
			"/services.json?jurisdiction_id=a&jurisdiction_id=b",
			"/services.json?" + j + "&" + j,
			"/services/pothole.json?" + j + "&" + j,
			"/requests.json?" + j + "&" + j,
			"/requests/" + id + ".json?" + j + "&" + j,
			"/requests.json?status=open&status=closed",
			"/requests.json?service_code=pothole&service_code=lighting",
			"/requests.json?service_request_id=" + id + "&service_request_id=rep_x",
			"/requests.json?start_date=2026-11-30T08:00:00Z&start_date=2026-11-01T08:00:00Z",
			"/requests.json?end_date=2026-11-30T10:00:00Z&end_date=2026-11-30T10:00:00Z",
			"/requests.json?page=1&page=2",
			"/requests.json?page_size=10&page_size=20",
		} {
			code, b, _ := e.do(t, "GET", path, nil, "")
			var errs []struct {
				Code        int    `json:"code"`
				Description string `json:"description"`
			}
			if err := json.Unmarshal(b, &errs); err != nil || code != 400 || len(errs) != 1 || errs[0].Code != 400 ||
				!strings.Contains(errs[0].Description, "more than once") {
				t.Errorf("%s: %d %s", path, code, b)
			}
		}
		code, b, _ := e.do(t, "GET", "/services.xml?"+j+"&"+j, nil, "")
		if code != 400 || !strings.Contains(string(b), "<errors>") || !strings.Contains(string(b), "more than once") {
			t.Errorf("services.xml: %d %s", code, b)
		}
		// In a POST's query and its body: two values as much as twice in
		// the body is.
		form := url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "lat": {"41.1316"}, "long": {"14.7802"},
			"jurisdiction_id": {"comune.benevento.it"}}
		code, b, _ = e.do(t, "POST", "/requests.json?jurisdiction_id=elsewhere.it", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
		if code != 400 || !strings.Contains(string(b), "more than once") {
			t.Errorf("POST with jurisdiction_id in query and body: %d %s", code, b)
		}
		for _, path := range []string{"/services.json?" + j, "/requests.json?" + j + "&status=open&page=1&page_size=10", "/requests/" + id + ".json?" + j} {
			if code, b, _ := e.do(t, "GET", path, nil, ""); code != 200 {
				t.Errorf("%s: %d %s", path, code, b)
			}
		}
	})
}
