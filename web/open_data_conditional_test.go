package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/vouchers"
)

// TestOpenDataAnswersConditionalRequests: the open data gives Last-Modified
// and an ETag, so a harvester that sends either back gets 304 Not Modified,
// without a body, while the copy it has is the one served; a copy older
// than that, or a tag of another, gets the data again.
func TestOpenDataAnswersConditionalRequests(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	get := func(path string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, req)
		return rec
	}
	for _, path := range []string{
		"/api/v1/open/participation",
		"/api/v1/open/reports.csv",
		"/api/v1/open/proposals.csv",
		"/api/v1/open/report-counts.csv",
		"/api/v1/open/vouchers/stats",
		"/api/v1/open/vouchers/stats.csv",
	} {
		first := get(path)
		if first.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, first.Code, first.Body)
		}
		if strings.HasSuffix(path, ".csv") && !strings.HasPrefix(first.Header().Get("Content-Disposition"), "attachment;") {
			t.Errorf("%s: Content-Disposition %q, want a download as every CSV", path, first.Header().Get("Content-Disposition"))
		}
		modified, etag := first.Header().Get("Last-Modified"), first.Header().Get("ETag")
		if modified == "" || etag == "" {
			t.Fatalf("%s: Last-Modified %q, ETag %q", path, modified, etag)
		}
		at, err := http.ParseTime(modified)
		if err != nil {
			t.Fatalf("%s: Last-Modified %q: %v", path, modified, err)
		}
		for _, tc := range []struct {
			name, header, value string
			want                int
		}{
			{"If-Modified-Since the copy's time", "If-Modified-Since", modified, http.StatusNotModified},
			{"If-Modified-Since a later time", "If-Modified-Since", at.Add(time.Hour).Format(http.TimeFormat), http.StatusNotModified},
			{"If-Modified-Since an older time", "If-Modified-Since", at.Add(-time.Second).Format(http.TimeFormat), http.StatusOK},
			{"If-None-Match the copy's tag", "If-None-Match", etag, http.StatusNotModified},
			{"If-None-Match among others", "If-None-Match", `"other", ` + etag, http.StatusNotModified},
			{"If-None-Match another tag", "If-None-Match", `"other"`, http.StatusOK},
		} {
			res := get(path, tc.header, tc.value)
			if res.Code != tc.want {
				t.Errorf("%s, %s: %d, want %d", path, tc.name, res.Code, tc.want)
				continue
			}
			if tc.want == http.StatusNotModified {
				if res.Body.Len() != 0 {
					t.Errorf("%s, %s: 304 with a body: %q", path, tc.name, res.Body)
				}
				if got := res.Header().Get("ETag"); got != etag {
					t.Errorf("%s, %s: 304 with ETag %q, want %q", path, tc.name, got, etag)
				}
				if got := res.Header().Get("Cache-Control"); got != first.Header().Get("Cache-Control") && got == "no-store" {
					t.Errorf("%s, %s: 304 with Cache-Control %q", path, tc.name, got)
				}
			} else if res.Body.String() != first.Body.String() {
				t.Errorf("%s, %s: another body than the first answer's", path, tc.name)
			}
		}
	}
}
