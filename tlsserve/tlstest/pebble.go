package tlstest

import (
	"cityhub/internal/testutil"
	"crypto/x509"
	"encoding/json"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// OwnPebble is a pebble server a test started for itself.
type OwnPebble struct {
	// Directory is its ACME directory URL; RootsFile the CA of its own
	// HTTPS (the shared pebble's).
	Directory, RootsFile string
	// Issued is the root it signs certificates under.
	Issued *x509.CertPool
}

// StartPebble starts a pebble server of the test's own whose certificates
// are valid for validity only, so that a test sees one renewed; the shared
// pebble's certificates last 90 days, as Let's Encrypt's do. It uses the
// shared pebble's binary and HTTPS key pair (scripts/services), every
// challenge passing as there, on free loopback ports, and stops it when the
// test ends. The test is skipped when pebble is not installed. The binary
// is CITYHUB_TEST_PEBBLE, else pebble on the PATH, else GOPATH/bin/pebble.
func StartPebble(tb testing.TB, validity time.Duration) OwnPebble {
	tb.Helper()
	bin := os.Getenv("CITYHUB_TEST_PEBBLE")
	if bin == "" {
		if p, err := exec.LookPath("pebble"); err == nil {
			bin = p
		} else {
			bin = filepath.Join(build.Default.GOPATH, "bin", "pebble")
		}
	}
	dir := filepath.Dir(RootsFile())
	for _, f := range []string{bin, RootsFile(), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")} {
		if _, err := os.Stat(f); err != nil {
			tb.Skipf("pebble is not set up (%v): run scripts/services, or set CITYHUB_TEST_PEBBLE", err)
		}
	}
	acmeAddr, mgmtAddr := testutil.FreeAddr(tb), testutil.FreeAddr(tb)
	cfg, err := json.Marshal(map[string]any{"pebble": map[string]any{
		"listenAddress":                  acmeAddr,
		"managementListenAddress":        mgmtAddr,
		"certificate":                    filepath.Join(dir, "cert.pem"),
		"privateKey":                     filepath.Join(dir, "key.pem"),
		"httpPort":                       5002,
		"tlsPort":                        5001,
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
		"retryAfter":                     map[string]int{"authz": 1, "order": 1},
		"keyAlgorithm":                   "ecdsa",
		"profiles": map[string]any{"default": map[string]any{
			"description": "short-lived, for renewal tests", "validityPeriod": int(validity / time.Second)}},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	cfgFile := filepath.Join(tb.TempDir(), "pebble-config.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", cfgFile)
	cmd.Env = append(os.Environ(), "PEBBLE_VA_ALWAYS_VALID=1", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	var log testutil.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	p := OwnPebble{Directory: "https://" + acmeAddr + "/dir", RootsFile: RootsFile()}
	// It answers once both listeners are up; it exits at once if a port
	// was taken in the meantime.
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case <-exited:
			tb.Fatalf("pebble exited:\n%s", log.String())
		default:
		}
		root, err := get(tb, "https://"+mgmtAddr+"/roots/0", p.RootsFile)
		if _, derr := get(tb, p.Directory, p.RootsFile); err == nil && derr == nil {
			p.Issued = x509.NewCertPool()
			if !p.Issued.AppendCertsFromPEM(root) {
				tb.Fatalf("pebble's issuing root is not PEM: %.100s", root)
			}
			return p
		}
		if time.Now().After(deadline) {
			tb.Fatalf("pebble did not answer at %s within 30s:\n%s", p.Directory, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
