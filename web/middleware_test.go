package web

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"cityhub/identity"
	"cityhub/tlsserve"
	"cityhub/web/httpx"
)

// Issue 8, item 7: authenticate hands a copy of the request down, so the
// metrics read no pattern and counted every authenticated request as
// route="unmatched". Each request is counted under the pattern it matched.
func TestMetricsLabelAuthenticatedRequestsByPattern(t *testing.T) {
	t.Parallel()
	s, env := newTestServer(t, "sqlite")
	bearer := env.login(t, identity.RoleCitizen)
	// A page signed in by its session cookie, as a browser sends it.
	acct, _ := env.account(t, identity.RoleCitizen)
	session, _, err := env.Identity.StartSession(t.Context(), acct.Email, testPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, auth, cookie, route string
		status                          int
	}{
		{"authenticated 200", "/api/v1/me", bearer, "", "GET /api/v1/me", http.StatusOK},
		{"anonymous 401", "/api/v1/me", "", "", "GET /api/v1/me", http.StatusUnauthorized},
		// A token refused before the route is picked counts under the
		// route it was sent to, as no token does; it counted as unmatched.
		{"refused token 401", "/api/v1/me", "Bearer garbage", "", "GET /api/v1/me", http.StatusUnauthorized},
		{"malformed Authorization 401", "/api/v1/me", "Basic garbage", "", "GET /api/v1/me", http.StatusUnauthorized},
		{"unknown API path", "/api/v1/nothing-here", bearer, "", "/api/", http.StatusNotFound},
		{"page signed in by cookie", "/privacy", "", session, "GET /privacy", http.StatusOK},
		{"page sent to sign in", "/privacy", "", "", "GET /privacy", http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counter := s.metrics.requests.WithLabelValues(tc.route, strconv.Itoa(tc.status))
			before := counted(t, counter)
			unmatched := counted(t, s.metrics.requests.WithLabelValues("unmatched", strconv.Itoa(tc.status)))
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			env.Server.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body.String())
			}
			if got := counted(t, counter) - before; got != 1 {
				t.Errorf("requests{route=%q,status=%d} grew by %v, want 1", tc.route, tc.status, got)
			}
			if got := counted(t, s.metrics.requests.WithLabelValues("unmatched", strconv.Itoa(tc.status))); got != unmatched {
				t.Errorf("the request was also counted as unmatched")
			}
		})
	}
	// The label reaches the exposition that Prometheus scrapes.
	rec := env.do(t, "GET", "/metrics", "Bearer "+testMetricsToken, "")
	for _, want := range []string{`cityhub_http_requests_total{route="GET /api/v1/me",status="200"} 1`, `cityhub_http_requests_total{route="GET /privacy",status="200"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// counted is a counter's current value.
func counted(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatalf("read counter: %v", err)
	}
	return m.GetCounter().GetValue()
}

// Strict-Transport-Security comes from the shared middleware, once on every
// answer (pages, their assets, the API, feeds, errors) when the public URL
// is https, as behind a TLS proxy; never when it is plain http.
func TestHSTSOnlyOnHTTPSPublicURL(t *testing.T) {
	t.Parallel()
	paths := []string{"/", "/login", "/api/v1/openapi.json", "/healthz", "/api/v1/me", "/no-such-page"}
	for _, tc := range []struct {
		publicURL string
		want      []string
	}{
		{"https://comune.example", []string{tlsserve.HSTSValue}},
		{"http://127.0.0.1:8080", nil},
	} {
		t.Run(tc.publicURL, func(t *testing.T) {
			s := New(Deps{PublicURL: tc.publicURL, Version: "test"})
			for _, path := range paths {
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if got := rec.Header().Values("Strict-Transport-Security"); !slices.Equal(got, tc.want) {
					t.Errorf("GET %s (%d): Strict-Transport-Security %q, want %q", path, rec.Code, got, tc.want)
				}
			}
		})
	}
}

// X-Content-Type-Options: nosniff comes from the shared middleware too, on
// every answer: the API's JSON, its problems and CSV, the open data, GBFS
// and Open311, as on the pages, so that no browser reads an answer as
// anything other than its declared type.
func TestNosniffOnEveryAnswer(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withParticipation)
	bearer := env.login(t, identity.RoleCitizen)
	for _, tc := range []struct{ path, auth string }{
		{"/api/v1/openapi.json", ""},
		{"/api/v1/wallet", bearer},
		{"/api/v1/me", ""},
		{"/api/v1/nothing-here", bearer},
		{"/api/v1/open/reports.csv", ""},
		{"/api/v1/open/participation", ""},
		{"/gbfs/v3/gbfs.json", ""},
		{"/open311/v2/services.json", ""},
		{"/healthz", ""},
		{"/", ""},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, req)
		if got := rec.Header().Values("X-Content-Type-Options"); !slices.Equal(got, []string{"nosniff"}) {
			t.Errorf("GET %s (%d): X-Content-Type-Options %q, want nosniff once", tc.path, rec.Code, got)
		}
	}
}
