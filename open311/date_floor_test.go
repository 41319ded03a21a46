package open311_test

import (
	"strings"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
)

// A start_date or end_date before 1970-01-01T00:00:00Z is 400 (bad_date)
// saying from when dates are taken, in JSON and XML: 0001-01-01T00:00:00Z
// is an unset date in many clients' languages, and was read as no date
// (the last 90 days answered). From 1970 on a date is the date given: the
// 90 days up to end_date 1970-01-01 hold no request.
func TestRequestsDatesBeforeTheEpochAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.report(t, "pothole", "41.1316")
		for _, query := range []string{
			"?end_date=0001-01-01T00:00:00Z",
			"?start_date=0001-01-01T00:00:00Z",
			"?end_date=0001-01-01T01:00:00%2B01:00",
			"?start_date=1969-12-31T23:59:59Z&end_date=1970-01-02T00:00:00Z",
			"?start_date=1970-01-01T00:00:00Z&end_date=1969-12-31T23:59:59Z",
		} {
			for _, f := range []string{"json", "xml"} {
				code, b, _ := e.do(t, "GET", "/requests."+f+query, nil, "")
				if code != 400 || !strings.Contains(string(b), "from 1970-01-01T00:00:00Z on") {
					t.Errorf("%s %s: %d %s, want 400 naming the first date taken", f, query, code, b)
				}
			}
		}
		for _, query := range []string{"?end_date=1970-01-01T00:00:00Z", "?start_date=1970-01-01T00:00:00Z"} {
			code, b, _ := e.do(t, "GET", "/requests.json"+query, nil, "")
			if got := keysOf(t, query, b, requestFields); code != 200 || len(got) != 0 {
				t.Errorf("%s: %d %s, want no request", query, code, b)
			}
		}
	})
}
