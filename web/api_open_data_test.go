package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/vouchers"
)

// TestOpenVoucherStatsAreKept: the open statistics are computed once and
// given as computed for the minute after, JSON and CSV alike: a campaign
// opened meanwhile is not in them yet.
func TestOpenVoucherStatsAreKept(t *testing.T) {
	t.Parallel()
	ve := newVoucherEnv(t, "sqlite")
	get := func(path string) string {
		t.Helper()
		res := vreq(t, ve.testEnv, "GET", path, "", "")
		wantStatus(t, res, http.StatusOK)
		return res.Body.String()
	}
	first, firstCSV := get("/api/v1/open/vouchers/stats"), get("/api/v1/open/vouchers/stats.csv")
	if !strings.Contains(first, ve.campaign.ID) {
		t.Fatalf("the open campaign is not in the statistics: %s", first)
	}
	res := vreq(t, ve.testEnv, "POST", "/api/v1/admin/campaigns", ve.admin, strings.Replace(validCampaign, "Natale in contrada", "Pasqua in contrada", 1))
	wantStatus(t, res, http.StatusCreated)
	var later vouchers.Campaign
	decodeInto(t, res, &later)
	wantStatus(t, vreq(t, ve.testEnv, "POST", "/api/v1/admin/campaigns/"+later.ID+"/open", ve.admin, ""), http.StatusOK)
	if again := get("/api/v1/open/vouchers/stats"); again != first {
		t.Fatalf("the statistics were computed again within the minute:\n%s\n%s", first, again)
	}
	if againCSV := get("/api/v1/open/vouchers/stats.csv"); againCSV != firstCSV {
		t.Fatalf("the CSV was computed again within the minute:\n%s", againCSV)
	}
}

// The open feeds are read by machines, so what they refuse is a problem, as
// the API's refusals are, never the pages' Italian HTML: a method a feed
// does not take was a 400 page and is 405 with Allow, invalid text in a
// feed's path or query was a 400 page, and an address under a feed's with
// nothing there was a 404 page. The pages keep their HTML.
func TestFeedRefusalsAreProblems(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	send := func(method, target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		return rec
	}
	for _, tc := range []struct {
		method, target string
		status         int
		reason, allow  string
	}{
		{"POST", "/gbfs/v3/gbfs.json", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD, OPTIONS"},
		{"DELETE", "/gbfs/v3/station_status.json", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD, OPTIONS"},
		{"POST", "/.well-known/jwks.json", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"POST", "/healthz", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"PUT", "/readyz", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"DELETE", "/metrics", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"POST", "/robots.txt", http.StatusMethodNotAllowed, "method_not_allowed", "GET, HEAD"},
		{"GET", "/gbfs/v3/gbfs.json?x=%ff", http.StatusBadRequest, "invalid_text", ""},
		{"GET", "/gbfs/v3/%ff.json", http.StatusBadRequest, "invalid_text", ""},
		{"GET", "/.well-known/jwks.json?x=%ff", http.StatusBadRequest, "invalid_text", ""},
		{"GET", "/healthz?x=%00", http.StatusBadRequest, "invalid_text", ""},
		{"GET", "/metrics?x=%zz", http.StatusBadRequest, "invalid_query", ""},
		{"GET", "/gbfs/v3/", http.StatusNotFound, "", ""},
		{"GET", "/gbfs/v3/a/b.json", http.StatusNotFound, "", ""},
		{"GET", "/gbfs", http.StatusNotFound, "", ""},
		{"GET", "/.well-known/nothing", http.StatusNotFound, "", ""},
		{"GET", "/healthz/more", http.StatusNotFound, "", ""},
		{"GET", "/gbfs/v3/nope.json", http.StatusNotFound, "no_feed", ""},
		// The API refuses the same way.
		{"GET", "/api/v1/open/vouchers/stats?x=%ff", http.StatusBadRequest, "invalid_text", ""},
		{"GET", "/api/v1/open/vouchers/stats?x=%zz", http.StatusBadRequest, "invalid_query", ""},
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			rec := send(tc.method, tc.target)
			if p := wantProblem(t, rec, tc.status); p.Reason != tc.reason {
				t.Errorf("reason %q, want %q", p.Reason, tc.reason)
			}
			if got := rec.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
	// The feeds' own routes still answer.
	for target, status := range map[string]int{"GET /healthz": http.StatusOK, "HEAD /healthz": http.StatusOK, "GET /metrics": http.StatusUnauthorized,
		"OPTIONS /gbfs/v3/gbfs.json": http.StatusNoContent} {
		method, path, _ := strings.Cut(target, " ")
		if rec := send(method, path); rec.Code != status {
			t.Errorf("%s: %d, want %d", target, rec.Code, status)
		}
	}
	// The pages answer with pages.
	for target, status := range map[string]int{"DELETE /privacy": http.StatusMethodNotAllowed, "GET /privacy?x=%ff": http.StatusBadRequest,
		"GET /no-such-page": http.StatusNotFound, "GET /gbfsx": http.StatusNotFound} {
		method, path, _ := strings.Cut(target, " ")
		rec := send(method, path)
		if ct := rec.Header().Get("Content-Type"); rec.Code != status || !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: %d %q, want %d and a page", target, rec.Code, ct, status)
		}
	}
}
