package open311_test

import (
	"encoding/json"
	"testing"

	"cityhub/store/storetest"
)

// A page that is not a whole number, or is beyond the deepest page the
// list walks, is refused in words naming the bound that applies for the
// page_size asked (1000 when absent: page 101 is the last, as
// (page − 1) × page_size may be at most 100,000), where "page must be a
// whole number from 1 to 100001" named a page the default size refused.
// The deepest page is answered.
func TestPageRefusalNamesTheBoundOfItsPageSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t))
	const deepest1000 = "page must be a whole number from 1 to 101 with page_size 1000: later pages would skip more than 100000 requests; narrow the dates instead."
	const deepest2 = "page must be a whole number from 1 to 50001 with page_size 2: later pages would skip more than 100000 requests; narrow the dates instead."
	for q, want := range map[string]string{
		"?page=abc":                  deepest1000,
		"?page=0":                    deepest1000,
		"?page=102":                  deepest1000,
		"?page=99999999999999999999": deepest1000,
		"?page=102&page_size=1000":   deepest1000,
		"?page=abc&page_size=2":      deepest2,
		"?page=50002&page_size=2":    deepest2,
		"?page=2&page_size=abc":      "page_size must be a whole number from 1 to 1000.",
		"?page=2&page_size=1001":     "page_size must be a whole number from 1 to 1000.",
		"?page=100002&page_size=1":   "page must be a whole number from 1 to 100001 with page_size 1: later pages would skip more than 100000 requests; narrow the dates instead.",
	} {
		code, b, _ := e.do(t, "GET", "/requests.json"+q, nil, "")
		var errs []struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal(b, &errs); err != nil || code != 400 || len(errs) != 1 || errs[0].Description != want {
			t.Errorf("%s: %d %s; want 400 %q", q, code, b, want)
		}
	}
	for _, q := range []string{"?page=101", "?page=50001&page_size=2", "?page=100001&page_size=1"} {
		if code, b, _ := e.do(t, "GET", "/requests.json"+q, nil, ""); code != 200 {
			t.Errorf("%s, the deepest page: %d %s", q, code, b)
		}
	}
}
