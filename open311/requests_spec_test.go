package open311_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
)

// expected_datetime, which GeoReport v2 says "may not be returned", is
// left out while the hub has no date to give: an empty string or element
// is no date, and strict date parsers fail on it. In GET requests and GET
// requests/{id}, JSON and XML.
func TestRequestsOmitAnUnknownExpectedDatetime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		id := e.report(t, "pothole", "41.1316")
		for _, path := range []string{"/requests.json", "/requests/" + id + ".json"} {
			code, b, _ := e.do(t, "GET", path, nil, "")
			var list []map[string]any
			if err := json.Unmarshal(b, &list); code != 200 || err != nil || len(list) != 1 {
				t.Fatalf("%s: %d %v %s", path, code, err, b)
			}
			if v, ok := list[0]["expected_datetime"]; ok {
				t.Errorf("%s: expected_datetime %q", path, v)
			}
		}
		for _, path := range []string{"/requests.xml", "/requests/" + id + ".xml"} {
			code, b, _ := e.do(t, "GET", path, nil, "")
			els := xmlElements(t, b, "service_requests", "request")
			if code != 200 || len(els) != 1 || slices.Contains(els[0], "expected_datetime") || bytes.Contains(b, []byte("expected_datetime")) {
				t.Errorf("%s: %d %s", path, code, b)
			}
		}
	})
}
