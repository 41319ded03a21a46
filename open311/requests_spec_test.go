package open311_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/store"
	"cityhub/store/storetest"
)

// omittedRequestFields are the fields of a request GeoReport v2 lists
// that the hub has no value for: expected_datetime, which the standard says
// "may not be returned" (the hub promises no date); address_id and zipcode,
// optional in the standard's schema (the hub keeps no address database nor
// postal codes).
var omittedRequestFields = []string{"expected_datetime", "address_id", "zipcode"}

// A request's fields the hub has no value for are left out, not sent
// empty: an empty string or element is no date (strict date parsers fail
// on it), no address id, no postal code. In GET requests and GET
// requests/{id}, JSON and XML alike, where address_id and zipcode were ""
// and empty elements.
func TestRequestsOmitFieldsWithoutAValue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		id := e.report(t, "pothole", "41.1316")
		for _, path := range []string{"/requests.json", "/requests/" + id + ".json"} {
			code, b, _ := e.do(t, "GET", path, nil, "")
			var list []map[string]any
			if err := json.Unmarshal(b, &list); code != 200 || err != nil || len(list) != 1 {
				t.Fatalf("%s: %d %v %s", path, code, err, b)
			}
			for _, field := range omittedRequestFields {
				if v, ok := list[0][field]; ok {
					t.Errorf("%s: %s %q", path, field, v)
				}
			}
		}
		for _, path := range []string{"/requests.xml", "/requests/" + id + ".xml"} {
			code, b, _ := e.do(t, "GET", path, nil, "")
			els := xmlElements(t, b, "service_requests", "request")
			if code != 200 || len(els) != 1 {
				t.Fatalf("%s: %d %s", path, code, b)
			}
			for _, field := range omittedRequestFields {
				if slices.Contains(els[0], field) || bytes.Contains(b, []byte(field)) {
					t.Errorf("%s: %s given: %s", path, field, b)
				}
			}
		}
	})
}

// GET requests answers a span of at most 90 days, whichever bound is
// given: none, the last 90 days; start_date alone, the 90 days from it;
// end_date alone, the 90 days up to it; both, their range, which "may not
// span more than 90 days" (400 beyond, and for an end before the start).
// service_request_id overrides the dates.
func TestRequestsDateWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		day := 24 * time.Hour
		at := func(ago time.Duration) string {
			e.svc.SetClock(func() time.Time { return e.now.Add(-ago) })
			defer e.svc.SetClock(func() time.Time { return e.now })
			return e.report(t, "pothole", "41.1316")
		}
		d200, d100, d10, d0 := at(200*day), at(100*day), at(10*day), at(0)
		date := func(ago time.Duration) string { return e.now.Add(-ago).Format(time.RFC3339) }
		sorted := func(s ...string) []string { slices.Sort(s); return s }
		for query, want := range map[string][]string{
			"":                             sorted(d10, d0),
			"?end_date=" + date(95*day):    {d100},
			"?end_date=" + date(0):         sorted(d10, d0),
			"?start_date=" + date(205*day): {d200},
			"?start_date=" + date(100*day): sorted(d100, d10),
			"?start_date=" + date(200*day) + "&end_date=" + date(110*day):                                          {d200},
			"?start_date=" + date(100*day) + "&end_date=" + date(0*day) + "&service_request_id=" + d200 + "," + d0: sorted(d200, d0),
		} {
			code, b, _ := e.do(t, "GET", "/requests.json"+query, nil, "")
			if code != 200 {
				t.Errorf("%s: %d %s", query, code, b)
				continue
			}
			var got []string
			for _, r := range keysOf(t, query, b, requestFields) {
				got = append(got, r["service_request_id"].(string))
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", query, got, want)
			}
		}
		for query, says := range map[string]string{
			"?start_date=" + date(200*day) + "&end_date=" + date(0):            "more than 90 days",
			"?start_date=" + date(90*day+time.Second) + "&end_date=" + date(0): "more than 90 days",
			"?start_date=" + date(0) + "&end_date=" + date(day):                "end_date is before start_date",
		} {
			for _, f := range []string{"json", "xml"} {
				code, b, _ := e.do(t, "GET", "/requests."+f+query, nil, "")
				if code != 400 || !strings.Contains(string(b), says) {
					t.Errorf("%s %s: %d %s, want 400 saying %q", f, query, code, b, says)
				}
			}
		}
	})
}
