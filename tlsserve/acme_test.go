package tlsserve_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/tlsserve"
	"cityhub/tlsserve/tlstest"
)

// A certificate is obtained from pebble for the configured name and served
// for it, verified against pebble's issuing root; the account and the
// certificate are kept private in the cache, and a restart serves the kept
// certificate without asking the ACME server again. A name not configured
// gets no certificate.
func TestACMEObtainsFromPebble(t *testing.T) {
	t.Parallel()
	directory, roots := tlstest.Pebble(t)
	cache := filepath.Join(t.TempDir(), "acme")
	const name = "hub.cityhub.test"
	cfg := tlsserve.Config{
		Domains: []string{name}, ACMEDirectory: directory, ACMERootsFile: roots, ACMEEmail: "sistemi@cityhub.test",
		CacheDir: cache, PublicURL: "https://" + name,
	}
	c, err := tlsserve.New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Prepare(ctx); err != nil {
		t.Fatalf("obtain from pebble: %v", err)
	}
	addr := serveTLS(t, c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	issued := tlstest.IssuedRoots(t)
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: name, RootCAs: issued})
	if err != nil {
		t.Fatalf("the served certificate does not verify against pebble's root: %v", err)
	}
	serial := conn.ConnectionState().PeerCertificates[0].SerialNumber
	conn.Close()
	if _, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "other.cityhub.test", InsecureSkipVerify: true}); err == nil {
		t.Error("a name not configured got a certificate")
	}

	st, err := os.Stat(cache)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("cache directory: %v %v, want 0700", st.Mode(), err)
	}
	entries, _ := os.ReadDir(cache)
	var kept []string
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e.Name(), info.Mode())
		}
		kept = append(kept, e.Name())
	}
	if !strings.Contains(strings.Join(kept, " "), name) || !strings.Contains(strings.Join(kept, " "), "acme_account") {
		t.Errorf("the cache holds %v, want the account key and the certificate of %s", kept, name)
	}

	// Restarted with an ACME server that does not answer: the kept
	// certificate is served.
	cfg.ACMEDirectory = "https://127.0.0.1:1/dir"
	again, err := tlsserve.New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Prepare(ctx); err != nil {
		t.Fatalf("restart with the cache: %v", err)
	}
	addr = serveTLS(t, again, http.NotFoundHandler())
	if got := servedSerial(t, addr, name); got.Cmp(serial) != 0 {
		t.Errorf("after a restart, served serial %v, want the kept %v", got, serial)
	}
}

// A certificate is renewed before it expires, while the server runs: the
// next handshake gets the new one, which lasts longer, and the cache holds
// it, so a restart serves it too. The test's own pebble issues
// certificates for 30 seconds. The hub renews with a third of the lifetime
// left (autocert's rule: 30 days of a 90-day certificate), which would be
// 20 seconds of waiting here; the test asks for the renewal with 24 seconds
// left instead, about 6 seconds after issuance, which keeps the whole ACME
// exchange far from the expiry on a busy machine.
func TestACMERenewsBeforeExpiry(t *testing.T) {
	t.Parallel()
	const validity = 30 * time.Second
	pebble := tlstest.StartPebble(t, validity)
	cache := filepath.Join(t.TempDir(), "acme")
	const name = "hub.cityhub.test"
	cfg := tlsserve.Config{
		Domains: []string{name}, ACMEDirectory: pebble.Directory, ACMERootsFile: pebble.RootsFile,
		CacheDir: cache, PublicURL: "https://" + name,
	}
	c, err := tlsserve.New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	tlsserve.RenewBefore(c, 24*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Prepare(ctx); err != nil {
		t.Fatalf("obtain from pebble: %v", err)
	}
	addr := serveTLS(t, c, http.NotFoundHandler())
	served := func() *x509.Certificate {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: name, RootCAs: pebble.Issued})
		if err != nil {
			t.Fatalf("the served certificate does not verify against the test pebble's root: %v", err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0]
	}
	first := served()
	if life := first.NotAfter.Sub(first.NotBefore); life > validity+time.Second {
		t.Fatalf("the certificate lasts %v: the test pebble is not the short-lived one", life)
	}
	var renewed *x509.Certificate
	testutil.Eventually(t, 2*validity, "a renewed certificate is served", func() bool {
		renewed = served()
		return renewed.SerialNumber.Cmp(first.SerialNumber) != 0
	})
	if !renewed.NotAfter.After(first.NotAfter) {
		t.Errorf("the renewed certificate ends %v, no later than the first (%v)", renewed.NotAfter, first.NotAfter)
	}
	// Issued while the first was still valid (the time the test noticed it
	// may be a moment later).
	if !renewed.NotBefore.Before(first.NotAfter) {
		t.Errorf("renewed only after the first certificate expired: issued %v, the first ended %v", renewed.NotBefore, first.NotAfter)
	}
	t.Logf("issued %s, valid to %s; renewed with %v left",
		first.NotBefore.Format(time.TimeOnly), first.NotAfter.Format(time.TimeOnly), time.Until(first.NotAfter).Round(time.Second))

	// Restarted with an ACME server that does not answer: the cache's
	// certificate is the renewed one.
	cfg.ACMEDirectory = "https://127.0.0.1:1/dir"
	again, err := tlsserve.New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Prepare(ctx); err != nil {
		t.Fatalf("restart with the cache: %v", err)
	}
	if got := servedSerial(t, serveTLS(t, again, http.NotFoundHandler()), name); got.Cmp(first.SerialNumber) == 0 {
		t.Errorf("after a restart the cache served the first certificate %v, not the renewed one", got)
	}
}

// A cache directory other users may read, holding keys, stops the hub.
func TestACMECacheMustBePrivate(t *testing.T) {
	t.Parallel()
	cache := filepath.Join(t.TempDir(), "acme")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := tlsserve.Config{Domains: []string{"hub.cityhub.test"}, CacheDir: cache, PublicURL: "https://hub.cityhub.test"}
	// Empty, it is made private.
	if _, err := tlsserve.New(cfg, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(cache); st.Mode().Perm() != 0o700 {
		t.Fatalf("empty cache left %v", st.Mode())
	}
	if err := os.WriteFile(filepath.Join(cache, "acme_account+key"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := tlsserve.New(cfg, nil); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("New on an open cache with keys = %v, want a refusal", err)
	}
	if err := os.Chmod(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(cache, "acme_account+key"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tlsserve.New(cfg, nil); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("New with an open key file in the cache = %v, want a refusal", err)
	}
}
