package tlsserve_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityhub/tlsserve"
	"cityhub/tlsserve/tlstest"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// serveTLS serves h over TLS with the certificates' configuration on a
// loopback port, as cityhub serve does, and returns its address.
func serveTLS(t *testing.T, c *tlsserve.Certificates, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(tlsserve.HSTS(h))
	srv.TLS = c.TLSConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// servedSerial handshakes with addr for name and returns the serial of the
// certificate served (unverified: the test checks which one it is).
func servedSerial(t *testing.T, addr, name string) *big.Int {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("handshake with %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// Given files are served; a replaced pair is served from the next
// handshake on, without a restart; a replacement whose key every user may
// read is refused, and the pair in service stays.
func TestFilesServedAndReloaded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const name = "hub.cityhub.test"
	certFile, keyFile, first := tlstest.WriteCertificate(t, dir, name, 0o600)
	c, err := tlsserve.New(tlsserve.Config{CertFile: certFile, KeyFile: keyFile, PublicURL: "https://" + name}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	if got := servedSerial(t, addr, name); got.Cmp(first) != 0 {
		t.Fatalf("served serial %v, want the file's %v", got, first)
	}

	_, _, second := tlstest.WriteCertificate(t, dir, name, 0o640)
	if got := servedSerial(t, addr, name); got.Cmp(second) != 0 {
		t.Fatalf("after the files were replaced, served serial %v, want the new %v", got, second)
	}

	_, _, third := tlstest.WriteCertificate(t, dir, name, 0o644)
	if got := servedSerial(t, addr, name); got.Cmp(second) != 0 {
		t.Fatalf("with a world-readable key, served serial %v, want the previous %v (the new %v refused)", got, second, third)
	}
	// Once fixed, the same pair is taken.
	if err := os.Chmod(keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	// chmod changes neither the modification time nor the size: touch.
	now := time.Now().Add(time.Second)
	if err := os.Chtimes(keyFile, now, now); err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, addr, name); got.Cmp(third) != 0 {
		t.Fatalf("once the key is private, served serial %v, want %v", got, third)
	}
}

// A key file every user may read, a missing file, a key without its
// certificate, or a key of another certificate stop the hub at start.
func TestFilesRefused(t *testing.T) {
	t.Parallel()
	const name = "hub.cityhub.test"
	dir := t.TempDir()
	certFile, keyFile, _ := tlstest.WriteCertificate(t, dir, name, 0o644)
	other := t.TempDir()
	_, otherKey, _ := tlstest.WriteCertificate(t, other, name, 0o600)
	for _, tc := range []struct {
		name string
		cfg  tlsserve.Config
		says string
	}{
		{"world-readable key", tlsserve.Config{CertFile: certFile, KeyFile: keyFile}, "open to every user"},
		{"missing key", tlsserve.Config{CertFile: certFile, KeyFile: filepath.Join(dir, "nope.pem")}, "no such file"},
		{"key without certificate", tlsserve.Config{KeyFile: otherKey}, "needs its key file"},
		{"another certificate's key", tlsserve.Config{CertFile: certFile, KeyFile: otherKey}, "does not match"},
		{"both sources", tlsserve.Config{Domains: []string{name}, CertFile: certFile, KeyFile: otherKey}, "not both"},
		{"no source", tlsserve.Config{}, "neither"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.PublicURL = "https://" + name
			tc.cfg.CacheDir = t.TempDir()
			_, err := tlsserve.New(tc.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("New = %v, want an error saying %q", err, tc.says)
			}
		})
	}
}

// Plain HTTP redirects to the same path over HTTPS, keeping a POST a POST
// (308), sending a name the hub does not serve to the public host, and
// never carrying HSTS; the ACME HTTP-01 challenge path is answered by the
// challenge responder, not redirected.
func TestPlainHTTPRedirects(t *testing.T) {
	t.Parallel()
	c, err := tlsserve.New(tlsserve.Config{
		Domains:   []string{"hub.cityhub.test", "bici.cityhub.test"},
		CacheDir:  filepath.Join(t.TempDir(), "acme"),
		PublicURL: "https://hub.cityhub.test:8443",
		// Never dialled: no handshake happens in this test.
		ACMEDirectory: "https://127.0.0.1:1/dir",
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	plain := httptest.NewServer(c.PlainHandler())
	t.Cleanup(plain.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		method, host, path string
		code               int
		location           string
	}{
		{"GET", "hub.cityhub.test", "/wallet?tab=tickets", 301, "https://hub.cityhub.test:8443/wallet?tab=tickets"},
		{"HEAD", "bici.cityhub.test:80", "/gbfs/v3/gbfs.json", 301, "https://bici.cityhub.test:8443/gbfs/v3/gbfs.json"},
		{"POST", "hub.cityhub.test", "/api/v1/vouchers/redeem", 308, "https://hub.cityhub.test:8443/api/v1/vouchers/redeem"},
		{"PUT", "HUB.cityhub.test.", "/x", 308, "https://hub.cityhub.test:8443/x"},
		{"GET", "203.0.113.7", "/", 301, "https://hub.cityhub.test:8443/"},
		{"GET", "evil.example", "/login", 301, "https://hub.cityhub.test:8443/login"},
	} {
		req, _ := http.NewRequest(tc.method, plain.URL+tc.path, nil)
		req.Host = tc.host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code || resp.Header.Get("Location") != tc.location {
			t.Errorf("%s http://%s%s = %d %q, want %d %q", tc.method, tc.host, tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.code, tc.location)
		}
		if v := resp.Header.Get("Strict-Transport-Security"); v != "" {
			t.Errorf("%s http://%s%s carries HSTS %q over plain HTTP", tc.method, tc.host, tc.path, v)
		}
	}
	// An unknown token: the responder's 404, not a redirect.
	req, _ := http.NewRequest("GET", plain.URL+"/.well-known/acme-challenge/unknown-token", nil)
	req.Host = "hub.cityhub.test"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" {
		t.Errorf("the ACME challenge path = %d to %q, want the responder's 404", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// HTTPS answers carry Strict-Transport-Security, once.
func TestHSTSOnHTTPS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const name = "hub.cityhub.test"
	certFile, keyFile, _ := tlstest.WriteCertificate(t, dir, name, 0o600)
	c, err := tlsserve.New(tlsserve.Config{CertFile: certFile, KeyFile: keyFile, PublicURL: "https://" + name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The hub's pages set the header too: it stays one header.
	addr := serveTLS(t, c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", tlsserve.HSTSValue)
		io.WriteString(w, "ok")
	}))
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{ServerName: name, InsecureSkipVerify: true},
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	}}
	resp, err := client.Get("https://" + name + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Values("Strict-Transport-Security"); len(got) != 1 || got[0] != tlsserve.HSTSValue {
		t.Errorf("HTTPS answer's Strict-Transport-Security = %q, want one %q", got, tlsserve.HSTSValue)
	}
}
