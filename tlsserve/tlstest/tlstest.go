// Package tlstest gives tests the ACME server they obtain certificates
// from (pebble, Let's Encrypt's test server, started by scripts/services
// with every challenge passing: PEBBLE_VA_ALWAYS_VALID=1, see there), the
// roots its certificates chain to, to check what a hub serves, and
// certificate files made on the spot.
package tlstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// DirectoryURL is pebble's ACME directory (CITYHUB_TEST_ACME_URL).
func DirectoryURL() string {
	if u := os.Getenv("CITYHUB_TEST_ACME_URL"); u != "" {
		return u
	}
	return "https://127.0.0.1:14000/dir"
}

// RootsFile is the CA of pebble's own HTTPS (CITYHUB_TEST_ACME_CA_ROOTS).
func RootsFile() string {
	if f := os.Getenv("CITYHUB_TEST_ACME_CA_ROOTS"); f != "" {
		return f
	}
	return "/var/lib/cityhub-test/pebble/pebble.minica.pem"
}

// Pebble returns pebble's directory URL and the roots file its HTTPS is
// checked with, skipping the test when pebble does not answer.
func Pebble(tb testing.TB) (directory, rootsFile string) {
	tb.Helper()
	directory, rootsFile = DirectoryURL(), RootsFile()
	if _, err := os.Stat(rootsFile); err != nil {
		tb.Skipf("pebble is not set up (%v): run scripts/services, or set CITYHUB_TEST_ACME_URL and CITYHUB_TEST_ACME_CA_ROOTS", err)
	}
	if _, err := get(tb, directory, rootsFile); err != nil {
		tb.Skipf("pebble does not answer at %s (%v): run scripts/services", directory, err)
	}
	return directory, rootsFile
}

// IssuedRoots is the pool of the root that pebble signs certificates under
// (a new one each time pebble starts), read from its management interface
// on port 15000 of the directory's host.
func IssuedRoots(tb testing.TB) *x509.CertPool {
	tb.Helper()
	u, err := url.Parse(DirectoryURL())
	if err != nil {
		tb.Fatal(err)
	}
	pem, err := get(tb, "https://"+u.Hostname()+":15000/roots/0", RootsFile())
	if err != nil {
		tb.Fatalf("pebble's issuing root: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		tb.Fatalf("pebble's issuing root is not PEM: %.100s", pem)
	}
	return pool
}

func get(tb testing.TB, u, rootsFile string) ([]byte, error) {
	tb.Helper()
	pem, err := os.ReadFile(rootsFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{u: u, status: resp.Status, body: strings.TrimSpace(string(b))}
	}
	return b, nil
}

type statusError struct{ u, status, body string }

func (e *statusError) Error() string { return e.u + ": " + e.status + ": " + e.body }

// WriteCertificate writes a self-signed certificate for name and its key
// as cert.pem and key.pem in dir, the key with keyMode, each written aside
// and renamed as certbot and friends do, so a handshake never reads half a
// file. It returns the paths and the serial, which tells one certificate
// from the next.
func WriteCertificate(tb testing.TB, dir, name string, keyMode os.FileMode) (certFile, keyFile string, serial *big.Int) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	serial, _ = rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeAtomic(tb, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	writeAtomic(tb, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), keyMode)
	return certFile, keyFile, serial
}

func writeAtomic(tb testing.TB, path string, b []byte, mode os.FileMode) {
	tb.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}
