package feeds

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// /metrics is for the city's monitoring: with a token it asks for it as a
// bearer token, wherever the request comes from; without one it answers
// only this machine, and not a request a proxy forwarded from elsewhere.
func TestMetricsAreNotForThePublic(t *testing.T) {
	get := func(s http.Handler, remote string, header ...string) int {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = remote
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Add(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	open := serve(Deps{Registry: prometheus.NewRegistry()})
	for _, tc := range []struct {
		remote string
		header []string
		want   int
	}{
		{"127.0.0.1:40000", nil, http.StatusOK},
		{"[::1]:40000", nil, http.StatusOK},
		{"203.0.113.9:40000", nil, http.StatusForbidden},
		{"127.0.0.1:40000", []string{"X-Forwarded-For", "203.0.113.9"}, http.StatusForbidden},
		{"127.0.0.1:40000", []string{"Forwarded", "for=203.0.113.9"}, http.StatusForbidden},
		{"127.0.0.1:40000", []string{"X-Real-IP", "203.0.113.9"}, http.StatusForbidden},
		// A header present but empty says a proxy is in the way all the
		// same.
		{"127.0.0.1:40000", []string{"X-Forwarded-For", ""}, http.StatusForbidden},
		{"127.0.0.1:40000", []string{"Forwarded", ""}, http.StatusForbidden},
		{"127.0.0.1:40000", []string{"X-Real-IP", ""}, http.StatusForbidden},
	} {
		if got := get(open, tc.remote, tc.header...); got != tc.want {
			t.Errorf("no token, from %s %v: %d, want %d", tc.remote, tc.header, got, tc.want)
		}
	}
	// Over the wire too: an empty header line, as curl -H 'X-Forwarded-For;'
	// sends it, reaches the check.
	srv := httptest.NewServer(open)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Forwarded-For:\r\nConnection: close\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("an empty X-Forwarded-For line over the wire: %d, want 403", res.StatusCode)
	}
	guarded := serve(Deps{Registry: prometheus.NewRegistry(), MetricsToken: "s3cret-token"})
	for _, tc := range []struct {
		remote, auth string
		want         int
	}{
		{"203.0.113.9:40000", "Bearer s3cret-token", http.StatusOK},
		// The scheme is read in any case, as the API reads it (RFC 9110).
		{"203.0.113.9:40000", "bearer s3cret-token", http.StatusOK},
		{"203.0.113.9:40000", "BEARER s3cret-token", http.StatusOK},
		{"203.0.113.9:40000", "bearer S3CRET-TOKEN", http.StatusUnauthorized},
		{"203.0.113.9:40000", "Basic s3cret-token", http.StatusUnauthorized},
		{"203.0.113.9:40000", "Bearer wrong", http.StatusUnauthorized},
		{"127.0.0.1:40000", "", http.StatusUnauthorized},
		{"203.0.113.9:40000", "s3cret-token", http.StatusUnauthorized},
	} {
		if got := get(guarded, tc.remote, "Authorization", tc.auth); got != tc.want {
			t.Errorf("token, from %s with %q: %d, want %d", tc.remote, tc.auth, got, tc.want)
		}
	}
	// Several Authorization headers are refused, the right token first
	// among them too, as the API refuses them.
	if got := get(guarded, "203.0.113.9:40000", "Authorization", "Bearer s3cret-token", "Authorization", "Bearer other"); got != http.StatusUnauthorized {
		t.Errorf("two Authorization headers: %d, want 401", got)
	}
}
