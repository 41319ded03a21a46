package httpx

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/apperr"
)

// wantDuplicate checks that err is Invalid duplicate_field naming param.
func wantDuplicate(t *testing.T, what string, err error, param string) {
	t.Helper()
	if apperr.CodeOf(err) != apperr.Invalid || apperr.ReasonOf(err) != "duplicate_field" || !strings.Contains(err.Error(), `"`+param+`"`) {
		t.Errorf("%s: %v; want Invalid duplicate_field naming %q", what, err, param)
	}
}

// The readers every paged list shares refuse a cursor, a page size, a
// search's filter or a format given twice, alike or not, where they took
// the first; given once, or absent, each is read as before, and a bad one
// keeps its own reason.
func TestPageReadersRefuseARepeatedParameter(t *testing.T) {
	for query, param := range map[string]string{
		"cursor=a&cursor=b":      "cursor",
		"cursor=a&cursor=a":      "cursor",
		"cursor=&cursor=a":       "cursor",
		"limit=1&limit=50":       "limit",
		"limit=5&limit=5":        "limit",
		"cursor=a&limit=1&limit": "limit",
	} {
		_, _, err := PageQuery(httptest.NewRequest("GET", "/list?"+query, nil), 20, 100)
		wantDuplicate(t, "PageQuery ?"+query, err, param)
	}
	for query, param := range map[string]string{
		"limit=1&limit=2":              "limit",
		"cursor=a&cursor=b":            "cursor",
		"q=anna&q=bruno":               "q",
		"role=citizen&role=city_admin": "role",
		"scope=shop_1&scope=shop_2":    "scope",
		"state=active&state=active":    "state",
	} {
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		_, err = AccountQuery(q)
		wantDuplicate(t, "AccountQuery ?"+query, err, param)
	}
	_, err := WantsCSV(httptest.NewRequest("GET", "/audit?format=csv&format=csv", nil))
	wantDuplicate(t, "WantsCSV", err, "format")

	cursor, limit, err := PageQuery(httptest.NewRequest("GET", "/list?cursor=a&limit=7&category=x&category=y", nil), 20, 100)
	if err != nil || cursor != "a" || limit != 7 {
		t.Errorf("a page asked once: %q, %d, %v", cursor, limit, err)
	}
	if cursor, limit, err = PageQuery(httptest.NewRequest("GET", "/list", nil), 20, 100); err != nil || cursor != "" || limit != 20 {
		t.Errorf("the first page: %q, %d, %v", cursor, limit, err)
	}
	if _, _, err = PageQuery(httptest.NewRequest("GET", "/list?limit=101", nil), 20, 100); apperr.ReasonOf(err) != "bad_limit" {
		t.Errorf("a page too long: %v; want bad_limit", err)
	}
	aq, err := AccountQuery(url.Values{"q": {"anna"}, "role": {"citizen"}, "limit": {"3"}, "cursor": {"acc_1"}})
	if err != nil || aq.Text != "anna" || aq.Role != "citizen" || aq.Limit != 3 || aq.Cursor != "acc_1" {
		t.Errorf("a search asked once: %+v, %v", aq, err)
	}
}
