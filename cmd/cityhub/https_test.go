package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/config"
	"cityhub/internal/testutil"
	"cityhub/tlsserve"
	"cityhub/tlsserve/tlstest"
)

// tlsHub is a hub serving HTTPS itself.
type tlsHub struct {
	url       string // the public https:// URL
	httpsAddr string
	plainAddr string
}

// startTLSHub runs the real program with env on loopback ports and waits
// until its HTTPS side answers /healthz for host, trusting roots.
func startTLSHub(t *testing.T, env map[string]string, host string, roots *x509.CertPool) tlsHub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &testutil.Buffer{}, &testutil.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, testGetenv(env), stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("hub stopped with error: %v\nstderr:\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("hub did not stop within 30s")
		}
	})
	re := regexp.MustCompile(`listening on (https://\S+) \(HTTPS on (\S+); plain HTTP on (\S+) redirects`)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			done <- nil // for the clean-up, which has nothing left to wait for
			t.Fatalf("hub exited early: %v\nstderr:\n%s", err, stderr.String())
		default:
		}
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			h := tlsHub{url: m[1], httpsAddr: m[2], plainAddr: m[3]}
			resp, err := httpsClient(h, host, roots).Get(h.url + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return h
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the hub's HTTPS did not become healthy\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	return tlsHub{}
}

// httpsClient verifies the hub's certificate for host against roots and
// dials the hub's HTTPS listener whatever the URL's host.
func httpsClient(h tlsHub, host string, roots *x509.CertPool) *http.Client {
	return &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{ServerName: host, RootCAs: roots},
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "tcp", h.httpsAddr)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func tlsEnv(t *testing.T) map[string]string {
	return map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_HTTPS_ADDR":       "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         t.TempDir(),
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
	}
}

// cityhub serve with CITYHUB_TLS_DOMAINS obtains a certificate from the
// ACME server (pebble) and serves its pages and API over HTTPS with it,
// with HSTS once; plain HTTP redirects (301, 308 for a POST) without HSTS.
func TestServeHTTPSOverACME(t *testing.T) {
	t.Parallel()
	directory, roots := tlstest.Pebble(t)
	const host = "hub.cityhub.test"
	env := tlsEnv(t)
	env["CITYHUB_TLS_DOMAINS"] = host
	env["CITYHUB_ACME_CA"] = directory
	env["CITYHUB_ACME_CA_ROOTS"] = roots
	env["CITYHUB_ACME_EMAIL"] = "sistemi@cityhub.test"
	h := startTLSHub(t, env, host, tlstest.IssuedRoots(t))
	if !strings.HasPrefix(h.url, "https://"+host+":") {
		t.Errorf("public URL %s, want https://%s:port", h.url, host)
	}
	client := httpsClient(h, host, tlstest.IssuedRoots(t))
	for _, path := range []string{"/healthz", "/api/v1/openapi.json", "/login"} {
		resp, err := client.Get(h.url + path)
		if err != nil {
			t.Fatalf("GET %s over HTTPS: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s over HTTPS = %d", path, resp.StatusCode)
		}
		if got := resp.Header.Values("Strict-Transport-Security"); len(got) != 1 || got[0] != tlsserve.HSTSValue {
			t.Errorf("GET %s over HTTPS: Strict-Transport-Security %q, want one %q", path, got, tlsserve.HSTSValue)
		}
	}
	checkRedirects(t, h, host)
	// The certificate and the ACME account are kept privately under the
	// data directory.
	entries, err := os.ReadDir(filepath.Join(env["CITYHUB_DATA_DIR"], "acme"))
	if err != nil || len(entries) < 2 {
		t.Errorf("the data directory's acme/ holds %v (%v), want the account and the certificate", entries, err)
	}
}

// checkRedirects: plain HTTP answers only with redirects to the same path
// over HTTPS, never with HSTS.
func checkRedirects(t *testing.T, h tlsHub, host string) {
	t.Helper()
	_, port, _ := net.SplitHostPort(h.httpsAddr)
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/wallet?tab=tickets", http.StatusMovedPermanently},
		{"GET", "/healthz", http.StatusMovedPermanently},
		{"POST", "/api/v1/auth/login", http.StatusPermanentRedirect},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+h.plainAddr+tc.path, strings.NewReader("{}"))
		req.Host = host
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		want := "https://" + host + ":" + port + tc.path
		if resp.StatusCode != tc.code || resp.Header.Get("Location") != want {
			t.Errorf("%s http://%s%s = %d to %q, want %d to %q", tc.method, h.plainAddr, tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.code, want)
		}
		if v := resp.Header.Get("Strict-Transport-Security"); v != "" {
			t.Errorf("plain HTTP %s %s carries HSTS %q", tc.method, tc.path, v)
		}
	}
}

// cityhub serve with CITYHUB_TLS_CERT_FILE and CITYHUB_TLS_KEY_FILE serves
// that certificate; a renewed pair written over the files is served
// without a restart; a key file every user may read stops the hub at
// start.
func TestServeHTTPSFromFiles(t *testing.T) {
	t.Parallel()
	const host = "hub.cityhub.test"
	dir := t.TempDir()
	certFile, keyFile, first := tlstest.WriteCertificate(t, dir, host, 0o600)
	env := tlsEnv(t)
	env["CITYHUB_TLS_CERT_FILE"] = certFile
	env["CITYHUB_TLS_KEY_FILE"] = keyFile
	env["CITYHUB_PUBLIC_URL"] = "https://" + host
	h := startTLSHub(t, env, host, certPool(t, certFile))
	if got := servedCert(t, h, host); got.Cmp(first) != 0 {
		t.Fatalf("served serial %v, want the file's %v", got, first)
	}
	// The public URL names no port, 443: redirects name none either.
	req, _ := http.NewRequest("GET", "http://"+h.plainAddr+"/wallet", nil)
	req.Host = host
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "https://"+host+"/wallet" {
		t.Errorf("plain GET /wallet = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	_, _, second := tlstest.WriteCertificate(t, dir, host, 0o600)
	if got := servedCert(t, h, host); got.Cmp(second) != 0 {
		t.Fatalf("after renewal, served serial %v, want the new %v", got, second)
	}
	resp, err = httpsClient(h, host, certPool(t, certFile)).Get("https://" + host + "/healthz")
	if err != nil {
		t.Fatalf("the renewed certificate does not verify: %v", err)
	}
	resp.Body.Close()

	// A key every user may read: refused at start, with the fix.
	openDir := t.TempDir()
	c, k, _ := tlstest.WriteCertificate(t, openDir, host, 0o644)
	env = tlsEnv(t)
	env["CITYHUB_TLS_CERT_FILE"], env["CITYHUB_TLS_KEY_FILE"] = c, k
	env["CITYHUB_PUBLIC_URL"] = "https://" + host
	var out, errOut testutil.Buffer
	err = run(context.Background(), []string{"serve"}, testGetenv(env), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("serve with a world-readable key = %v, want a refusal saying how to fix it", err)
	}
}

func certPool(t *testing.T, certFile string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", certFile)
	}
	return pool
}

// servedCert is the serial of the certificate the hub serves for host.
func servedCert(t *testing.T, h tlsHub, host string) *big.Int {
	t.Helper()
	conn, err := tls.Dial("tcp", h.httpsAddr, &tls.Config{ServerName: host, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// Without CITYHUB_PUBLIC_URL, the public URL is the first ACME name (or
// the listener's host) on the HTTPS port, which 443 leaves unsaid.
func TestHTTPSPublicURL(t *testing.T) {
	for _, tc := range []struct {
		domains []string
		addr    string
		want    string
	}{
		{[]string{"hub.comune.example.it", "bici.comune.example.it"}, ":443", "https://hub.comune.example.it"},
		{[]string{"hub.comune.example.it"}, "0.0.0.0:8443", "https://hub.comune.example.it:8443"},
		{nil, "0.0.0.0:443", "https://localhost"},
		{nil, "127.0.0.1:8443", "https://127.0.0.1:8443"},
		{nil, "[::1]:443", "https://[::1]"},
	} {
		if got := httpsPublicURL(config.TLS{Domains: tc.domains}, tc.addr); got != tc.want {
			t.Errorf("httpsPublicURL(%v, %s) = %s, want %s", tc.domains, tc.addr, got, tc.want)
		}
	}
}

// With certificate files the hub cannot tell its name: serve and check
// refuse to start without CITYHUB_PUBLIC_URL, instead of redirecting
// every plain-HTTP visitor to https://localhost.
func TestCertificateFilesNeedThePublicURL(t *testing.T) {
	dir := t.TempDir()
	c, k, _ := tlstest.WriteCertificate(t, dir, "hub.cityhub.test", 0o600)
	env := tlsEnv(t)
	env["CITYHUB_TLS_CERT_FILE"], env["CITYHUB_TLS_KEY_FILE"] = c, k
	for _, cmd := range []string{"serve", "check"} {
		var out, errOut testutil.Buffer
		err := run(context.Background(), []string{cmd}, testGetenv(env), &out, &errOut)
		if err == nil || !strings.Contains(out.String()+errOut.String()+err.Error(), "set CITYHUB_PUBLIC_URL") {
			t.Errorf("%s without CITYHUB_PUBLIC_URL = %v\n%s%s, want a refusal saying to set it", cmd, err, out.String(), errOut.String())
		}
	}
}
