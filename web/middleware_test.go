package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"cityhub/identity"
)

func TestPeerIPTrustsOnlyConfiguredProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		name    string
		proxies []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies configured: header ignored", nil, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer: header ignored", proxies, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted proxy: client from the header", proxies, "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"spoofed left entries are skipped", proxies, "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", proxies, "10.1.2.3:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several header lines", proxies, "10.1.2.3:5000", []string{"198.51.100.7", "10.4.4.4"}, "198.51.100.7"},
		{"garbled hop: the peer", proxies, "10.1.2.3:5000", []string{"not-an-ip"}, "10.1.2.3"},
		{"only proxies: the peer", proxies, "10.1.2.3:5000", []string{"10.5.5.5"}, "10.1.2.3"},
		{"no header: the peer", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 loopback proxy", proxies, "[::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped client", proxies, "10.1.2.3:5000", []string{"::ffff:198.51.100.2"}, "198.51.100.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Deps: Deps{TrustedProxies: tc.proxies}}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.peerIP(r); got != tc.want {
				t.Errorf("peerIP = %q, want %q", got, tc.want)
			}
		})
	}
}

// Issue 8, item 7: authenticate hands a copy of the request down, so the
// metrics read no pattern and counted every authenticated request as
// route="unmatched". Each request is counted under the pattern it matched.
func TestMetricsLabelAuthenticatedRequestsByPattern(t *testing.T) {
	s, env := newTestServer(t, "sqlite")
	bearer := env.login(t, identity.RoleCitizen)
	for _, tc := range []struct {
		name, path, auth, route string
		status                  int
	}{
		{"authenticated 200", "/api/v1/me", bearer, "GET /api/v1/me", http.StatusOK},
		{"anonymous 401", "/api/v1/me", "", "GET /api/v1/me", http.StatusUnauthorized},
		{"unknown API path", "/api/v1/nothing-here", bearer, "/api/", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counter := s.metrics.requests.WithLabelValues(tc.route, strconv.Itoa(tc.status))
			before := counted(t, counter)
			unmatched := counted(t, s.metrics.requests.WithLabelValues("unmatched", strconv.Itoa(tc.status)))
			if rec := env.do(t, "GET", tc.path, tc.auth, ""); rec.Code != tc.status {
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
	rec := env.do(t, "GET", "/metrics", "", "")
	if want := `cityhub_http_requests_total{route="GET /api/v1/me",status="200"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s", want)
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
