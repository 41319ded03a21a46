package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/participation"
)

// TestOpenPhotoRevalidates: an approved photo's ETag is answered 304 in
// every form If-None-Match may name it (RFC 9110: alone, in a list, weak,
// or *), as caches send it; another tag, or If-Modified-Since alone (the
// photo gives no Last-Modified), gets the photo.
func TestOpenPhotoRevalidates(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	_, cit := env.account(t, identity.RoleCitizen)
	staff := env.login(t, identity.RoleCityStaff)
	res := env.doMultipart(t, "/api/v1/reports", cit, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776",
		"description": "A deep hole by the bus stop"}, testPhoto(t))
	if res.Code != http.StatusCreated {
		t.Fatalf("create report: %d %s", res.Code, res.Body)
	}
	var rep participation.Report
	decodeInto(t, res, &rep)
	var v participation.ReportView
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+rep.ID+"/details", cit, "")), &v)
	if len(v.Photos) != 1 {
		t.Fatalf("photos %+v, want one", v.Photos)
	}
	id := v.Photos[0].ID
	wantOK(t, env.do(t, "PUT", "/api/v1/staff/photos/"+id+"/state", staff, `{"state":"approved"}`))

	for _, path := range []string{"/api/v1/open/photos/" + id, "/api/v1/open/photos/" + id + "/thumbnail"} {
		etag := wantOK(t, env.do(t, "GET", path, "", "")).Header().Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", path)
		}
		for _, tc := range []struct {
			header, value string
			want          int
		}{
			{"If-None-Match", etag, http.StatusNotModified},
			{"If-None-Match", `"other", ` + etag, http.StatusNotModified},
			{"If-None-Match", "W/" + etag, http.StatusNotModified},
			{"If-None-Match", "*", http.StatusNotModified},
			{"If-None-Match", `"other"`, http.StatusOK},
			{"If-Modified-Since", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), http.StatusOK},
		} {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set(tc.header, tc.value)
			rec := httptest.NewRecorder()
			env.Server.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("%s with %s: %s: %d, want %d", path, tc.header, tc.value, rec.Code, tc.want)
			} else if tc.want == http.StatusNotModified && rec.Body.Len() != 0 {
				t.Errorf("%s with %s: %s: 304 with a body", path, tc.header, tc.value)
			}
		}
	}
}
